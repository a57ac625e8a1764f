"""How much do the detector's HAPT figures owe to tuning on these 21 subjects?

The detector's thresholds were set by hand on the same subjects ``unsit eval`` scores, so its
figures are training figures. This study estimates how they carry to unseen people:

1. Sensitivity: every tunable module constant of ``unsit_firmware.logic.detector`` scaled by
   0.75, 0.9, 1.1 and 1.25 (integers rounded half up; for the angle chords the angle is
   scaled, not the chord), one at a time, seed 0: overall BA, lowest-subject BA, lying
   recall. A flat row means the figures do not hang on a knife-edge value.
2. Split-half: odd- and even-numbered subjects apart over seeds 0-4, the spread of
   per-subject BA (median, 10th percentile), and a small tuning-by-selection test: the best
   single-constant change chosen on one half, scored on the other.
3. The two HAPT-protocol-like rules: each disabled (a subclass of the detector, the module
   left as it is), and each assumption broken on HAPT (the clip put on while seated; standing
   still right after getting up from lying).

CPython, 2 worker processes (fork); about two minutes (104 runs of the detector). docs/detector.md ("How far the
figures carry") has the findings.

    .venv/bin/python benchmarks/bench_detector_robustness.py [DIR]
"""

from __future__ import annotations

import math
import multiprocessing
import os
import random
import re
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from unsit import evaluate
from unsit.evaluate import BoardExperiment, Score
from unsit.lab import hapt
from unsit_firmware.logic import detector as det
from unsit_firmware.logic import fixedmath, states

SCALES = (0.75, 0.9, 1.1, 1.25)
SEEDS = range(5)
# The tunable constants: (name, kind). "chord" constants hold chord2 of an angle.
TUNABLE = (
    ("_STEP_HIGH", "int"), ("_STEP_LOW", "int"), ("_STEP_GAP_MS", "int"),
    ("_WALK_STEPS", "int"), ("_GESTURE_PEAK", "int"), ("_GESTURE_DIP", "int"),
    ("_MOVE_ACT", "int"), ("_MOVE_JUMP", "int"), ("_TABLE_DRIFT", "int"),
    ("_TABLE_ACT", "int"), ("_WAKE_DRIFT", "int"), ("NOT_WORN_AFTER_S", "int"),
    ("_SEATED_AFTER_S", "int"), ("_UPRIGHT_AFTER_S", "int"), ("_STRONG_PEAK", "int"),
    ("_STRONG_DIP", "int"), ("_SETTLING_S", "int"), ("_SIT_MOVE_S", "int"),
    ("_STOOD_STEPS", "int"), ("_WALK_FORGET_S", "int"), ("_UPRIGHT_CHORD", "chord"),
    ("_STOOD_SIT_CHORD", "chord"),
    ("_SETTLE_S", "int"), ("_UP_SURE_S", "int"),
    ("_SAT_UP_S", "int"), ("_WALK_AWAY_S", "int"), ("_WALK_LEARN_S", "int"),
    ("_LIE_CHORD", "chord"), ("_SIT_CHORD", "chord"), ("_SIT_SAT_CHORD", "chord"),
    ("_SAME_CHORD", "chord"), ("_LEARN_CHORD", "chord"), ("_ADJUST_CHORD", "chord"),
    ("_REUP_CHORD", "chord"), ("_MOVED_CHORD", "chord"),
)
# Module integers that are not tuning: an overflow guard, the save format, a public alias the
# detector itself never reads.
NOT_TUNABLE = ("_CLAMP", "_SAVE_VERSION", "_SAVE_BODY", "SAVE_SIZE", "_FLAG_COUNT",
               "MOVED_CHORD")

Config = tuple[tuple[str, int], ...]
Matrices = dict[int, list[list[int]]]


def check_constants() -> None:
    """Fail loudly when the detector gains or loses a constant this study does not know."""
    source = Path(det.__file__).read_text(encoding="utf-8")
    found = set(re.findall(r"^(_?[A-Z][A-Z0-9_]*) = (?:const\(|_)", source, re.MULTILINE))
    known = {name for name, _ in TUNABLE} | set(NOT_TUNABLE)
    if found != known:
        raise SystemExit(f"detector constants changed: new {sorted(found - known)}, "
                         f"gone {sorted(known - found)}; update TUNABLE")


def chord_degrees(chord: int) -> float:
    """The angle whose chord2 (``UNIT**2 * 2 * (1 - cos)``) this is."""
    return math.degrees(2 * math.asin(math.sqrt(chord) / (2 * fixedmath.UNIT)))


def degrees_chord(degrees: float) -> int:
    return round((2 * fixedmath.UNIT * math.sin(math.radians(degrees) / 2)) ** 2)


def scaled(name: str, kind: str, scale: float) -> int:
    value = getattr(det, name)
    if kind == "chord":
        return degrees_chord(chord_degrees(value) * scale)
    return math.floor(value * scale + 0.5)


def shown(name: str, kind: str, value: int) -> str:
    return f"{chord_degrees(value):.1f} deg" if kind == "chord" else str(value)


# -- variants of the detector's two protocol-like rules (the module itself is not changed) ----

class NoOutOfBed(det.Detector):
    """After lying, the next posture is read like any other (no 'people sit up first')."""

    @property
    def _after_lying(self) -> bool:
        return False

    @_after_lying.setter
    def _after_lying(self, value: bool) -> None:
        pass


class UprightFromWalking(det.Detector):
    """Nothing is assumed when the clip is put on: upright is learned from the first 8 s walk."""

    def _putting_on(self, u: object) -> None:
        self.state = states.STANDING
        self._moved = False


MAKERS: dict[str, Callable[[int], det.Detector]] = {
    "detector": det.Detector, "no-out-of-bed": NoOutOfBed,
    "upright-from-walking": UprightFromWalking}


# -- scenarios built from HAPT that break each assumption -----------------------------------

def _second_after(sample: int) -> int:
    return -(-(sample + 1) // hapt.RATE_HZ)     # first whole second after a 50 Hz index


def put_on_seated(experiments: Sequence[BoardExperiment]) -> list[BoardExperiment]:
    """Each experiment from its first sitting second on: the clip is put on while seated."""
    out = []
    for e in experiments:
        k = e.truth.index(states.SITTING)
        out.append(BoardExperiment(e.experiment, e.user, e.truth[k:], e.samples[3 * 25 * k:]))
    return out


def stand_after_lying(experiments: Sequence[BoardExperiment],
                      bouts: dict[int, list[tuple[int, int, int]]]) -> list[BoardExperiment]:
    """Up to the end of the lie-to-stand transition, then the experiment's own first standing
    bout (HAPT has walking there): standing still right after getting up from lying. Only the
    standing seconds are scored."""
    out = []
    for e in experiments:
        own = bouts.get(e.experiment, [])
        rise = [last for activity, _, last in own if activity == 12]   # LIE_TO_STAND
        stand = [(first, last) for activity, first, last in own if activity == hapt.STANDING]
        if not rise or not stand:
            continue
        cut = _second_after(rise[-1])
        a, b = _second_after(stand[0][0] - 1), (stand[0][1] + 1) // hapt.RATE_HZ
        truth: list[int | None] = [None] * cut
        truth += e.truth[a:b]
        samples = list(e.samples[:3 * 25 * cut]) + list(e.samples[3 * 25 * a:3 * 25 * b])
        out.append(BoardExperiment(e.experiment, e.user, truth, samples))
    return out


# -- work done in the worker processes -------------------------------------------------------

_PREPARED: dict[int, list[BoardExperiment]] = {}
_FOLDER = ""


def _experiments(seed: int) -> list[BoardExperiment]:
    if seed not in _PREPARED:
        _PREPARED[seed] = evaluate.board_experiments(_FOLDER, seed)
    return _PREPARED[seed]


def _matrices(per_subject: dict[int, Score]) -> Matrices:
    return {user: score.matrix for user, score in per_subject.items()}


def run_config(config: Config) -> Matrices:
    """Seed 0 with some module constants changed (restored afterwards)."""
    saved = {name: getattr(det, name) for name, _ in config}
    try:
        for name, value in config:
            setattr(det, name, value)
        return _matrices(evaluate.score_detector(_experiments(0)))
    finally:
        for name, value in saved.items():
            setattr(det, name, value)


def run_task(task: tuple) -> Matrices:
    kind = task[0]
    if kind == "config":
        return run_config(task[1])
    if kind == "seed":
        return _matrices(evaluate.score_detector(_experiments(task[1])))
    if kind == "rule":
        return _matrices(evaluate.score_detector(_experiments(0), MAKERS[task[1]]))
    _, scenario, maker = task
    experiments = _experiments(0)
    if scenario == "seated":
        chosen = put_on_seated(experiments)
    else:
        chosen = stand_after_lying(experiments, hapt.read_bouts(_FOLDER))
    return _matrices(evaluate.score_detector(chosen, MAKERS[maker]))


# -- figures -----------------------------------------------------------------------------------

def scores(matrices: Matrices, users: Callable[[int], bool] = lambda u: True
           ) -> dict[int, Score]:
    return {u: Score([list(r) for r in m]) for u, m in matrices.items() if users(u)}


def figures(per_subject: dict[int, Score]) -> tuple[float, float, float]:
    total = Score()
    for score in per_subject.values():
        total.merge(score)
    worst = min(s.balanced_accuracy() for s in per_subject.values())
    return total.balanced_accuracy(), worst, total.lying_recall()


def ba(per_subject: dict[int, Score]) -> float:
    return figures(per_subject)[0]


def odd(user: int) -> bool:
    return user % 2 == 1


def even(user: int) -> bool:
    return user % 2 == 0


def main() -> int:
    global _FOLDER
    default = Path(os.environ.get("UNSIT_SHARED_DATA", Path(__file__).resolve().parents[2]
                                  / "shared" / "data")) / "hapt"
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    if not (folder / "labels.txt").is_file():
        print(f"HAPT data not found at {folder}", file=sys.stderr)
        return 2
    check_constants()
    _FOLDER = str(folder)
    started = time.perf_counter()
    _experiments(0)     # prepared once here; the forked workers inherit it

    grid: list[tuple[str, str, float, int]] = []
    for name, kind in TUNABLE:
        for scale in SCALES:
            grid.append((name, kind, scale, scaled(name, kind, scale)))
    configs = sorted({(name, value) for name, _, _, value in grid
                      if value != getattr(det, name)})
    tasks: list[tuple] = [("config", ())]
    tasks += [("config", ((name, value),)) for name, value in configs]
    tasks += [("seed", s) for s in SEEDS if s != 0]
    tasks += [("rule", "no-out-of-bed"), ("rule", "upright-from-walking")]
    tasks += [("scenario", "seated", "detector"), ("scenario", "seated", "upright-from-walking"),
              ("scenario", "lying", "detector"), ("scenario", "lying", "no-out-of-bed")]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        answers = pool.map(run_task, tasks, chunksize=1)
    got = dict(zip(tasks, answers))
    base = got[("config", ())]
    base_ba, base_worst, base_lr = figures(scores(base))

    # 1. Sensitivity.
    print(f"Detector robustness on HAPT ({folder}), {len(scores(base))} subjects")
    print()
    print("1. Sensitivity, seed 0: one constant scaled, the rest as shipped. "
          "BA / lowest subject BA / LR")
    print(f"   as shipped: {base_ba:.3f} / {base_worst:.3f} / {base_lr:.3f}")
    head = f"   {'constant':<17} {'value':>9}"
    for scale in SCALES:
        head += f"  {'x' + str(scale):>19}"
    print(head + "  largest BA drop")
    swings = []
    for name, kind in TUNABLE:
        value = getattr(det, name)
        row = f"   {name:<17} {shown(name, kind, value):>9}"
        worst_drop = 0.0
        for gname, _, scale, new in grid:
            if gname != name:
                continue
            if new == value:
                row += f"  {'(same value)':>19}"
                continue
            b, w, lr = figures(scores(got[("config", ((name, new),))]))
            worst_drop = max(worst_drop, base_ba - b, base_worst - w)
            row += f"  {b:.3f}/{w:.3f}/{lr:.3f}"
        swings.append((worst_drop, name))
        print(row + f"  {worst_drop:+.3f}")
    print("   largest drops (of BA or lowest subject BA): "
          + ", ".join(f"{n} {d:.3f}" for d, n in sorted(swings, reverse=True)[:6]))

    # 2. Split-half and spread over seeds.
    print()
    print("2. Split-half, as shipped: BA / lowest subject BA / LR")
    per_seed = {0: base} | {s: got[("seed", s)] for s in SEEDS if s != 0}
    subject_bas = []
    for seed in SEEDS:
        m = per_seed[seed]
        o, e = figures(scores(m, odd)), figures(scores(m, even))
        subject_bas += [s.balanced_accuracy() for s in scores(m).values()]
        print(f"   seed {seed}: odd subjects {o[0]:.3f} / {o[1]:.3f} / {o[2]:.3f}   "
              f"even subjects {e[0]:.3f} / {e[1]:.3f} / {e[2]:.3f}")
    deciles = statistics.quantiles(subject_bas, n=10, method="inclusive")
    print(f"   per-subject BA over seeds 0-4 ({len(subject_bas)} values): median "
          f"{statistics.median(subject_bas):.3f}, 10th percentile {deciles[0]:.3f}, "
          f"lowest {min(subject_bas):.3f}")
    # Subjects as the unit: 9 new subjects drawn from these 21 (seeds 0-4 pooled per subject).
    pooled: dict[int, Score] = {}
    for seed in SEEDS:
        for user, score in scores(per_seed[seed]).items():
            pooled.setdefault(user, Score()).merge(score)
    rng = random.Random(1)
    users = sorted(pooled)
    draws, lows = [], []
    for _ in range(2000):
        pick = [pooled[rng.choice(users)] for _ in range(9)]
        total = Score()
        for score in pick:
            total.merge(score)
        draws.append(total.balanced_accuracy())
        lows.append(min(s.balanced_accuracy() for s in pick))
    cut = statistics.quantiles(draws, n=20, method="inclusive")
    low_cut = statistics.quantiles(lows, n=20, method="inclusive")
    print(f"   9 subjects resampled from these 21 (2000 draws): overall BA 5-95 % "
          f"{cut[0]:.3f}-{cut[-1]:.3f}; their lowest subject median {statistics.median(lows):.3f},"
          f" 5 % {low_cut[0]:.3f}")
    print("   tuning by selection (the best of the single-constant changes above, or none, "
          "chosen on one half):")
    candidates = [()] + [((name, value),) for name, value in configs]
    for chosen_on, other in ((odd, even), (even, odd)):
        label = "odd" if chosen_on is odd else "even"
        best = max(candidates, key=lambda c: (round(ba(scores(got[("config", c)], chosen_on)),
                                                    6), c == ()))
        on_own = ba(scores(got[("config", best)], chosen_on))
        on_other = ba(scores(got[("config", best)], other))
        shipped_other = ba(scores(base, other))
        what = ", ".join(f"{n}={v}" for n, v in best) or "as shipped"
        print(f"   chosen on {label}: {what}: {on_own:.3f} there, {on_other:.3f} on the "
              f"other half (as shipped {shipped_other:.3f})")

    # 3. The protocol-like rules.
    print()
    print("3. Protocol-like rules, seed 0: BA / lowest subject BA / LR")
    print(f"   as shipped                                   {base_ba:.3f} / {base_worst:.3f}"
          f" / {base_lr:.3f}")
    for rule, text in (("no-out-of-bed", "'sit up first after lying' off"),
                       ("upright-from-walking", "'first held posture is upright' off")):
        b, w, lr = figures(scores(got[("rule", rule)]))
        print(f"   {text:<44} {b:.3f} / {w:.3f} / {lr:.3f}")
    def merged(scenario: str, maker: str) -> Score:
        total = Score()
        for score in scores(got[("scenario", scenario, maker)]).values():
            total.merge(score)
        return total

    print("   clip put on while seated (each experiment from its first sitting second):")
    for maker in ("detector", "upright-from-walking"):
        total = merged("seated", maker)
        sit = total.matrix[0]
        print(f"     {maker:<22} BA {total.balanced_accuracy():.3f}, sitting recall "
              f"{sit[states.SITTING] / sum(sit):.3f}, LR {total.lying_recall():.3f}")
    print("   standing still right after getting up from lying (spliced from each experiment):")
    for maker in ("detector", "no-out-of-bed"):
        stand = merged("lying", maker).matrix[1]
        print(f"     {maker:<22} {sum(stand)} standing seconds, called sitting "
              f"{stand[states.SITTING] / sum(stand):.3f}")
    print()
    print(f"{len(tasks)} runs in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
