"""The clip is never stuck: a missing, failing, stuck or implausible accelerometer and a full
file system are faults logged once per episode, and detection and coaching carry on.

The real ``app.device.Device`` runs on a board stand-in (the board is the boundary the app
sees, as the simulator's is); the log goes to a real LittleFS2 in RAM under MicroPython.
"""

import asyncio

import logfs
from logfs import read_all
from app.device import SENSOR_RETRY_MAX_MS, SENSOR_RETRY_MS, STALL_S, Device
from hw.imu import LateImu
from hw.motor import Motor
from logic import events, patterns, records
from logic.localtime import device_seconds
from portable import MICROPYTHON
from chipmodels.bus import Bus
from chipmodels.lis3dh import LIS3DHModel

MICROPYTHON_TIMEOUT = 600

T0 = 1795424400     # Monday 2026-11-23 09:00 UTC
RATE = 25


class Clock:
    def __init__(self):
        self.ms = 0

    def ticks_ms(self):
        return self.ms & 0x3FFFFFFF

    def time(self):
        return T0 + self.ms // 1000

    def seconds(self):
        return device_seconds(self.time())


class Imu:
    """One second of samples per read: a worn clip's noisy gravity, or what a fault gives.

    ``fail`` is ``(from_s, to_s)`` of board time in which every transfer raises ``OSError``;
    ``stuck_from`` / ``odd_from``: from that second on the chip repeats one sample / reads
    about 0.2 g."""

    tap_engine = False
    watermark = RATE

    def __init__(self, board, fail=(-1, -1), stuck_from=-1, odd_from=-1):
        self.board = board
        self.fail = fail
        self.stuck_from = stuck_from
        self.odd_from = odd_from
        self.seed = 12345
        self.reads = 0

    def _noise(self):
        self.seed = (self.seed * 1103515245 + 12345) & 0x7FFFFFFF
        return (self.seed >> 16) % 9 - 4

    def read_into(self, buf):
        board = self.board
        now = board.clock.ms // 1000
        if self.fail[0] <= now < self.fail[1]:
            raise OSError(19)       # ENODEV: nobody acknowledges on the bus
        for i in range(RATE):
            if 0 <= self.stuck_from <= now:
                x, y, z = 12, -40, 990
            elif 0 <= self.odd_from <= now:
                x, y, z = 150 + self._noise(), 60, 90
            else:
                x, y, z = 20 + self._noise(), -30 + self._noise(), 995 + self._noise()
            buf[3 * i] = x
            buf[3 * i + 1] = y
            buf[3 * i + 2] = z
        board.clock.ms += 1000
        self.reads += 1
        return RATE

    def taps(self):
        return 0


class Pwm:
    def __init__(self):
        self.calls = []

    def freq(self, hz):
        self.calls.append(("freq", hz))

    def duty_u16(self, duty):
        self.calls.append(("duty", duty))


class Board:
    """``paused``: ``sleep_ms`` moves board time itself (only the sampling task runs);
    otherwise a sleeping task waits for the samples to bring board time that far."""

    def __init__(self, storage_dir, seconds, paused=True, **faults):
        self.clock = Clock()
        self.imu = Imu(self, **faults)
        self.motor = Motor(Pwm())
        self.paused = paused
        self.storage_dir = storage_dir
        self.seconds = seconds
        self.serial = None
        self.ble = None
        self.slept = []
        self.fed = 0

    async def wait_samples(self):
        if self.clock.ms >= self.seconds * 1000:
            raise EOFError
        await asyncio.sleep_ms(0) if MICROPYTHON else await asyncio.sleep(0)

    async def sleep_ms(self, ms):
        if self.paused:
            self.slept.append(ms)
            self.clock.ms += ms
            await asyncio.sleep(0)
            return
        end = self.clock.ms + ms
        while self.clock.ms < end:
            await asyncio.sleep(0)

    def charging(self):
        return False

    def reset_cause(self):
        return events.RESET_POWER_ON

    def watchdog_feed(self):
        self.fed += 1


async def run(board):
    """Every task of the app on ``board`` until its samples run out, then the shutdown (as
    the simulated board ends a run: ``simboard.run``); returns the device."""
    device = Device(board)
    tasks = device.start()
    try:
        await device.sampling()
    except EOFError:
        pass
    device.shutdown()
    for task in tasks:
        task.cancel()
    return device


def _sample(device):
    async def go():
        try:
            await device.sampling()
        except EOFError:
            pass
        device.shutdown()

    asyncio.run(go())


def _events(log, kind=None):
    """(kind, values) of the log's events (all of them, or those of ``kind``)."""
    return [(r[1], r[4]) for r in read_all(log)
            if r[1] != records.MINUTE and r[1] != records.IDLE and (kind is None or r[1] == kind)]


def _minutes(log):
    return sum(1 for r in read_all(log) if r[1] in (records.MINUTE, records.IDLE))


def test_a_failing_accelerometer_is_retried_with_back_off_and_logged_once():
    path = logfs.fresh_dir("imufail")
    board = Board(path, 40 * 60, fail=(10 * 60, 25 * 60))   # 15 minutes without answers
    device = Device(board)
    beats = device.beats
    _sample(device)
    pauses = board.slept
    assert pauses[:5] == [SENSOR_RETRY_MS * (1 << i) for i in range(5)]
    assert max(pauses) == SENSOR_RETRY_MAX_MS and len(pauses) < 70   # not 900: once a second
    assert SENSOR_RETRY_MAX_MS < STALL_S * 1000     # a pause never looks like a hang
    assert device.beats - beats == board.imu.reads + len(pauses)     # the watchdog stays fed
    assert _events(device.log, events.FAULT) == []
    assert _events(device.log, events.SENSOR_FAULT) == [
        (events.SENSOR_FAULT, (events.SENSOR_NO_ANSWER, 0))]
    ((_, (cause, minutes)),) = _events(device.log, events.SENSOR_OK)
    assert cause == events.SENSOR_NO_ANSWER and 15 <= minutes <= 16
    assert device.sensor_fault == 0
    logfs.remove(path)


def test_no_accelerometer_at_boot_starts_the_clip_and_it_waits_for_one():
    bus = Bus()
    imu = LateImu(bus, rate_hz=RATE, watermark=RATE)
    assert imu.name == "no accelerometer" and not imu.watermark_irq
    buf = memoryview(bytearray(2 * 3 * RATE))
    for _ in range(3):
        try:
            imu.available()
            raise AssertionError("no chip answered, yet no OSError")
        except OSError:
            pass
    chip = LIS3DHModel(0x19)
    bus.chips[0x19] = chip          # it answers now (a loose contact, a late power rail)
    chip.sample(0, 0, 1000)
    assert imu.available() >= 0 and imu.name == "LIS3DH"
    del bus.chips[0x19]             # and goes away again mid-run: found again afterwards
    try:
        imu.read_into(buf)
        raise AssertionError("a transfer to nobody did not fail")
    except OSError:
        pass
    assert imu.chip is None
    bus.chips[0x19] = chip
    imu.available()
    assert imu.name == "LIS3DH"


def test_the_app_starts_without_an_accelerometer_and_logs_one_fault():
    path = logfs.fresh_dir("noimu")
    board = Board(path, 20 * 60, fail=(0, 5 * 60))
    device = Device(board)
    _sample(device)
    kinds = [k for k, _ in _events(device.log)]
    assert kinds.count(events.SENSOR_FAULT) == 1 and kinds.count(events.SENSOR_OK) == 1
    assert device.detector.second >= 14 * 60     # sampling and detection went on
    assert _minutes(device.log) >= 1
    logfs.remove(path)


def test_a_stuck_sensor_is_a_fault_not_not_worn():
    path = logfs.fresh_dir("stuck")
    board = Board(path, 40 * 60, stuck_from=2 * 60)
    device = Device(board)
    _sample(device)
    assert _events(device.log, events.SENSOR_FAULT) == [
        (events.SENSOR_FAULT, (events.SENSOR_STUCK, 0))]
    assert device.sensor_fault == events.SENSOR_STUCK
    logfs.remove(path)


def test_a_sensor_reading_far_from_one_g_for_minutes_is_a_fault():
    path = logfs.fresh_dir("odd")
    board = Board(path, 20 * 60, odd_from=5 * 60)
    device = Device(board)
    _sample(device)
    assert _events(device.log, events.SENSOR_FAULT) == [
        (events.SENSOR_FAULT, (events.SENSOR_IMPLAUSIBLE, 0))]
    logfs.remove(path)


def test_the_motor_starts_with_duty_0():
    pwm = Pwm()
    motor = Motor(pwm, min_percent=40)
    assert pwm.calls[0] == ("duty", 0)
    motor.on(50)
    motor.off()
    assert pwm.calls[-1] == ("duty", 0)


class PulseLog:
    """A motor that notes the strength of each pulse."""

    def __init__(self):
        self.pulses = []

    def on(self, percent):
        self.pulses.append(percent)

    def off(self):
        pass


def test_patterns_asked_for_while_one_plays_follow_each_once_and_none_is_lost():
    # The wearer opens the pairing window (felt), a host pairs (a new key: felt) and at once
    # asks for a buzz, twice: the key change must still be felt, not replaced by the buzz.
    path = logfs.fresh_dir("patterns")
    board = Board(path, 60)
    board.motor = PulseLog()
    device = Device(board)

    async def play():
        motor = asyncio.create_task(device.vibration())
        device.feel(patterns.PAIRING_OPEN)
        await asyncio.sleep(0)                     # it starts playing
        for pattern in (patterns.KEY_CHANGED, patterns.REMINDER_1, patterns.REMINDER_1):
            device.feel(pattern)
        for _ in range(100):
            await asyncio.sleep(0)
        motor.cancel()

    asyncio.run(play())
    strength = device.settings.get("motor_percent")
    expected = []
    for pattern in (patterns.PAIRING_OPEN, patterns.KEY_CHANGED, patterns.REMINDER_1):
        for _, _, percent in patterns.steps(pattern):
            expected.append(patterns.drive_percent(percent, strength))
    assert board.motor.pulses == expected
    logfs.remove(path)


def test_a_full_file_system_keeps_the_clip_coaching_and_syncing():
    if not MICROPYTHON:
        return _full_fs_skip()
    import os

    import vfs

    device_fs = logfs.RamBlockDevice(512, 40)
    vfs.VfsLfs2.mkfs(device_fs)
    vfs.mount(vfs.VfsLfs2(device_fs), "/fullapp")
    try:
        first = asyncio.run(run(Board("/fullapp", 3600, paused=False)))   # every task, 1 h
        assert first.log.dropped == 0 and not first.storage_full
        # another file takes every free block: the boot, an hour and the shutdown still work
        logfs.fill_up("/fullapp/junk")
        full = asyncio.run(run(Board("/fullapp", 3600, paused=False)))
        assert full.detector.second >= 3599 and full.faults == 0
        assert full.storage_full
        os.remove("/fullapp/junk")
        after = asyncio.run(run(Board("/fullapp", 600, paused=False)))
        assert not after.storage_full and after.faults == 0
        kinds = [k for k, _ in _events(after.log)]
        assert kinds.count(events.BOOT) == 3 or events.DROPPED in kinds
        assert events.FAULT not in kinds
    finally:
        vfs.umount("/fullapp")


def _full_fs_skip():
    from portable import skip

    skip("LittleFS2 on a RAM block device exists only under MicroPython")
