"""A simulated clip for the ``micropython`` unix port: the board contract of docs/architecture.md.

The firmware's ``main.py`` imports this module when it is on the path (only the simulator puts
it there) and calls :func:`build`. Everything the app touches behaves like the hardware, but
time is virtual: the clock advances 40 ms for every sample the app reads, so a day of samples
runs as fast as the interpreter can go.

Configured by environment variables, set by the host (``unsit.lab.simulation``):

``UNSIT_SIM_TRACE``     (required) binary trace: int16 little-endian milli-g, x y z
                        interleaved, 25 Hz
``UNSIT_SIM_STORAGE``   (required) folder for the log and saved state (the board's flash)
``UNSIT_SIM_OUT``       folder for what the simulator observed (default: the storage folder):
                        ``motor.txt`` (one ``t_ms percent`` line per motor change, virtual
                        uptime ms) and ``board.txt`` (``key value`` lines written at the end)
``UNSIT_SIM_START``     UTC epoch seconds of trace sample 0; absent = the clock was never set
``UNSIT_SIM_OFFSET``    first sample to play (default 0): a restarted board carries on there
``UNSIT_SIM_COUNT``     samples to play at most (default: to the end of the trace)
``UNSIT_SIM_RESET``     reset cause reported (an ``events.RESET_*`` code, default power-on)
``UNSIT_SIM_ID``        device id (8 hex characters, default ``5157a1e0``)
``UNSIT_SIM_CHARGING``  ``1``: the board says it is charging
``UNSIT_SIM_BATTERY_MV`` the cell's voltage the board reports (default 3900; ``0``: no battery
                        reading, as a board without a divider)
``UNSIT_SIM_SERIAL``    a tty path (or an inherited file descriptor number) for the protocol
``UNSIT_SIM_SPEED``     0 (default) = as fast as possible; X = X times real time
``UNSIT_SIM_FAULT_AT``  fault injection: the FIFO read raises ``OSError`` (as an I2C error
                        would) once, when this many samples have been read
``UNSIT_SIM_FAIL_MS``   with ``UNSIT_SIM_FAULT_AT``: every read raises for this long (ms of
                        board time: the app's retry pauses pass it; the trace waits)
``UNSIT_SIM_CUT_AT``    fault injection: the power is cut when this many samples have been
                        read: the interpreter exits at once, nothing is flushed or saved
``UNSIT_SIM_HANG_AT``   fault injection: when this many samples have been read, the next FIFO
                        read never returns (the I2C transfer is stuck: the chip holds the bus,
                        and a bit-banged transfer can wait for it forever, as in
                        micropython/micropython#15763): the whole asyncio loop is blocked
``UNSIT_SIM_STALL_AT``  fault injection: when this many samples have been read, the FIFO's
                        watermark interrupt never comes again (``wait_samples`` never returns)
                        while time goes on: only the sampling task is stuck
``UNSIT_SIM_WDT_MS``    the watchdog's timeout in ms (default 60000, as ``hw.boards``)

The simulated board runs the app (``run(build())``, called by the firmware's ``main.py``) and ends
it: when the samples run out, ``wait_samples`` raises ``TraceEnded``, which is no fault the
app handles (a ``BaseException``, as asyncio's ``CancelledError``): it ends the app's
sampling and reaches ``run``, which has the app write out what it holds
(``Device.shutdown``); then, if a serial port is attached, it keeps serving it in real time
until the process is stopped, else every task is cancelled and ``run`` returns the
``app.device.Device``.

The watchdog (``SimWDT``) follows ``machine.WDT``: the board arms it at the first
``watchdog_feed()`` (as ``hw.boards`` does) with a timeout fixed at creation; ``feed()``
restarts the timeout; nothing stops it. When it expires the board resets: nothing more runs,
nothing is flushed or saved; ``board.txt`` is written with ``reset 3`` (``events.RESET_WATCHDOG``)
and ``trace_at`` (the trace sample the trace had reached at the reset) and the interpreter
exits. The host (``unsit.lab.simulation.run_until_end``) then starts the firmware again on the
same flash folder, from ``trace_at`` plus the samples that pass while the board boots, with
reset cause watchdog: the trace carries on.

Why the watchdog runs on virtual time, checked where time advances: on a board the WDT is a
hardware counter that runs whatever the CPU does, which is the whole point: a task stuck in
a synchronous loop blocks the asyncio loop, the app's watchdog task with it, and only the
hardware can reset the board. Here the only clock is the virtual one, and it only moves when
the simulated hardware says time passed (the IMU, 40 ms per sample). So the deadline is
checked inside ``SimClock.advance``, the one place time moves, and the injected hangs are
in the hardware, where time passes while the firmware waits: a stuck FIFO read spins in the
driver call, advancing the clock 1 ms per bus poll, until the deadline passes and the board
resets from inside that call, exactly as the hardware would. A hang written in the firmware
itself (a busy loop touching no hardware) would not move virtual time and is not modelled;
nor does the watchdog run after the trace has ended (time then follows the wall clock).
"""

import os
import sys
import time

import asyncio

from logic.events import RESET_WATCHDOG
from logic.limits import RATE_HZ
from logic.localtime import device_seconds

_MS_PER_SAMPLE = 1000 // RATE_HZ
_BYTES_PER_SAMPLE = 6
_NEVER = 1 << 60
_WDT_MS = 60000              # hw.boards.WATCHDOG_MS
_POLL_MS = 1                 # one poll of a stuck I2C bus
_GIVE_UP_MS = 3600 * 1000    # a hang with no watchdog armed would last forever: stop there
_EXIT_HUNG = 70              # exit status of a run that hung with no watchdog to reset it


def _env_int(name, default):
    value = os.getenv(name)
    if value is None or value == "":
        return default
    return int(value)


class TraceEnded(BaseException):
    """The trace has run out: the simulated board has no more samples (module docstring)."""


class SimClock:
    """Virtual time: advanced by the IMU as samples are read, then by the wall clock.

    ``seconds()`` (device seconds, ``logic.localtime``) is exact to the millisecond and
    allocates nothing on a 32-bit port: it adds ticks to small ints kept from ``set_time``."""

    def __init__(self, start_utc_s=None, offset_ms=0):
        self.ms = 0
        self.wdt = None            # the armed watchdog: checked whenever time advances
        self._real_from = None     # after the trace: ticks follow the wall clock from here
        self._real_base = 0
        # UTC milliseconds at ticks 0; None while the clock was never set
        self._utc0_ms = None
        # device seconds and ms (0..999) at ticks 0, once set (names the board's qstr pool
        # already holds: docs/architecture.md, "Memory on a board")
        self._anchor = None
        self._phase = 0
        if start_utc_s is not None:
            self._set_time(start_utc_s * 1000 + offset_ms)

    def ticks_ms(self):
        if self._real_from is not None:
            return self._real_base + time.ticks_diff(time.ticks_ms(), self._real_from)
        return self.ms

    def time(self):
        if self._utc0_ms is None:
            return None
        return (self._utc0_ms + self.ticks_ms()) // 1000

    def seconds(self):
        if self._anchor is None:
            return None
        return self._anchor + (self._phase + self.ticks_ms()) // 1000

    def set_time(self, utc_s):
        self._set_time(utc_s * 1000 - self.ticks_ms())

    def _set_time(self, ms):
        """UTC ``ms`` at ticks 0."""
        self._utc0_ms = ms
        self._anchor = device_seconds(ms // 1000)
        self._phase = ms % 1000

    def advance(self, ms):
        """Virtual time passes (only the simulated hardware calls this)."""
        self.ms += ms
        wdt = self.wdt
        if wdt is not None and self.ms >= wdt.deadline:
            self.ms = wdt.deadline
            wdt.expire()

    def go_real(self):
        """From now on ticks follow the wall clock (the trace has ended)."""
        if self._real_from is None:
            self._real_base = self.ms
            self._real_from = time.ticks_ms()
            self.wdt = None


class SimWDT:
    """``machine.WDT(timeout=ms)`` on virtual time: started at creation, ``feed()`` restarts
    the timeout, it cannot be stopped; when it expires, ``on_expiry()`` resets the board."""

    def __init__(self, clock, timeout_ms, on_expiry):
        if timeout_ms <= 0:
            raise ValueError("watchdog timeout must be positive")
        self.timeout_ms = timeout_ms
        self._clock = clock
        self._on_expiry = on_expiry
        self.deadline = clock.ms + timeout_ms
        self.feeds = 0

    def feed(self):
        self.deadline = self._clock.ms + self.timeout_ms
        self.feeds += 1

    def expire(self):
        self._on_expiry()


class SimIMU:
    """An accelerometer whose FIFO is filled from the trace file."""

    watermark = RATE_HZ
    tap_engine = False  # the app finds taps in the samples

    def __init__(self, path, clock, offset=0, count=-1, fault_at=-1, hang_at=-1, fail_ms=0):
        self._file = open(path, "rb")
        total = os.stat(path)[6] // _BYTES_PER_SAMPLE
        if offset:
            self._file.seek(offset * _BYTES_PER_SAMPLE)
        left = total - offset if total > offset else 0
        self.left = left if count < 0 or count > left else count
        self.read = 0
        self._clock = clock
        self.limit = -1  # the board caps a read so virtual time stops at the next wake-up
        self._fault_at = fault_at
        self._hang_at = hang_at
        self._fail_ms = fail_ms
        self._fail_until = -1
        self.failing = None     # the task whose last read raised: its pauses are board time

    def read_into(self, buf):
        n = len(buf) // 3
        if n > self.left:
            n = self.left
        if 0 <= self.limit < n:
            n = self.limit
        if n <= 0:
            return 0
        if 0 <= self._hang_at:
            if self.read >= self._hang_at:
                self._stuck()
            if self.read + n > self._hang_at:
                n = self._hang_at - self.read
        if self._fail_until >= 0:
            if self._clock.ms < self._fail_until:
                self.failing = asyncio.current_task()
                raise OSError(19)   # ENODEV: the chip no longer acknowledges
            self._fail_until = -1
        if 0 <= self._fault_at and self.read + n > self._fault_at:
            if self.read < self._fault_at:
                n = self._fault_at - self.read
            else:
                self._fault_at = -1
                self.failing = asyncio.current_task()
                if self._fail_ms > 0:
                    self._fail_until = self._clock.ms + self._fail_ms
                raise OSError(5)  # EIO, as a failed I2C transfer
        self.failing = None
        if n * 3 == len(buf):
            self._file.readinto(buf)
        else:
            self._file.readinto(memoryview(buf)[0:n * 3])
        self.left -= n
        self.read += n
        self._clock.advance(n * _MS_PER_SAMPLE)
        return n

    def _stuck(self):
        # The transfer never completes: the driver call polls the held bus for ever, and time
        # passes meanwhile. Only the watchdog ends this (from inside clock.advance).
        clock = self._clock
        began = clock.ms
        while clock.ms - began < _GIVE_UP_MS:
            clock.advance(_POLL_MS)
        print("simboard: the IMU read hung for an hour and no watchdog reset the board")
        sys.exit(_EXIT_HUNG)

    def taps(self):
        return 0

    def close(self):
        self._file.close()


class SimMotor:
    """Records every change of drive with its virtual time, one line per change."""

    def __init__(self, path, clock):
        self._out = open(path, "w")
        self._clock = clock
        self.percent = 0
        self.pulses = 0
        self.on_ms = 0
        self._since = 0

    def on(self, percent):
        if percent <= 0:
            self.off()
            return
        if self._out is None:  # the trace has ended: nobody is wearing it any more
            return
        now = self._clock.ticks_ms()
        if self.percent == 0:
            self.pulses += 1
            self._since = now
        self.percent = percent
        self._out.write("%d %d\n" % (now, percent))

    def off(self):
        if self.percent:
            now = self._clock.ticks_ms()
            self.on_ms += now - self._since
            self.percent = 0
            self._out.write("%d 0\n" % now)

    def close(self):
        self.off()
        self._out.close()
        self._out = None


class SimBoard:
    """The board contract (docs/architecture.md), with virtual time."""

    name = "simulator"

    def __init__(self, trace, storage_dir, out_dir=None, start_utc_s=None, offset=0,
                 count=-1, reset_cause=1, device_id="5157a1e0", charging=False, serial=None,
                 speed=0, fault_at=-1, cut_at=-1, hang_at=-1, stall_at=-1, wdt_ms=_WDT_MS,
                 battery_mv=3900, fail_ms=0):
        self.device_id = device_id
        self.storage_dir = storage_dir
        self._out_dir = out_dir or storage_dir
        self.clock = SimClock(start_utc_s, offset * _MS_PER_SAMPLE)
        self.imu = SimIMU(trace, self.clock, offset, count, fault_at, hang_at, fail_ms)
        self._offset = offset
        self._cut_at = cut_at
        self._stall_at = stall_at
        self._wdt_ms = wdt_ms
        self.wdt = None
        self.reset = 0              # set when the watchdog reset the board
        self.motor = SimMotor(self._out_dir + "/motor.txt", self.clock)
        self.serial = serial
        self.ble = None
        self._charging = charging
        self._battery_mv = battery_mv
        self._reset_cause = reset_cause
        self._speed = speed
        self._real_start = time.ticks_ms()
        self._sleepers = []         # (virtual ms to wake at, asyncio.Event) of sleeping tasks
        self._next_wake = _NEVER
        self.ended = False

    async def wait_samples(self):
        imu = self.imu
        clock = self.clock
        if self._next_wake <= clock.ms:
            self._wake_due()
        if self._speed:
            ahead = clock.ms // self._speed - time.ticks_diff(time.ticks_ms(), self._real_start)
            await asyncio.sleep_ms(ahead if ahead > 0 else 0)
        else:
            await asyncio.sleep_ms(0)   # let the tasks that are due run first
        if imu.left <= 0:
            self._end()
            raise TraceEnded()
        if 0 <= self._cut_at <= imu.read:
            self._end()
            sys.exit(0)  # power cut: no shutdown, nothing flushed
        if 0 <= self._stall_at <= imu.read:
            await self._stalled()
        limit = -1
        if self._sleepers:
            due = self._next_wake - clock.ms
            limit = (due + _MS_PER_SAMPLE - 1) // _MS_PER_SAMPLE if due > 0 else 1
        if self._cut_at >= 0 and (limit < 0 or self._cut_at - imu.read < limit):
            limit = self._cut_at - imu.read
        imu.limit = limit

    async def _stalled(self):
        # No watermark interrupt ever again; time goes on and the other tasks run (their
        # sleeps end as usual), until the watchdog resets the board.
        clock = self.clock
        began = clock.ms
        while clock.ms - began < _GIVE_UP_MS:
            clock.advance(_MS_PER_SAMPLE)
            if self._next_wake <= clock.ms:
                self._wake_due()
            await asyncio.sleep_ms(0)
        print("simboard: the IMU stalled for an hour and no watchdog reset the board")
        sys.exit(_EXIT_HUNG)

    async def sleep_ms(self, ms):
        """Wait ``ms`` of virtual time: woken by ``wait_samples`` once the samples get there
        (or, while the accelerometer fails and sampling itself pauses, passed at once)."""
        if self.imu.failing is not None and self.imu.failing is asyncio.current_task() \
                and not self.ended:
            self.clock.advance(ms)
            self._wake_due()
            await asyncio.sleep_ms(0)
            return
        if self.ended:
            await asyncio.sleep_ms(ms)
            return
        wake = self.clock.ms + ms
        flag = asyncio.Event()
        self._sleepers.append((wake, flag))
        if wake < self._next_wake:
            self._next_wake = wake
        await flag.wait()

    def _wake_due(self, everyone=False):
        now = self.clock.ms
        keep = []
        next_wake = _NEVER
        for entry in self._sleepers:
            if everyone or entry[0] <= now:
                entry[1].set()
            else:
                keep.append(entry)
                if entry[0] < next_wake:
                    next_wake = entry[0]
        self._sleepers = keep
        self._next_wake = next_wake

    def battery_mv(self):
        return self._battery_mv or None

    def charging(self):
        return self._charging

    def watchdog_feed(self):
        if self.wdt is None:  # armed by the first feed, as on the boards (hw.boards)
            self.wdt = SimWDT(self.clock, self._wdt_ms, self._watchdog_reset)
            self.clock.wdt = self.wdt
        self.wdt.feed()

    def _watchdog_reset(self):
        self.reset = RESET_WATCHDOG
        self._end()
        sys.exit(0)  # a reset: nothing after this runs, nothing is flushed or saved

    def reset_cause(self):
        return self._reset_cause

    def _end(self):
        if self.ended:
            return
        self.ended = True
        self._wake_due(everyone=True)  # from now on sleeps take real time
        self.clock.go_real()
        self.motor.close()
        self.imu.close()
        with open(self._out_dir + "/board.txt", "w") as out:
            out.write("samples %d\n" % self.imu.read)
            out.write("virtual_ms %d\n" % self.clock.ms)
            out.write("real_ms %d\n" % time.ticks_diff(time.ticks_ms(), self._real_start))
            out.write("watchdog_feeds %d\n" % (self.wdt.feeds if self.wdt else 0))
            out.write("motor_pulses %d\n" % self.motor.pulses)
            out.write("motor_on_ms %d\n" % self.motor.on_ms)
            out.write("trace_at %d\n" % (self._offset + self.clock.ms // _MS_PER_SAMPLE))
            if self.reset:
                out.write("reset %d\n" % self.reset)


def _open_serial(spec):
    if not spec:
        return None
    if spec.isdigit():
        return open(int(spec), "r+b")
    return open(spec, "r+b")


async def run(board):
    """Run the clip's app on ``board`` (``build()``) until the samples run out (then, with a
    serial port, serve it until stopped); returns the ``app.device.Device``."""
    from app.device import TASK_SAMPLING, Device

    device = Device(board)
    tasks = device.start()
    try:
        await device.supervise(TASK_SAMPLING, device.sampling)
    except TraceEnded:
        pass
    # let a pattern that was just asked for play out before the simulated trace ends
    await asyncio.sleep_ms(0)
    device.shutdown()
    if board.serial is None:
        for task in tasks:
            task.cancel()
        return device
    while True:  # keep serving the protocol after the trace ends, until stopped
        await asyncio.sleep_ms(1000)


def build():
    """The simulated board, configured from the ``UNSIT_SIM_*`` environment variables."""
    trace = os.getenv("UNSIT_SIM_TRACE")
    storage = os.getenv("UNSIT_SIM_STORAGE")
    if not trace or not storage:
        raise OSError("simboard needs UNSIT_SIM_TRACE and UNSIT_SIM_STORAGE")
    start = os.getenv("UNSIT_SIM_START")
    return SimBoard(
        trace,
        storage,
        out_dir=os.getenv("UNSIT_SIM_OUT") or None,
        start_utc_s=int(start) if start else None,
        offset=_env_int("UNSIT_SIM_OFFSET", 0),
        count=_env_int("UNSIT_SIM_COUNT", -1),
        reset_cause=_env_int("UNSIT_SIM_RESET", 1),
        device_id=os.getenv("UNSIT_SIM_ID") or "5157a1e0",
        charging=os.getenv("UNSIT_SIM_CHARGING") == "1",
        serial=_open_serial(os.getenv("UNSIT_SIM_SERIAL")),
        speed=_env_int("UNSIT_SIM_SPEED", 0),
        fault_at=_env_int("UNSIT_SIM_FAULT_AT", -1),
        fail_ms=_env_int("UNSIT_SIM_FAIL_MS", 0),
        cut_at=_env_int("UNSIT_SIM_CUT_AT", -1),
        hang_at=_env_int("UNSIT_SIM_HANG_AT", -1),
        stall_at=_env_int("UNSIT_SIM_STALL_AT", -1),
        wdt_ms=_env_int("UNSIT_SIM_WDT_MS", _WDT_MS),
        battery_mv=_env_int("UNSIT_SIM_BATTERY_MV", 3900),
    )
