"""The device application: asyncio tasks that wire the pure logic to an injected board.

``run(board)`` is all ``main.py`` calls on a board; it never returns. The simulated board
(``simboard.run``) starts the same tasks and ends them when its samples run out. The board
(docs/architecture.md, "The board") is the only hardware this module sees; on a real clip
``hw.boards.build()`` makes it, under the simulator ``simboard.build()`` does.

Tasks:

- sampling: waits for the accelerometer FIFO to reach its watermark (one second of samples),
  reads the batch into a preallocated ``array('h')`` and, in one tight loop, feeds each
  sample to the detector (and to the tap detector where the chip has no tap engine). Each
  detector second goes to the coach and to the per-minute aggregation; detection and coaching
  are stages of this task rather than tasks of their own, so no per-sample hand-over costs
  time or memory.
- vibration: plays the patterns the coach and the services asked for on ``board.motor``,
  timed with ``board.sleep_ms`` so the loop never blocks; those asked for while one plays
  follow in turn, each once.
- logging: minute records (held back for the not-worn discount, ``app.minutes``) and events
  go into the ``FlashLog``; a periodic task flushes it and saves the coach state.
- communications: the protocol service (``app.service``) on ``board.serial`` and over
  Bluetooth LE (``app.ble_service``) on ``board.ble``, when the board has them; the device
  builds them and hands each only the parts it uses (the log, the settings, the clock, the
  board's information, ``status``, ``feel``, the pairing keys, ``settings_changed``, which
  saves the settings).
- watchdog: feeds ``board.watchdog_feed()`` only while the sampling task makes progress, so a
  hung loop gets the board reset.
- faults: an exception in a task is logged as ``events.FAULT`` (task id, fault count) and the
  task starts again after a pause. The boot is logged with its reset cause and flushed at
  once, so even a board that keeps resetting leaves a trace. Faults the clip cannot mend are
  logged once per episode and never stop it: an accelerometer that does not answer
  (``OSError`` from the board) is retried with a doubling pause in ``board.sleep_ms`` (light
  sleep; ``SENSOR_RETRY_MS`` up to ``SENSOR_RETRY_MAX_MS``) while the watchdog is still fed
  (``SENSOR_FAULT``, then ``SENSOR_OK`` with the minutes it lasted); a stuck or implausible
  sensor (``logic.sensor_check``) likewise; a file system that cannot take the log or the
  state (``STORAGE_FULL``) leaves detection and coaching running, and the log drops its oldest
  records, counted (``logic.flashlog``).

Across a reset (watchdog, crash, power cut): the coach and the detector are saved together,
every ``SAVE_EVERY_S`` seconds and at shutdown, to ``coach.bin`` and ``detector.bin`` in the
storage folder (each written to ``.new`` and renamed over the old one, so a cut mid-write
leaves the previous copy), and restored at boot: the bout's sitting, its reminders and
snooze, the wearer's upright and sitting postures and the current posture carry on, so the
first seconds after a boot are not reported as not worn and a sit is not taken for upright.
A missing or damaged file gives a fresh coach or detector. What a reset loses, at most:

- coaching: the seconds since the last save (``SAVE_EVERY_S``, 5 min) and the time the
  board was down (a hang: up to the hardware watchdog's timeout, ``hw.boards.WATCHDOG_MS``,
  after the last feed, plus ``STALL_S`` when the loop still ran but sampling was stuck; then
  the boot, a second or two). A reminder comes that much later; one played since the last
  save may play again.
- the log: records not yet flushed (``FlashLog`` keeps up to 32 in RAM; flushed every
  ``SAVE_EVERY_S``, 5 min, with the state) and the minutes held
  back for the not-worn discount (2 minutes and the one in progress): at most about 8 minutes
  of minute records and the events of that time, plus the time the board was down. While the
  clip is not worn, the open run of unworn minutes (up to ``flashlog.IDLE_MAX_MIN``, an hour)
  is in RAM too. Nothing is duplicated: records that were never flushed never had a sequence
  number on flash, and the numbering carries on from the last one stored.

Power: between FIFO reads the app awaits ``board.wait_samples()``, which on hardware waits for
the accelerometer's watermark interrupt, so the MCU can sleep for the second it takes the
FIFO to fill (the asyncio loop has nothing else due); the accelerometer runs in its low-power
mode at 25 Hz. The log is written in batches (``FlashLog``), not once per second, and the
state is saved every ``SAVE_EVERY_S`` seconds, not on every change.
"""

import math
import sys
from array import array

import asyncio

from logic import events, patterns
from logic.coach import Coach
from logic.detector import MOVED_CHORD, NOT_WORN_AFTER_S, Detector
from logic.fixedmath import UNIT
from logic.flashlog import FlashLog
from logic.sensor_check import SensorCheck
from logic.settings import Settings
from logic.states import NOT_WORN
from logic.taps import TapDetector

from app.minutes import MinuteLog
from app.persist import load_settings, load_state, save_settings, save_state

from logic.compat import const
from logic.limits import RATE_HZ

BATCH = RATE_HZ                 # samples per FIFO read: one second
SAVE_EVERY_S = const(300)       # coach and detector saved, the log flushed, this often
WATCHDOG_EVERY_MS = const(1000)
STALL_S = const(30)             # no sampling progress this long: stop feeding the watchdog
FAULT_PAUSE_MS = const(1000)
SENSOR_RETRY_MS = const(1000)       # first pause after the accelerometer did not answer
SENSOR_RETRY_MAX_MS = const(16000)  # the pause doubles up to this (below STALL_S: each
                                    # retry counts as progress for the watchdog)
FIRMWARE_BUILD = const(1)

TASK_SAMPLING = const(1)
TASK_VIBRATION = const(2)
TASK_HOUSEKEEPING = const(3)
TASK_WATCHDOG = const(4)
TASK_SERVICE = const(5)
TASK_BLE = const(6)


def chord_degrees(chord2):
    """The angle in whole degrees between two unit vectors ``chord2`` apart (logic.fixedmath).

    A chord of length c joins unit vectors an angle 2 asin(c / 2) apart. Called only when
    the clip's reference changes, so floating point is fine here.
    """
    c = math.sqrt(chord2) / UNIT
    return int(2 * math.degrees(math.asin(min(1.0, c / 2))) + 0.5)


class Device:
    """The app's state: the board, the logic objects and the buffers, made once."""

    def __init__(self, board):
        self.board = board
        self.clock = board.clock
        self.settings = Settings()
        load_settings(self.settings, board.storage_dir)
        self.log = FlashLog(board.storage_dir, board.clock)
        detector, coach = load_state(board.storage_dir)
        self.detector = Detector.restore(RATE_HZ, detector)
        self.detector.resumed()   # the samples of the reset are lost
        self.coach = self._restore_coach(coach)
        self.minutes = MinuteLog(self._minute_done, NOT_WORN_AFTER_S // 60 + 2)
        self.taps = None if board.imu.tap_engine else TapDetector()
        self.buf = array("h", bytes(2 * 3 * BATCH))
        # patterns asked for and not yet begun, in order; one of each at most, so a key change
        # felt is never replaced by a pattern asked for after it (nor dropped: all fit)
        self.waiting = bytearray(patterns.COUNT - 1)
        self.n_waiting = 0
        self.wake = asyncio.Event()
        self.beats = 0                  # sampling batches done: the watchdog's proof of life
        self.faults = 0
        self.check = SensorCheck()
        self.sensor_fault = 0           # events.SENSOR_* of the episode going on, or 0
        self.retry_ms = 0               # the pause before the next retry
        self._fault_start_s = 0
        self.storage_full = False
        self._prev_state = -1
        self.ble = None                 # app.ble_service.BleService: the pairing keys too
        if board.ble is not None:
            from app.ble_service import BleService

            self.ble = BleService(board, self.log, self.feel)

    # -- events and the log --------------------------------------------------------------

    def emit(self, kind, a=0, b=0):
        self.log.append_event(kind, a, b)

    def _minute_done(self, t_end, counts, steps):
        ago = self.now_s() - t_end
        if ago < 0 or ago > 3600:  # the clock was set meanwhile: the age is unknown
            ago = 0
        self.log.append_minute(counts, steps, ago)

    def _restore_coach(self, data):
        if data is not None:
            try:
                return Coach.restore(self.settings, self.emit, data)
            except ValueError:
                pass
        return Coach(self.settings, self.emit)

    def save_state(self):
        """Save the detector and the coach; both are restored at the next boot."""
        save_state(self.board.storage_dir, self.detector, self.coach)

    def store(self, state=True):
        """Save the state (``state``) and flush the log; a file system that cannot take them
        is logged once per episode (``STORAGE_FULL``), never raised."""
        try:
            if state:
                self.save_state()
            self.log.flush()
        except OSError:
            if not self.storage_full:
                self.storage_full = True
                self.emit(events.STORAGE_FULL, 0, 0)
            return
        self.storage_full = False

    def save_settings(self):
        """Keep the settings across a reset (call after changing one)."""
        save_settings(self.settings, self.board.storage_dir, Settings())

    def now_s(self):
        """Device seconds (``logic.localtime``), or uptime seconds while the clock was never
        set: small ints on a 32-bit port, so the per-second path allocates nothing for them."""
        t = self.clock.seconds()
        if t is None:
            return self.clock.ticks_ms() // 1000
        return t

    def status(self):
        """``(state, minutes sat, snooze minutes left)``: the protocol's STATUS (app.service)."""
        until = self.coach.snoozed_until
        left = until - self.now_s() if until else 0
        snooze_min = (left + 59) // 60 if left > 0 else 0
        return self.detector.state, self.coach.sitting_s // 60, snooze_min

    def settings_changed(self, setting_id):
        """The protocol changed a setting (app.service): keep it across a reset."""
        self.save_settings()

    # -- the tasks -----------------------------------------------------------------------

    async def sampling(self):
        board = self.board
        imu = board.imu
        buf = self.buf
        det = self.detector
        taps = self.taps
        while True:
            try:
                await board.wait_samples()
                n = imu.read_into(buf)
            except OSError:
                await self._sensor_no_answer()
                continue
            cause = self.check.batch(buf, n)
            if cause != self.sensor_fault:
                self._sensor_episode(cause)
            i = 0
            end = 3 * n
            while i < end:
                if det.feed(buf[i], buf[i + 1], buf[i + 2]):
                    self._second()
                i += 3
            if taps is None:
                try:
                    tapped = imu.taps()
                except OSError:
                    tapped = 0      # the next read finds out what is wrong
            else:
                tapped = taps.feed_buffer(buf, n)
            if tapped:
                self._play(self.coach.double_tap(self.now_s()))
            self.beats += 1

    async def _sensor_no_answer(self):
        if self.sensor_fault != events.SENSOR_NO_ANSWER:
            self._sensor_episode(events.SENSOR_NO_ANSWER)
            self.retry_ms = SENSOR_RETRY_MS
        self.beats += 1     # the loop is alive and waiting on purpose: keep the watchdog fed
        await self.board.sleep_ms(self.retry_ms)
        if self.retry_ms < SENSOR_RETRY_MAX_MS:
            self.retry_ms *= 2

    def _sensor_episode(self, cause):
        """The sensor's fault changed to ``cause`` (0: none): log the end and the start."""
        now = self.now_s()
        if self.sensor_fault:
            minutes = (now - self._fault_start_s) // 60
            self.emit(events.SENSOR_OK, self.sensor_fault, minutes if minutes < 65535 else 65535)
        self.sensor_fault = cause
        if cause:
            self._fault_start_s = now
            self.emit(events.SENSOR_FAULT, cause, 0)

    def _second(self):
        det = self.detector
        t = self.now_s()
        state = det.state
        still = -1
        # the coach reads still_since_s on the turn to NOT_WORN only
        taken_off = (state == NOT_WORN and self._prev_state != NOT_WORN
                     and det.still_since >= 0)
        if taken_off:
            still = t - (det.second - det.still_since)
        self._play(self.coach.second(t, state, still, self.board.charging()))
        if taken_off:
            self.minutes.not_worn_since(det.still_since)
        self._prev_state = state
        # t is when the second ended; the minute it belongs to is the one it began in
        self.minutes.second_ending(t, det.second, state, det.steps)
        if det.recalibrated:
            chord2 = det.recal_chord2
            self.emit(events.CALIBRATION, chord_degrees(chord2), 1 if chord2 > MOVED_CHORD else 0)

    def feel(self, pattern):
        """Play ``pattern`` (``logic.patterns``) soon, without waiting for it."""
        self._play(pattern)

    def _play(self, pattern):
        if pattern:
            waiting = self.waiting
            n = self.n_waiting
            i = 0
            while i < n:
                if waiting[i] == pattern:
                    return          # already waiting: played once
                i += 1
            waiting[n] = pattern
            self.n_waiting = n + 1
            self.wake.set()

    def _next_pattern(self):
        waiting = self.waiting
        pattern = waiting[0]
        n = self.n_waiting - 1
        i = 0
        while i < n:
            waiting[i] = waiting[i + 1]
            i += 1
        self.n_waiting = n
        return pattern

    async def vibration(self):
        board = self.board
        motor = board.motor
        while True:
            while not self.n_waiting:
                await self.wake.wait()
                self.wake.clear()
            pattern = self._next_pattern()
            strength = self.settings.get("motor_percent")
            try:
                for on_ms, off_ms, percent in patterns.steps(pattern):
                    motor.on(patterns.drive_percent(percent, strength))
                    await board.sleep_ms(on_ms)
                    motor.off()
                    if off_ms:
                        await board.sleep_ms(off_ms)
            finally:
                motor.off()

    async def housekeeping(self):
        """Save the coach and the detector, and flush the log, now and then."""
        board = self.board
        while True:
            await board.sleep_ms(SAVE_EVERY_S * 1000)
            self.store()

    async def watchdog(self):
        board = self.board
        last = -1
        stalled_ms = 0
        while True:
            if self.beats != last:
                last = self.beats
                stalled_ms = 0
            else:
                stalled_ms += WATCHDOG_EVERY_MS
            if stalled_ms < STALL_S * 1000:
                board.watchdog_feed()
            await board.sleep_ms(WATCHDOG_EVERY_MS)

    def _service(self, port):
        """A protocol service (app.service) on ``port`` (None: answered through ``handle``)."""
        from app.service import Service

        return Service(port, self.log, self.settings, self.clock, self.board, self.status,
                       self.feel, self.ble, self.settings_changed)

    async def service(self):
        from app.service import PolledStream

        await self._service(PolledStream(self.board.serial)).run()

    async def ble_service(self):
        # Sync over Bluetooth LE (app/ble_service.py); BleService also watches board.button
        # where there is one.
        await self.ble.run(self._service(None).handle)

    # -- faults --------------------------------------------------------------------------

    async def supervise(self, task_id, task):
        """Run ``task`` (a bound coroutine function); log and restart it when it fails."""
        while True:
            try:
                await task()
                return
            except Exception as error:  # a fault must not stop the clip
                self.faults += 1
                self.emit(events.FAULT, task_id, self.faults & 0xFFFF)
                sys.print_exception(error)
                # real time, not board.sleep_ms: in the simulator only sampling moves the clock
                await asyncio.sleep_ms(FAULT_PAUSE_MS)

    def start(self):
        """Log the boot and start every task but sampling (``run`` supervises that one);
        returns the tasks started."""
        board = self.board
        self.emit(events.BOOT, board.reset_cause(), FIRMWARE_BUILD)
        self.store(state=False)  # on flash at once: a board that keeps resetting still shows it
        tasks = [
            asyncio.create_task(self.supervise(TASK_VIBRATION, self.vibration)),
            asyncio.create_task(self.supervise(TASK_HOUSEKEEPING, self.housekeeping)),
            asyncio.create_task(self.supervise(TASK_WATCHDOG, self.watchdog)),
        ]
        if board.serial is not None:
            tasks.append(asyncio.create_task(self.supervise(TASK_SERVICE, self.service)))
        if self.ble is not None:
            # the wearer's pairing gesture: switching the clip on opens the pairing window
            # (once per boot, not when the BLE task restarts after a fault)
            self.ble.at_boot(board.reset_cause())
            tasks.append(asyncio.create_task(self.supervise(TASK_BLE, self.ble_service)))
        return tasks

    def shutdown(self):
        """Write out everything held (the minutes held back, the state, the log): before a
        power-down, or when a simulated board's samples run out."""
        self.minutes.flush()
        self.store()


async def run(board):
    """Run the clip on ``board``: never returns (a simulated board ends it, ``simboard``)."""
    device = Device(board)
    device.start()
    await device.supervise(TASK_SAMPLING, device.sampling)
