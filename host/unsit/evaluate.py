"""Scoring the posture detector, and the baselines users would otherwise use, on HAPT data.

Each experiment is turned by a random 3-D rotation drawn from the seed (a different way of
wearing the clip), resampled to what a board delivers (25 Hz, integer milli-g) and run through
the firmware's own detector, cold: it has no history from other experiments. Scoring is per
whole second; a second counts only if all its samples carry one posture label (unlabelled
samples and postural transitions are skipped). On the same seconds the baselines are scored:
ActiGraph counts (``agcounts``, vector magnitude, < 100 counts/min = sedentary), the fair
inclinometer calibrated on the wearer's walking (``walk-incline``) and, labelled as such, a
fixed-angle inclinometer that assumes the clip is worn as designed (``fixed-incline``).
``unsit.longbouts`` adds the long bouts built from the same recordings.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unsit_firmware.logic import states
from unsit_firmware.logic.detector import Detector

from unsit.lab import hapt
from unsit.lab.trace import BOARD_RATE_HZ, to_board_samples

TRUTH_NAMES = ("sitting", "standing", "walking", "lying")
TRUTH_CODES = (states.SITTING, states.STANDING, states.WALKING, states.LYING)
_HAPT_TO_STATE = {
    hapt.WALKING: states.WALKING,
    hapt.WALKING_UPSTAIRS: states.WALKING,
    hapt.WALKING_DOWNSTAIRS: states.WALKING,
    hapt.SITTING: states.SITTING,
    hapt.STANDING: states.STANDING,
    hapt.LAYING: states.LYING,
}
SEDENTARY_CPM = 100
INCLINE_SIT_DEG = 20.0
INCLINE_LIE_DEG = 60.0
WALK_AXIS_SIT_DEG = 12.0
METHODS = ("unsit", "actigraph", "walk-incline", "fixed-incline")

Matrix = list[list[int]]
Rotation = tuple[tuple[float, float, float], ...]


def random_rotation(rng: random.Random) -> Rotation:
    """A rotation drawn uniformly from all 3-D rotations (Shoemake's unit quaternion)."""
    u1, u2, u3 = rng.random(), rng.random(), rng.random()
    a, b = math.sqrt(1.0 - u1), math.sqrt(u1)
    w, x = a * math.sin(2 * math.pi * u2), a * math.cos(2 * math.pi * u2)
    y, z = b * math.sin(2 * math.pi * u3), b * math.cos(2 * math.pi * u3)
    return (
        (1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)),
        (2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)),
        (2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)),
    )


def rotate(rows: Iterable[tuple[float, float, float]],
           m: Rotation) -> list[tuple[float, float, float]]:
    (a, b, c), (d, e, f), (g, h, i) = m
    return [(a * x + b * y + c * z, d * x + e * y + f * z, g * x + h * y + i * z)
            for x, y, z in rows]


def experiment_rotation(seed: int, experiment: int) -> Rotation:
    """The mounting of one experiment under one seed (independent of which others are run)."""
    return random_rotation(random.Random(seed * 1_000_003 + experiment))


def truth_per_second(labels: bytes | bytearray, rate_hz: int = hapt.RATE_HZ) -> list[int | None]:
    """The posture of each whole second, or ``None`` where it is unlabelled or mixed."""
    truth: list[int | None] = []
    for start in range(0, len(labels) - rate_hz + 1, rate_hz):
        chunk = labels[start:start + rate_hz]
        first = chunk[0]
        if first in _HAPT_TO_STATE and chunk.count(first) == rate_hz:
            truth.append(_HAPT_TO_STATE[first])
        else:
            truth.append(None)
    return truth


def detector_seconds(samples: Sequence[int],
                     make: Callable[[int], Detector] = Detector) -> list[int]:
    """The detector's state for each whole second of interleaved 25 Hz milli-g samples.
    ``make(rate_hz)`` builds the detector (a variant of it, for studies of its rules)."""
    detector = make(BOARD_RATE_HZ)
    feed = detector.feed
    out = []
    for i in range(0, len(samples) - 2, 3):
        if feed(samples[i], samples[i + 1], samples[i + 2]):
            out.append(detector.state)
    return out


def actigraph_seconds(rows: Sequence[tuple[float, float, float]],
                      rate_hz: int = hapt.RATE_HZ) -> list[int]:
    """ActiGraph baseline: sedentary (reported as sitting) when the vector-magnitude counts of
    the minute centred on a second are below 100; otherwise upright (standing)."""
    import numpy as np
    from agcounts.extract import get_counts

    raw = np.asarray(rows, dtype=float)
    counts = get_counts(raw, freq=rate_hz, epoch=1)
    vm = np.sqrt((counts.astype(float) ** 2).sum(axis=1))
    cumulative = np.concatenate(([0.0], np.cumsum(vm)))
    out = []
    n = len(vm)
    for k in range(n):
        lo, hi = max(0, k - 30), min(n, k + 30)
        per_minute = (cumulative[hi] - cumulative[lo]) * 60.0 / (hi - lo)
        out.append(states.SITTING if per_minute < SEDENTARY_CPM else states.STANDING)
    return out


def inclinometer_seconds(rows: Sequence[tuple[float, float, float]],
                         rate_hz: int = hapt.RATE_HZ) -> list[int]:
    """Fixed-angle baseline: the tilt of the clip's design 'up' axis (+x, as HAPT's phone was
    worn) from vertical: < 20 deg standing, 20-60 deg sitting, more lying. No calibration."""
    out = []
    for ux, _, _ in _second_means(rows, rate_hz):
        angle = math.degrees(math.acos(max(-1.0, min(1.0, ux))))
        if angle < INCLINE_SIT_DEG:
            out.append(states.STANDING)
        elif angle < INCLINE_LIE_DEG:
            out.append(states.SITTING)
        else:
            out.append(states.LYING)
    return out


def _second_means(rows: Sequence[tuple[float, float, float]],
                  rate_hz: int) -> list[tuple[float, float, float]]:
    """Each whole second's mean acceleration, as a unit vector."""
    out = []
    for start in range(0, len(rows) - rate_hz + 1, rate_hz):
        sx = sy = sz = 0.0
        for x, y, z in rows[start:start + rate_hz]:
            sx += x
            sy += y
            sz += z
        norm = math.sqrt(sx * sx + sy * sy + sz * sz) or 1.0
        out.append((sx / norm, sy / norm, sz / norm))
    return out


def walk_inclinometer_seconds(rows: Sequence[tuple[float, float, float]],
                              truth: Sequence[int | None],
                              rate_hz: int = hapt.RATE_HZ) -> list[int]:
    """The fair inclinometer: the upright axis is the mean direction of gravity while the
    wearer walks (the hip method of Vahä-Ypyä et al. 2018 after its walking calibration);
    a second more than 12 deg from it is sitting, more than 60 deg lying, else upright. It is
    given the labelled walking seconds of the same experiment (an oracle the clip has not),
    so it is calibrated whatever the mounting."""
    means = _second_means(rows, rate_hz)
    walking = [m for m, t in zip(means, truth) if t == states.WALKING]
    ax = sum(m[0] for m in walking)
    ay = sum(m[1] for m in walking)
    az = sum(m[2] for m in walking)
    norm = math.sqrt(ax * ax + ay * ay + az * az) or 1.0
    axis = (ax / norm, ay / norm, az / norm)
    out = []
    for x, y, z in means:
        cos = max(-1.0, min(1.0, x * axis[0] + y * axis[1] + z * axis[2]))
        angle = math.degrees(math.acos(cos))
        if angle > INCLINE_LIE_DEG:
            out.append(states.LYING)
        elif angle > WALK_AXIS_SIT_DEG:
            out.append(states.SITTING)
        else:
            out.append(states.STANDING)
    return out


@dataclass
class Score:
    """A confusion matrix: rows are the truth (TRUTH_CODES order), columns the states."""

    matrix: Matrix = field(default_factory=lambda: [[0] * states.COUNT for _ in TRUTH_CODES])

    def add(self, truth: Sequence[int | None], predicted: Sequence[int]) -> None:
        for t, p in zip(truth, predicted):
            if t is not None:
                self.matrix[TRUTH_CODES.index(t)][p] += 1

    def merge(self, other: Score) -> None:
        for row, other_row in zip(self.matrix, other.matrix):
            for j, value in enumerate(other_row):
                row[j] += value

    def _row(self, code: int) -> list[int]:
        return self.matrix[TRUTH_CODES.index(code)]

    def balanced_accuracy(self) -> float:
        """Sitting vs upright: mean of sitting recall and of upright seconds not called sitting."""
        sit = self._row(states.SITTING)
        upright = [a + b for a, b in zip(self._row(states.STANDING), self._row(states.WALKING))]
        recall = sit[states.SITTING] / sum(sit) if sum(sit) else math.nan
        specificity = 1 - upright[states.SITTING] / sum(upright) if sum(upright) else math.nan
        return (recall + specificity) / 2

    def lying_recall(self) -> float:
        lie = self._row(states.LYING)
        return lie[states.LYING] / sum(lie) if sum(lie) else math.nan

    def seconds(self) -> int:
        return sum(sum(row) for row in self.matrix)


@dataclass
class Result:
    """Scores per method, per subject and overall."""

    seed: int
    per_subject: dict[str, dict[int, Score]] = field(default_factory=dict)

    def overall(self, method: str) -> Score:
        total = Score()
        for score in self.per_subject.get(method, {}).values():
            total.merge(score)
        return total


def evaluate(folder: Path | str, seed: int = 0,
             progress: Callable[[str], None] | None = None,
             baselines: bool = True) -> Result:
    """Score the detector (and the baselines) on every experiment of a HAPT folder."""
    experiments = hapt.find_experiments(folder)
    bouts = hapt.read_bouts(folder)
    result = Result(seed)
    methods = METHODS if baselines else METHODS[:1]
    for method in methods:
        result.per_subject[method] = {}
    for number, experiment in enumerate(experiments, start=1):
        if progress:
            progress(f"experiment {experiment.experiment} (user {experiment.user}), "
                     f"{number}/{len(experiments)}")
        rows = rotate(experiment.read_rows(), experiment_rotation(seed, experiment.experiment))
        labels = hapt.sample_labels(bouts.get(experiment.experiment, []), len(rows))
        truth = truth_per_second(labels)
        predictions = {"unsit": detector_seconds(to_board_samples(rows, hapt.RATE_HZ))}
        if baselines:
            predictions["actigraph"] = actigraph_seconds(rows)
            predictions["walk-incline"] = walk_inclinometer_seconds(rows, truth)
            predictions["fixed-incline"] = inclinometer_seconds(rows)
        for method in methods:
            score = result.per_subject[method].setdefault(experiment.user, Score())
            score.add(truth, predictions[method])
    return result


@dataclass
class BoardExperiment:
    """One experiment as the detector sees it: mounted, resampled, with the truth per second."""

    experiment: int
    user: int
    truth: list[int | None]
    samples: Sequence[int]      # interleaved x, y, z at BOARD_RATE_HZ, integer milli-g


def board_experiments(folder: Path | str, seed: int = 0) -> list[BoardExperiment]:
    """Every experiment of a HAPT folder, mounted and resampled as ``evaluate`` does, so
    that the detector (or variants of it) can be scored on them many times over."""
    bouts = hapt.read_bouts(folder)
    out = []
    for experiment in hapt.find_experiments(folder):
        rows = rotate(experiment.read_rows(), experiment_rotation(seed, experiment.experiment))
        labels = hapt.sample_labels(bouts.get(experiment.experiment, []), len(rows))
        out.append(BoardExperiment(experiment.experiment, experiment.user,
                                   truth_per_second(labels),
                                   to_board_samples(rows, hapt.RATE_HZ)))
    return out


def score_detector(experiments: Iterable[BoardExperiment],
                   make: Callable[[int], Detector] = Detector) -> dict[int, Score]:
    """The detector's score per subject on prepared experiments (as ``evaluate`` scores it)."""
    per_subject: dict[int, Score] = {}
    for experiment in experiments:
        score = per_subject.setdefault(experiment.user, Score())
        score.add(experiment.truth, detector_seconds(experiment.samples, make))
    return per_subject


def format_matrix(score: Score, indent: str = "  ") -> list[str]:
    header = indent + "truth \\ said".ljust(13) + "".join(n.rjust(10) for n in states.NAMES)
    lines = [header]
    for name, row in zip(TRUTH_NAMES, score.matrix):
        lines.append(indent + name.ljust(13) + "".join(str(v).rjust(10) for v in row))
    return lines


def _fmt(value: float) -> str:
    return "   -" if math.isnan(value) else f"{value:.3f}"


def format_result(result: Result) -> str:
    """The eval table: per subject and overall, every method on the same seconds."""
    methods = [m for m in METHODS if m in result.per_subject]
    lines = [f"HAPT evaluation, seed {result.seed}: balanced accuracy sitting vs upright "
             f"(BA) and lying recall (LR)"]
    head = "subject  seconds" + "".join(f"  {m:>13} BA" for m in methods) + "  unsit LR"
    lines.append(head)
    for user in sorted(result.per_subject["unsit"]):
        unsit = result.per_subject["unsit"][user]
        row = f"{user:>7}  {unsit.seconds():>7}"
        for method in methods:
            row += f"  {_fmt(result.per_subject[method][user].balanced_accuracy()):>16}"
        row += f"  {_fmt(unsit.lying_recall()):>8}"
        lines.append(row)
    overall = result.overall("unsit")
    row = f"{'all':>7}  {overall.seconds():>7}"
    for method in methods:
        row += f"  {_fmt(result.overall(method).balanced_accuracy()):>16}"
    row += f"  {_fmt(overall.lying_recall()):>8}"
    lines.append(row)
    worst = min(s.balanced_accuracy() for s in result.per_subject["unsit"].values())
    lines.append(f"unsit: lowest subject BA {_fmt(worst)}")
    lines.append("")
    lines.append("confusion matrices per subject (seconds; rows: truth, columns: what was said)")
    for user in sorted(result.per_subject["unsit"]):
        for method in methods:
            score = result.per_subject[method][user]
            lines.append(f"subject {user}, {method}: BA {_fmt(score.balanced_accuracy())}, "
                         f"lying recall {_fmt(score.lying_recall())}")
            lines.extend(format_matrix(score))
    lines.append("")
    lines.append("overall")
    for method in methods:
        score = result.overall(method)
        lines.append(f"{method}: overall BA {_fmt(score.balanced_accuracy())}, "
                     f"lying recall {_fmt(score.lying_recall())}")
        lines.extend(format_matrix(score))
    return "\n".join(lines)
