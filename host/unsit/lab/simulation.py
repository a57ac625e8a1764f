"""Running the real firmware on a simulated clip, and reading back what the wearer would feel.

:func:`run_firmware` starts ``firmware/main.py`` under the ``micropython`` interpreter with
the simulated board (``unsit/lab/simboard``) first on its path, fed from board samples (int16
milli-g at 25 Hz). The firmware writes its log into the simulated flash folder as it would on
a clip; :func:`read_log` reads it back with the firmware's own log code
(``logic.flashlog``, ``logic.records``) and :func:`simulate` turns the records, and the
motor pulses the board recorded, into a :class:`SimulationResult`.

A board that its watchdog resets is started again: :func:`run_until_end` restarts the
firmware on the same flash folder where the trace had got to (plus the samples that pass
while the board boots, :data:`REBOOT_MS`) with reset cause watchdog, until the trace has
been played; :func:`simulate` runs it that way.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from unsit.errors import UnsitError
from unsit.firmware import firmware_dir
from unsit.log.reminders import HEEDED, IGNORED, outcomes
from unsit.log.reminders import KINDS as REMINDER_KINDS
from unsit.lab.micropython_runner import micropython_command, micropython_env
from unsit.lab.trace import BOARD_RATE_HZ as RATE_HZ
from unsit_firmware.logic import events, records
from unsit_firmware.logic.flashlog import FlashLog
from unsit_firmware.logic.settings import Settings
from unsit_firmware.logic.states import COUNT, NAMES, NOT_WORN

SAMPLE_BYTES = 6
HEAPSIZE = "2M"
MS_PER_SAMPLE = 1000 // RATE_HZ
# From a reset to the restarted app's first FIFO read: ROM boot, MicroPython start-up, the
# firmware's imports and the IMU's set-up (which empties its FIFO). The samples of that time
# are lost.
REBOOT_MS = 1500
MAX_RESETS = 50
# Fault injection (simboard): each fault is injected once, in the first run only.
FAULTS = ("UNSIT_SIM_FAULT_AT", "UNSIT_SIM_CUT_AT", "UNSIT_SIM_HANG_AT", "UNSIT_SIM_STALL_AT")


def simboard_dir() -> Path:
    """The folder with the simulated board's MicroPython modules."""
    return Path(__file__).resolve().parent / "simboard"


def board_bytes(samples: array) -> bytes:
    """Interleaved x, y, z milli-g (``array('h')``) as the little-endian file the board reads."""
    if sys.byteorder == "big":
        samples = array("h", samples)
        samples.byteswap()
    return samples.tobytes()


@dataclass
class Reminder:
    t_s: int                  # seconds from the trace start
    minutes_sat: int
    repeat: int               # 0 = the first reminder of the sitting bout
    heeded: bool = False
    seconds_to_get_up: int | None = None
    outcome: str = IGNORED    # unsit.log.reminders.HEEDED, SNOOZED or IGNORED
    snooze_min: int | None = None   # the snooze that answered it, when snoozed


@dataclass
class Snooze:
    t_s: int
    minutes: int


@dataclass
class Suppressed:
    t_s: int
    reason: str
    minutes_sat: int


@dataclass
class Pulse:
    t_s: float
    on_ms: int
    percent: int


@dataclass
class BoardRun:
    """One run of the firmware, from a boot to the end of the trace or a watchdog reset."""

    offset: int                 # first trace sample of the run
    reset_cause: int            # events.RESET_* the board reported at this boot
    board: dict[str, int]       # its counters (board.txt)
    pulses: list[Pulse]         # motor pulses, t_s from the trace start

    @property
    def watchdog_reset(self) -> bool:
        return self.board.get("reset") == events.RESET_WATCHDOG

    @property
    def end_s(self) -> float:
        """Trace second at which the run ended."""
        return self.board.get("trace_at", self.offset) / RATE_HZ


@dataclass
class SimulationResult:
    trace_s: float
    reminders: list[Reminder] = field(default_factory=list)
    snoozes: list[Snooze] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    totals_s: dict[str, int] = field(default_factory=lambda: {name: 0 for name in NAMES})
    steps: int = 0
    not_worn_recognised: list[int] = field(default_factory=list)  # t_s of each recognition
    faults: int = 0
    # (trace second, events.SENSOR_* cause) of each accelerometer fault episode
    sensor_faults: list[tuple[float, int]] = field(default_factory=list)
    boots: int = 0
    watchdog_resets: list[float] = field(default_factory=list)   # t_s of each
    pulses: list[Pulse] = field(default_factory=list)
    board: dict[str, int] = field(default_factory=dict)
    run_s: float = 0.0

    def to_json(self) -> dict[str, object]:
        return asdict(self)


_SUPPRESSED = {
    events.SUPPRESSED_QUIET: "quiet hours",
    events.SUPPRESSED_SNOOZE: "snoozed",
    events.SUPPRESSED_SCHEDULE: "day off",
    events.SUPPRESSED_CHARGING: "charging",
}


class _NoClock:
    """The log is only read here: no time passes."""

    def ticks_ms(self) -> int:
        return 0

    def time(self) -> None:
        return None


def read_log(storage_dir: Path) -> list[tuple[int, int, int, bool, tuple[int, ...]]]:
    """Every valid record in the simulated flash, oldest first, as ``records.unpack`` gives.

    Opening a ``FlashLog`` counts a boot on the flash, so the log is read from a copy.
    """
    with tempfile.TemporaryDirectory(prefix="unsit-log-") as scratch:
        copy = Path(scratch) / "storage"
        shutil.copytree(storage_dir, copy)
        return _read_records(copy)


def _read_records(storage_dir: Path) -> list[tuple[int, int, int, bool, tuple[int, ...]]]:
    log = FlashLog(str(storage_dir), _NoClock())
    buf = bytearray(64 * records.SIZE)
    out = []
    seq = log.first_seq
    while True:
        _, count, seq = log.read_into(seq, buf)
        for i in range(count):
            out.append(records.unpack(buf, i * records.SIZE))
        if count == 0:
            return out


def board_env(workdir: Path, start_utc: int | None,
              settings: dict[str, int] | None) -> dict[str, str]:
    """The environment of a simulated board kept in ``workdir``: its samples in ``trace.bin``,
    its flash folder ``storage/`` (made here, with ``settings`` put on it), its reports."""
    storage = workdir / "storage"
    storage.mkdir(exist_ok=True)
    if settings:
        write_settings(storage, settings)
    env = micropython_env([simboard_dir(), firmware_dir()])
    env.update({
        "UNSIT_SIM_TRACE": str(workdir / "trace.bin"),
        "UNSIT_SIM_STORAGE": str(storage),
        "UNSIT_SIM_OUT": str(workdir),
    })
    if start_utc is not None:
        env["UNSIT_SIM_START"] = str(int(start_utc))
    return env


def firmware_command() -> list[str]:
    """The command that runs ``firmware/main.py`` under MicroPython (on ``board_env``)."""
    return micropython_command([str(firmware_dir() / "main.py")], HEAPSIZE)


def run_firmware(samples: bytes, workdir: Path, start_utc: int | None = None,
                 offset: int = 0, count: int = -1, reset_cause: int = events.RESET_POWER_ON,
                 settings: dict[str, int] | None = None, env: dict[str, str] | None = None,
                 timeout: float = 600) -> subprocess.CompletedProcess[bytes]:
    """Run ``firmware/main.py`` on the simulated board until its samples run out.

    ``workdir`` keeps ``trace.bin``, the flash folder ``storage/`` (reuse it to restart a
    board that keeps its flash) and what the board observed (``motor.txt``, ``board.txt``).
    ``settings`` (name -> value, validated here) are put on the simulated flash, where the
    firmware loads them at boot as it would after a sync.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    trace = workdir / "trace.bin"
    if not trace.exists() or trace.stat().st_size != len(samples):
        trace.write_bytes(samples)
    run_env = board_env(workdir, start_utc, settings)
    run_env.update({
        "UNSIT_SIM_OFFSET": str(offset),
        "UNSIT_SIM_COUNT": str(count),
        "UNSIT_SIM_RESET": str(reset_cause),
    })
    run_env.update(env or {})
    command = firmware_command()
    try:
        done = subprocess.run(command, env=run_env, capture_output=True, timeout=timeout,
                              cwd=workdir, check=False)
    except subprocess.TimeoutExpired:
        raise UnsitError(f"the simulated firmware did not finish within {timeout:g} s") from None
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).decode(errors="replace").strip().splitlines()[-8:]
        raise UnsitError("the firmware failed under MicroPython (exit %d): %s"
                         % (done.returncode, " | ".join(tail)))
    return done


def run_until_end(samples: bytes, workdir: Path, start_utc: int | None = None,
                  settings: dict[str, int] | None = None, env: dict[str, str] | None = None,
                  timeout: float = 600) -> list[BoardRun]:
    """Run the firmware over all of ``samples``, starting it again after each watchdog reset.

    Each restart keeps the flash folder and the clock (an RTC survives a reset) and begins
    :data:`REBOOT_MS` after the reset; fault injections in ``env`` (:data:`FAULTS`) apply to
    the first run only.
    """
    total = len(samples) // SAMPLE_BYTES
    runs: list[BoardRun] = []
    offset = 0
    cause = events.RESET_POWER_ON
    run_env = dict(env or {})
    while True:
        if len(runs) > MAX_RESETS:
            raise UnsitError(f"the simulated board was reset more than {MAX_RESETS} times")
        run_firmware(samples, workdir, start_utc, offset=offset, reset_cause=cause,
                     settings=settings if not runs else None, env=run_env, timeout=timeout)
        board, pulses = read_board(workdir)
        shift = offset / RATE_HZ
        for pulse in pulses:
            pulse.t_s += shift
        run = BoardRun(offset, cause, board, pulses)
        runs.append(run)
        if not run.watchdog_reset:
            return runs
        offset = board["trace_at"] + -(-REBOOT_MS // MS_PER_SAMPLE)
        if offset >= total:
            return runs
        cause = events.RESET_WATCHDOG
        run_env = {k: v for k, v in run_env.items() if k not in FAULTS}
        for name in ("board.txt", "motor.txt"):
            (workdir / name).unlink(missing_ok=True)


def boot_offsets(log: list[tuple[int, int, int, bool, tuple[int, ...]]],
                 runs: list[BoardRun]) -> dict[int, int]:
    """Trace second at which each boot of the log began, for records stamped with uptime.

    The last ``len(runs)`` BOOT records of the log are those runs' boots, in order.
    """
    boots = [(t, uptime) for _, kind, t, uptime, _ in log if kind == events.BOOT]
    offsets: dict[int, int] = {}
    for (t, uptime), run in zip(boots[-len(runs):] if runs else [], runs):
        if uptime:
            offsets[records.split_uptime(t)[0]] = run.offset // RATE_HZ
    return offsets


def write_settings(storage: Path, values: dict[str, int]) -> None:
    """Put settings on the simulated flash in the firmware's format (``app/persist.py``)."""
    checked = Settings()
    for name, value in values.items():
        try:
            checked.set(name, value)
        except ValueError as error:
            raise UnsitError(f"setting refused: {error}", exit_code=2) from None
    defaults = Settings()
    lines = [f"{name} {value}\n" for name, value in checked.items()
             if value != defaults.get(name)]
    (storage / "settings.txt").write_text("".join(lines))


def read_board(workdir: Path) -> tuple[dict[str, int], list[Pulse]]:
    """What the simulated board observed: its counters and the motor's pulses."""
    board: dict[str, int] = {}
    board_file = workdir / "board.txt"
    if board_file.exists():
        for line in board_file.read_text().splitlines():
            key, value = line.split()
            board[key] = int(value)
    pulses: list[Pulse] = []
    motor = workdir / "motor.txt"
    if motor.exists():
        started: tuple[int, int] | None = None
        for line in motor.read_text().splitlines():
            t_ms, percent = (int(v) for v in line.split())
            if percent and started is None:
                started = (t_ms, percent)
            elif not percent and started is not None:
                pulses.append(Pulse(started[0] / 1000.0, t_ms - started[0], started[1]))
                started = None
    return board, pulses


def summarise(log: list[tuple[int, int, int, bool, tuple[int, ...]]], trace_s: float,
              start_utc: int | None = None, boot_offsets_s: dict[int, int] | None = None
              ) -> SimulationResult:
    """Turn log records into what the wearer felt; times become seconds from the trace start.

    Records stamped in UTC are placed with ``start_utc``; records stamped with uptime (clock
    never set) with ``boot_offsets_s[boot]``, the trace second at which that boot began.
    """
    result = SimulationResult(trace_s=trace_s)
    offsets = boot_offsets_s or {}
    answers: list[tuple[int, int, int, int]] = []    # the events that answer reminders
    for _, kind, t, uptime, values in log:
        if uptime:
            boot, up = records.split_uptime(t)
            t_s = up + offsets.get(boot, 0)
        else:
            t_s = t - (start_utc or 0)
        if kind in REMINDER_KINDS:
            answers.append((t_s, kind, values[0], values[1]))
        if kind == records.MINUTE:
            for state in range(COUNT):
                result.totals_s[NAMES[state]] += values[state]
            result.steps += values[5]
        elif kind == records.IDLE:
            result.totals_s[NAMES[NOT_WORN]] += 60 * values[0]
        elif kind == events.SNOOZE:
            result.snoozes.append(Snooze(t_s, values[0]))
        elif kind == events.REMINDER_SUPPRESSED:
            reason = _SUPPRESSED.get(values[0], f"reason {values[0]}")
            result.suppressed.append(Suppressed(t_s, reason, values[1]))
        elif kind == events.NOT_WORN:
            result.not_worn_recognised.append(t_s)
        elif kind == events.FAULT:
            result.faults += 1
        elif kind == events.SENSOR_FAULT:
            result.sensor_faults.append((t_s, values[0]))
        elif kind == events.BOOT:
            result.boots += 1
    result.reminders = [
        Reminder(found.t, minutes_sat=found.minutes_sat, repeat=found.repeat,
                 heeded=found.outcome == HEEDED, seconds_to_get_up=found.get_up_s,
                 outcome=found.outcome, snooze_min=found.snooze_min)
        for found in outcomes(answers)]
    return result


def simulate(samples: bytes, start_utc: int | None = None, workdir: Path | None = None,
             settings: dict[str, int] | None = None, env: dict[str, str] | None = None,
             progress: Callable[[str], None] | None = None) -> SimulationResult:
    """Run the firmware over ``samples`` (board bytes) and say what the wearer would feel."""
    if len(samples) % SAMPLE_BYTES:
        raise ValueError("board samples come in 6-byte x, y, z triples")
    trace_s = len(samples) / SAMPLE_BYTES / RATE_HZ
    with tempfile.TemporaryDirectory(prefix="unsit-sim-") as scratch:
        where = workdir or Path(scratch)
        if progress:
            progress(f"running the firmware under MicroPython on {trace_s / 3600:.1f} h of "
                     "samples")
        began = time.perf_counter()
        runs = run_until_end(samples, where, start_utc, settings=settings, env=env)
        elapsed = time.perf_counter() - began
        log = read_log(where / "storage")
        result = summarise(log, trace_s, start_utc, boot_offsets(log, runs))
        result.board = _add_counters(runs)
        result.pulses = [pulse for run in runs for pulse in run.pulses]
        result.watchdog_resets = [run.end_s for run in runs if run.watchdog_reset]
        result.run_s = round(elapsed, 2)
    return result


_PER_RUN = ("trace_at", "reset")


def _add_counters(runs: list[BoardRun]) -> dict[str, int]:
    """The boards' counters over all runs (samples read, feeds, pulses, ...)."""
    total: dict[str, int] = {}
    for run in runs:
        for key, value in run.board.items():
            if key not in _PER_RUN:
                total[key] = total.get(key, 0) + value
    return total
