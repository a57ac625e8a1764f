"""Long bouts built from real HAPT recordings, run through the real firmware.

HAPT's bouts last 12-32 s; an hour of sitting is not in it. Each scenario here chains one
experiment's *own* labelled bouts (docs/detector.md, "Long bouts"), mounted by a random
rotation drawn from the seed, and plays it to ``firmware/main.py`` under MicroPython as
``unsit simulate`` does:

- ``sit``: the first standing bout, a walk, the real stand-to-sit movement, then 65 minutes of
  that experiment's sitting bouts in turn (each change of bout a change of how they sit, no
  stand-up between), the real sit-to-stand movement and 3 minutes of its walks. Expected: one
  reminder, 60 min ± 90 s after the sit-down.
- ``stand``: the first standing bout, a walk, then 65 minutes of its standing bouts in turn and
  3 minutes of walks. Expected: no reminder.
- ``desk``: as ``sit`` with 35 minutes of sitting, then the clip lies still on a desk for 30
  minutes and is put back on while seated for 45 more. Expected: the clip (its BOUT_END
  events) and the report (the review of its log, stored as a sync stores it) show the same
  bouts, each as long to within :data:`AGREE_MIN` minutes, and no reminder.

Pieces are joined by a 1 s cross-fade (:func:`join`).
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from unsit.lab import hapt
from unsit.evaluate import Rotation, rotate
from unsit.lab.trace import BOARD_RATE_HZ, to_board_samples

SCENARIOS = ("sit", "stand", "desk")
LONG_S = 65 * 60
SIT_LIMIT_S = 60 * 60
TOLERANCE_S = 90
DESK_FIRST_S = 35 * 60
DESK_S = 30 * 60
DESK_SECOND_S = 45 * 60
# The clip counts a bout's sitting seconds, the report its sitting minutes end to end (a
# second misread as standing inside the bout is in the one and not the other).
AGREE_MIN = 2
END_WALK_S = 3 * 60              # the closing walk (its bouts in turn): a break on both sides
START_UTC = 1_780_000_000        # a Thursday, 2026-05-28 20:26 UTC: outside quiet hours
_STAND_TO_SIT = 7
_SIT_TO_STAND = 8

Rows = list[tuple[float, float, float]]


@dataclass
class Scenario:
    """Samples (50 Hz, g, mounted) and where the sit-downs are, in seconds."""

    name: str
    rows: Rows
    sit_downs_s: list[float] = field(default_factory=list)


def _bouts_of(bouts: Sequence[tuple[int, int, int]], activity: int) -> list[tuple[int, int]]:
    return [(first, last + 1) for a, first, last in bouts if a == activity]


FADE = hapt.RATE_HZ              # samples over which two joined pieces cross-fade (1 s)


def join(out: Rows, piece: Rows) -> Rows:
    """``piece`` appended to ``out``, the two cross-faded over :data:`FADE` samples: a body
    changes posture in about a second; a jump between two recordings would be a movement no
    body makes (its step in the magnitude looks like a sit-down or a stand-up)."""
    n = min(FADE, len(out), len(piece))
    if n < 2:
        out.extend(piece)
        return out
    tail = out[-n:]
    del out[-n:]
    for k in range(n):
        w = k / (n - 1)
        a, b = tail[k], piece[k]
        out.append((a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w,
                    a[2] + (b[2] - a[2]) * w))
    out.extend(piece[n:])
    return out


def _cycle(rows: Rows, spans: list[tuple[int, int]], seconds: float) -> Rows:
    """``seconds`` of the bouts ``spans`` of ``rows`` in turn, joined by cross-fades."""
    need = int(seconds * hapt.RATE_HZ)
    out: Rows = []
    i = 0
    while len(out) < need:
        first, end = spans[i % len(spans)]
        join(out, rows[first:min(end, first + need - len(out) + FADE)])
        i += 1
    return out[:need]


def _chain(*pieces: Rows) -> Rows:
    out: Rows = []
    for piece in pieces:
        join(out, list(piece))
    return out


def _desk(seconds: float, seed: int) -> Rows:
    """A clip lying still on a desk, face up: gravity on z and a chip's noise (~2 mg)."""
    rng = random.Random(seed)
    return [(rng.gauss(0.0, 0.002), rng.gauss(0.0, 0.002), 1.0 + rng.gauss(0.0, 0.002))
            for _ in range(int(seconds * hapt.RATE_HZ))]


def scenarios(rows: Rows, bouts: Sequence[tuple[int, int, int]], mounting: Rotation,
              seed: int = 0) -> list[Scenario]:
    """The three long scenarios of one experiment (``rows`` unrotated, 50 Hz, in g)."""
    stands = _bouts_of(bouts, hapt.STANDING)
    sits = _bouts_of(bouts, hapt.SITTING)
    walks = _bouts_of(bouts, hapt.WALKING)
    downs = _bouts_of(bouts, _STAND_TO_SIT)
    ups = _bouts_of(bouts, _SIT_TO_STAND)
    if not (stands and sits and walks and downs and ups):
        return []

    def part(span: tuple[int, int]) -> Rows:
        return rows[span[0]:span[1]]

    lead = _chain(part(stands[0]), part(walks[0]), part(downs[0]))
    sit_down = (len(lead) - FADE) / hapt.RATE_HZ
    tail = _chain(part(ups[0]), _cycle(rows, walks, END_WALK_S))
    out = []
    sit = _chain(lead, _cycle(rows, sits, LONG_S), tail)
    out.append(Scenario("sit", rotate(sit, mounting), [sit_down]))
    stand = _chain(part(stands[0]), part(walks[0]), _cycle(rows, stands, LONG_S),
                   _cycle(rows, walks, END_WALK_S))
    out.append(Scenario("stand", rotate(stand, mounting)))
    worn = rotate(_chain(lead, _cycle(rows, sits, DESK_FIRST_S)), mounting)
    worn = _chain(worn, _desk(DESK_S, seed))
    second = (len(worn) - FADE) / hapt.RATE_HZ
    worn = _chain(worn, rotate(_chain(_cycle(rows, sits[::-1], DESK_SECOND_S), tail),
                               mounting))
    out.append(Scenario("desk", worn, [sit_down, second]))
    return out


@dataclass
class Outcome:
    """What the clip did in one scenario, and whether it is what a wearer expects."""

    experiment: int
    user: int
    scenario: str
    reminders_s: list[float]            # seconds after the (first) sit-down
    clip_bouts_min: list[int]           # bouts as the clip's coach counted them
    report_bouts_min: list[int]         # bouts as the host's review shows them
    ok: bool
    why: str = ""


def _judge(scenario: Scenario, reminders: list[float], clip: list[int],
           report: list[int]) -> tuple[bool, str]:
    if scenario.name == "sit":
        if len(reminders) != 1:
            return False, f"{len(reminders)} reminders"
        off = reminders[0] - SIT_LIMIT_S
        if abs(off) > TOLERANCE_S:
            return False, f"reminder {off:+.0f} s from {SIT_LIMIT_S // 60} min"
        return True, ""
    if scenario.name == "stand":
        return (not reminders), (f"{len(reminders)} reminders" if reminders else "")
    if len(clip) != len(report) or any(abs(a - b) > AGREE_MIN for a, b in zip(clip, report)):
        return False, f"clip bouts {clip} min, report {report} min"
    if reminders:
        return False, f"{len(reminders)} reminders"
    return True, ""


def run_scenario(scenario: Scenario, experiment: int = 0, user: int = 0) -> Outcome:
    """Play one scenario to the firmware; read its reminders, and the bouts from its log as
    the report shows them (the log stored as a sync stores it)."""
    from unsit.lab.simulation import board_bytes, read_log, run_until_end, summarise

    samples = board_bytes(to_board_samples(scenario.rows, hapt.RATE_HZ))
    with tempfile.TemporaryDirectory(prefix="unsit-long-") as scratch:
        where = Path(scratch)
        run_until_end(samples, where, START_UTC)
        logged = read_log(where / "storage")
    result = summarise(logged, len(samples) / 6 / BOARD_RATE_HZ, START_UTC)
    start = scenario.sit_downs_s[0] if scenario.sit_downs_s else 0.0
    reminders = [r.t_s - start for r in result.reminders if r.repeat == 0]
    clip = clip_bouts(logged)
    report = report_bouts(logged)
    ok, why = _judge(scenario, reminders, clip, report)
    return Outcome(experiment, user, scenario.name, reminders, clip, report, ok, why)


def clip_bouts(log: list[tuple[int, int, int, bool, tuple[int, ...]]]) -> list[int]:
    """The sitting bouts the clip's coach counted, in whole minutes, from its BOUT_END
    events (a bout still open at the end of the log is not in it)."""
    from unsit_firmware.logic import events

    return [values[0] // 60 for _, kind, _, _, values in log
            if kind == events.BOUT_END and values[0] >= 60]


def report_bouts(log: list[tuple[int, int, int, bool, tuple[int, ...]]]) -> list[int]:
    """The sitting bouts ``unsit report`` shows for this log, in minutes (ended ones only)."""
    from unsit.review.bouts import OPEN, find_bouts
    from unsit.log.records import StoredRecord
    from unsit.store import open_store

    store = open_store(":memory:")
    stored = [StoredRecord(seq, kind, 0, t, False if uptime else True, tuple(values), b"")
              for seq, kind, t, uptime, values in log]
    store.upsert_device("sim", now_utc=START_UTC)
    store.store_batch("sim", stored, now_utc=START_UTC)
    bouts = find_bouts(store.conn, "sim", 0, 2**32)
    store.close()
    return [b.minutes for b in bouts if b.ended_by != OPEN]


def _experiment_outcomes(job: tuple[Path, int, int, int, tuple[str, ...]]) -> list[Outcome]:
    from unsit.evaluate import experiment_rotation

    path, number, user, seed, names = job
    folder = path.parent
    bouts = hapt.read_bouts(folder).get(number, [])
    rows = hapt.Experiment(number, user, path).read_rows()
    mounting = experiment_rotation(seed + 7919, number)
    out = []
    for scenario in scenarios(rows, bouts, mounting, seed * 1000 + number):
        if scenario.name in names:
            out.append(run_scenario(scenario, number, user))
    return out


def evaluate_long(folder: Path | str, seed: int = 0, jobs: int = 1,
                  experiments: Sequence[int] | None = None,
                  names: Sequence[str] = SCENARIOS,
                  progress: Callable[[str], None] | None = None) -> list[Outcome]:
    """Every scenario of every experiment (or of ``experiments``) of a HAPT folder."""
    found = [e for e in hapt.find_experiments(folder)
             if experiments is None or e.experiment in experiments]
    work = [(e.path, e.experiment, e.user, seed, tuple(names)) for e in found]
    out: list[Outcome] = []
    if jobs <= 1:
        for i, job in enumerate(work, start=1):
            if progress:
                progress(f"long bouts: experiment {job[1]}, {i}/{len(work)}")
            out.extend(_experiment_outcomes(job))
        return out
    with ProcessPoolExecutor(jobs) as pool:
        for i, outcomes in enumerate(pool.map(_experiment_outcomes, work), start=1):
            if progress:
                progress(f"long bouts: {i}/{len(work)} experiments")
            out.extend(outcomes)
    return out


def format_long(outcomes: list[Outcome], seed: int) -> str:
    """Per experiment and totals."""
    lines = [f"Long bouts from real HAPT bouts, seed {seed}: the real firmware under MicroPython",
             "  sit:   65 min of the experiment's sitting bouts in turn; expect 1 reminder at "
             f"{SIT_LIMIT_S // 60} min ± {TOLERANCE_S} s",
             "  stand: 65 min of its standing bouts in turn; expect no reminder",
             "  desk:  35 min sitting, 30 min clip on a desk, 45 min sitting; expect the clip "
             "and the report to agree on the bouts",
             "experiment  user  scenario  reminders (s after sit-down)  clip bouts  "
             "report bouts  ok"]
    for o in sorted(outcomes, key=lambda o: (o.experiment, SCENARIOS.index(o.scenario))):
        times = ", ".join(f"{t:.0f}" for t in o.reminders_s) or "-"
        lines.append(f"{o.experiment:>10}  {o.user:>4}  {o.scenario:<8}  {times:<28}  "
                     f"{str(o.clip_bouts_min):<10}  {str(o.report_bouts_min):<12}  "
                     f"{'yes' if o.ok else 'NO: ' + o.why}")
    for name in SCENARIOS:
        done = [o for o in outcomes if o.scenario == name]
        if done:
            good = sum(o.ok for o in done)
            lines.append(f"{name}: {good} of {len(done)} experiments as expected")
    return "\n".join(lines)
