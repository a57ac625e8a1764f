"""The board light-sleeps between FIFO reads only when nothing needs it and the BLE radio is off.

The real ``hw/boards.py`` and accelerometer drivers run against the register-level chip
models; MicroPython's ``machine``/``esp32`` side of light sleep is the stand-in of
``mcu_standin`` (that boundary cannot run here), driven by real time so that ``ticks_ms``,
asyncio and the chip's output data rate agree as they do on a board. Scenarios need
MicroPython's asyncio and ``time.ticks_*``; the rest runs under both interpreters.
"""

from array import array

from chipmodels.bus import Bus
from chipmodels.lis3dh import LIS3DHModel
from chipmodels.mpu6886 import MPU6050_ID, MPU6886Model
from hw.imu import find_imu
from mcu_standin import BLE, Button, Esp32, Esp32C3, Esp32Old, Machine, Pin, Stream, World
from portable import MICROPYTHON, heap_locked, skip

RATE = 100          # Hz: the drivers' 100 Hz rate keeps these scenarios short
WM = 8              # samples: an 80 ms FIFO period
SAMPLE_MS = 1000 // RATE
PERIOD_MS = 1000 * WM // RATE


def _micropython_only():
    if not MICROPYTHON:
        skip("MicroPython's asyncio, ThreadSafeFlag and time.ticks_ms")


class Rig:
    """A board on a chip model, with the stand-in MCU; ``reads(n)`` runs the app's sampling."""

    def __init__(self, chip="lis3dh", esp32=Esp32, wired=True, **board_args):
        from hw.board_io import LightSleep
        from hw.boards import Board
        from hw.clock import RtcClock

        if chip == "lis3dh":
            self.chip = LIS3DHModel(0x18)
            level = self.chip.int1
        else:
            self.chip = MPU6886Model(0x68)
            level = self.chip.int_pin
        self.imu = find_imu(Bus(self.chip), rate_hz=RATE, watermark=WM)
        self.pin = Pin(level) if wired else None
        self.world = World(self.chip, RATE, self.pin)
        self.esp32 = esp32() if esp32 is not None else None
        self.machine = Machine(self.world, self.esp32, board_args.get("ble"))
        self.clock = RtcClock(None)
        board_args.setdefault("boot_awake_ms", 0)
        board_args.setdefault("discovery", (0, 0))
        battery = board_args.pop("battery", None)
        self.board = Board("test", "0badc0de", self.imu, None, self.clock, battery, "/tmp",
                           int_pin=self.pin, sleeper=LightSleep(self.machine, self.esp32),
                           **board_args)
        self.buf = array("h", bytes(2 * 3 * 32))
        self.read = 0

    async def reads(self, n):
        """``n`` turns of the app's sampling loop; the number of samples each read got."""
        counts = []
        for _ in range(n):
            await self.board.wait_samples()
            got = self.imu.read_into(self.buf)
            self.read += got
            counts.append(got)
        return counts


async def follow(board):
    """The BLE task's part (``app.ble_service.follow_radio`` with ``hw.ble_peripheral``'s
    ``power``): the controller on and advertising while ``board.radio`` wants it, else off
    (never under a connected host)."""
    ble = board.ble
    while True:
        if board.radio.wanted:
            if not ble.on:
                ble.active(True)
            if not ble.connected and not ble.advertising:
                ble.gap_advertise(1022500)
        elif not ble.connected:
            ble.active(False)
        await board.radio.changed()


def _ms_since(clock, start):
    import time

    return time.ticks_diff(clock.ticks_ms(), start)


def _run(rig, scenario):
    import asyncio

    async def main():
        rig.world.start()
        world = asyncio.create_task(rig.world.task())
        try:
            return await scenario()
        finally:
            world.cancel()

    return asyncio.run(main())


def test_idle_board_light_sleeps_between_reads_and_wakes_with_samples_ready():
    _micropython_only()
    import asyncio

    rig = Rig()
    board = rig.board

    async def scenario():
        # the watchdog feeder and housekeeping wait long: they may be served late, not kept awake
        patient = asyncio.create_task(board.sleep_ms(60000))
        start = rig.clock.ticks_ms()
        counts = await rig.reads(6)
        elapsed = _ms_since(rig.clock, start)
        patient.cancel()
        return counts, elapsed

    counts, elapsed = _run(rig, scenario)
    assert rig.esp32.gpio == ((rig.pin,), True)        # esp32.wake_on_gpio((INT,), ANY_HIGH)
    assert rig.pin.handler is None and rig.pin.storms == 0   # a wake source, so no IRQ on it
    assert board.sleeps == 6 and len(rig.machine.sleeps) == 6
    for time_ms, slept, cause in rig.machine.sleeps:
        assert cause == "pin"                  # INT rose at the watermark and ended the sleep
        assert slept < time_ms                 # before the backstop timer
        assert time_ms <= PERIOD_MS + 3 * SAMPLE_MS   # due + 2 samples' backstop, rounded
    assert min(counts) >= WM, counts           # woke with a watermark's worth ready
    assert rig.chip.overrun is False
    # The clock stayed right across the sleeps: samples read (the chip's time) and ticks_ms
    # (the MCU's, as board.clock reads it) agree within one FIFO period.
    assert abs(elapsed - rig.read * SAMPLE_MS) <= PERIOD_MS, (elapsed, rig.read)
    assert board.awake_reason() is None


def test_no_light_sleep_while_a_central_is_connected():
    _micropython_only()
    import asyncio

    ble = BLE()
    rig = Rig(ble=ble)
    board = rig.board
    seen = []

    def handler(event, data):
        seen.append(event)
        return event * 10

    board.ble.irq(handler)                       # what hw.ble_peripheral's power(True) does
    assert not board.radio.wanted and not ble.on  # no window: the controller is off

    async def scenario():
        radio = asyncio.create_task(follow(board))
        board.radio.request(40)                  # the pairing window: controller on
        await asyncio.sleep_ms(0)
        assert ble.on and ble.interval == 1022500
        assert ble.event(1, (1, 0, b"\x00" * 6)) == 10   # _IRQ_CENTRAL_CONNECT, result passed on
        assert board.awake_reason() == "ble link"
        linked = await rig.reads(4)              # 320 ms: the window is long over
        slept_linked = len(rig.machine.sleeps)
        ble.event(2, (1, 0, b"\x00" * 6))                # _IRQ_CENTRAL_DISCONNECT
        alone = await rig.reads(3)
        radio.cancel()
        return linked, slept_linked, alone

    linked, slept_linked, alone = _run(rig, scenario)
    assert slept_linked == 0                     # the link needs the radio: never asleep
    assert min(linked) >= WM and min(alone) >= WM
    assert not ble.on and board.refused == 0
    assert len(rig.machine.sleeps) == 3          # ...and back to sleeping (never with it on)
    assert seen == [1, 2] and ble.advertised == [1022500]


def test_a_controller_left_on_is_never_slept_with():
    _micropython_only()
    ble = BLE()
    rig = Rig(ble=ble)
    board = rig.board
    board.ble.active(True)                       # on, and no BLE task to switch it off

    async def scenario():
        return await rig.reads(3)

    counts = _run(rig, scenario)
    assert min(counts) >= WM                     # samples still read, awake
    assert rig.machine.sleeps == [] and board.sleeps == 0
    assert board.refused == 3 and board.awake_reason() == "radio on"
    assert board.radio.wanted is False           # and it keeps asking for the controller off


def test_a_playing_pattern_is_not_stretched_by_light_sleep():
    _micropython_only()
    import asyncio
    import time

    rig = Rig()
    board = rig.board
    asked = asyncio.Event()
    late = []

    async def vibration():
        # app.device's vibration task: woken by an event, then timed steps via board.sleep_ms
        await asked.wait()
        for _ in range(5):
            t = time.ticks_ms()
            await board.sleep_ms(40)
            late.append(time.ticks_diff(time.ticks_ms(), t) - 40)

    async def scenario():
        motor = asyncio.create_task(vibration())
        await rig.reads(2)
        before = len(rig.machine.sleeps)
        asked.set()                              # the coach asked for a pattern (Device._play)
        during = 0
        while not motor.done():
            await board.wait_samples()
            rig.imu.read_into(rig.buf)
            during += 1
        slept_during = len(rig.machine.sleeps) - before
        after = await rig.reads(2)
        return before, during, slept_during, after

    before, during, slept_during, after = _run(rig, scenario)
    assert before == 2
    assert during >= 2 and slept_during == 0    # awake for the whole pattern
    # each 40 ms step ended on time: a light sleep would have stretched one by up to a FIFO
    # period (80 ms here); the bound leaves room for a loaded test machine's tens of ms
    assert max(late) < 60, late
    assert len(rig.machine.sleeps) == 4 and min(after) >= WM   # sleeping again after it


class VirtualClock:
    """``board.clock`` on virtual time: the board's decisions read it, tests move it."""

    def __init__(self):
        self.ms = 5000

    def ticks_ms(self):
        return self.ms


def _deciding_board(clock=None, **args):
    """A board whose stay-awake decisions run on a ``VirtualClock`` (no real sleeps)."""
    from hw.boards import Board

    clock = clock or VirtualClock()
    args.setdefault("boot_awake_ms", 0)
    args.setdefault("discovery", (0, 0))
    chip = LIS3DHModel(0x18)
    imu = find_imu(Bus(chip), rate_hz=RATE, watermark=WM)
    board = Board("test", "0badc0de", imu, None, clock, args.pop("battery", None), "/tmp",
                  sleeper=object(), **args)
    return board, clock


def test_pairing_usb_host_usb_power_boot_and_requests_keep_it_awake():
    from hw.battery import Battery
    from hw.board_io import HostWatch

    class ADC:
        def read_uv(self):
            return 1900000

    class Level:
        def __init__(self):
            self.level = 0

        def value(self):
            return self.level

    vbus = Level()
    stream = Stream()
    clock = VirtualClock()
    board, clock = _deciding_board(clock, ble=BLE(), serial=HostWatch(stream, clock.ticks_ms),
                                   host_quiet_ms=60000,
                                   battery=Battery(ADC(), 2, 1, charge_pin=vbus,
                                                   charging_level=1))
    assert board.awake_reason() is None and not board.radio.wanted

    board.radio.request(60000)                   # the pairing window (app.ble_service)
    assert board.awake_reason() == "pairing" and board.radio.wanted
    clock.ms += 59999
    assert board.awake_reason() == "pairing"
    clock.ms += 1
    assert board.awake_reason() is None and not board.radio.wanted

    stream.incoming.extend(b"\x7e\x01")
    assert board.serial.read(1) == b"\x7e"       # the service reads a byte from the host
    assert board.awake_reason() == "usb host" and not board.radio.wanted
    buf = bytearray(4)
    assert board.serial.readinto(buf) == 1 and buf[0] == 1
    assert board.serial.write(b"ok") == 2 and stream.written == bytearray(b"ok")
    clock.ms += 60000
    assert board.awake_reason() is None          # the host fell silent a minute ago

    vbus.level = 1                               # VBUS sense: on USB power
    assert board.charging() and board.awake_reason() == "usb power" and board.radio.wanted
    vbus.level = 0
    board.keep_awake(50)
    assert board.awake_reason() == "asked"
    clock.ms += 50
    assert board.awake_reason() is None

    booting, boot_clock = _deciding_board(ble=BLE(), boot_awake_ms=120000)
    assert booting.awake_reason() == "boot" and booting.radio.wanted   # findable after start
    boot_clock.ms += 120000
    assert booting.awake_reason() is None and not booting.radio.wanted


def test_a_button_press_during_a_sleep_reaches_its_handler_and_keeps_it_awake():
    _micropython_only()
    button = Button()
    rig = Rig(button=button)
    board = rig.board
    presses = []
    board.button.irq(lambda pin: presses.append(pin.value()), trigger=board.button.IRQ_FALLING)
    assert button.trigger == Button.IRQ_FALLING      # the pin's own IRQ for presses while awake

    def press():
        button.level = 0    # pressed while the MCU sleeps: its GPIO sees no edge

    async def scenario():
        await rig.reads(2)
        rig.machine.meanwhile = press
        await rig.reads(1)                       # the sleep the press happened in
        held = await rig.reads(2)
        reason = board.awake_reason()
        button.level = 1
        await rig.reads(2)
        return held, reason

    held, reason = _run(rig, scenario)
    assert presses == [0]                        # handed to the handler once, on waking
    assert reason == "button" and min(held) >= WM
    assert len(rig.machine.sleeps) == 5          # 2 + the press's + 2 after release


def test_discovery_windows_switch_the_controller_where_the_radio_sleeps_with_the_mcu():
    esp, esp_clock = _deciding_board(ble=BLE(), discovery=(300000, 1500), radio_in_mcu=True)
    pico, pico_clock = _deciding_board(ble=BLE(), discovery=(300000, 1500), radio_in_mcu=False)
    seen = {"esp": [], "pico": []}
    wanted = {"esp": [], "pico": []}
    for _ in range(1204):                        # 10 minutes, two wakes a second: two windows
        seen["esp"].append(esp.awake_reason())
        seen["pico"].append(pico.awake_reason())
        wanted["esp"].append(esp.radio.wanted)
        wanted["pico"].append(pico.radio.wanted)
        esp_clock.ms += 500
        pico_clock.ms += 500
    assert seen["esp"][0] is None and seen["esp"].count("discovery") == 2 * 3
    # due 300 s after start, then 300 s after it opened; 1.5 s long: three half-second wakes
    assert [i for i, r in enumerate(seen["esp"]) if r] == [600, 601, 602, 1200, 1201, 1202]
    assert wanted["esp"] == [r == "discovery" for r in seen["esp"]]   # on in every window only
    assert set(seen["pico"]) == {None}           # the CYW43 advertises while the RP2040 sleeps
    assert set(wanted["pico"]) == {True}         # its controller stays on


def test_without_a_wired_int_the_timer_wakes_it():
    _micropython_only()
    rig = Rig(chip="mpu6886", wired=False)       # the M5StickC Plus2: MPU6886 INT not wired

    async def scenario():
        return await rig.reads(4)

    counts = _run(rig, scenario)
    assert rig.imu.low_power                     # find_imu chose the accelerometer's LP cycle
    assert len(rig.machine.sleeps) == 4
    for time_ms, slept, cause in rig.machine.sleeps:
        assert cause == "timer" and slept >= time_ms
        assert time_ms <= PERIOD_MS + SAMPLE_MS + SAMPLE_MS
    assert min(counts) >= WM, counts


def test_ext0_builds_get_the_pin_back_and_refused_pins_fall_back_to_irq_and_timer():
    _micropython_only()

    class Refusing(Esp32):
        def wake_on_gpio(self, pins, level):
            raise ValueError("invalid pin")     # as the port says for a pin it cannot wake on

    old = Rig(esp32=Esp32Old)
    c3 = Rig(esp32=Esp32C3)
    refused = Rig(esp32=Refusing)
    rp2 = Rig(esp32=None)                        # no esp32 module: RP2040, timer wake only

    async def scenario(rig):
        return await rig.reads(3)

    for rig in (old, c3, refused, rp2):
        counts = _run(rig, lambda: scenario(rig))
        assert min(counts) >= WM, counts
        assert len(rig.machine.sleeps) == 3
    assert old.esp32.ext0 == (old.pin, True) and old.pin.inits == 3   # RTC pad made a GPIO again
    assert set(s[2] for s in old.machine.sleeps) == {"pin"}
    assert c3.esp32.gpio == ((c3.pin,), True) and c3.pin.inits == 0
    for rig in (refused, rp2):
        assert set(s[2] for s in rig.machine.sleeps) == {"timer"}
        assert rig.pin.handler is not None and rig.pin.trigger == Pin.IRQ_RISING   # awake: IRQ
        assert rig.pin.storms == 0


def test_the_sleep_decision_allocates_nothing():
    _micropython_only()
    rig = Rig(ble=BLE())
    board = rig.board
    board.awake_reason()
    with heap_locked():
        reason = board.awake_reason()
        due = board._until_watermark_ms()
    assert reason is None and due > 0


def test_find_imu_leaves_each_chip_in_its_low_power_mode():
    mpu = find_imu(Bus(MPU6886Model(0x68)))
    assert mpu.name == "MPU6886" and mpu.low_power
    mpu6050 = find_imu(Bus(MPU6886Model(0x68, MPU6050_ID)))
    assert mpu6050.name == "MPU6050" and not mpu6050.low_power   # it has no LP mode with a FIFO
    lis = find_imu(Bus(LIS3DHModel(0x18)))
    assert lis.mode == "normal"                  # 10 bit: 8-bit LP would quantise to 16 mg


def test_light_sleep_picks_the_wake_source_the_port_has():
    from hw.board_io import LightSleep

    pin = Pin(lambda: False)
    for esp32, source in ((Esp32(), "gpio"), (Esp32C3(), "gpio"), (Esp32Old(), "ext0")):
        sleeper = LightSleep(None, esp32)
        assert sleeper.wake_on(pin) and sleeper.wake_source == source and sleeper.pin is pin
    rp2 = LightSleep(None, None)
    assert not rp2.wake_on(pin) and rp2.wake_source == "timer" and rp2.pin is None


class SleepClock:
    """Ticks that jump over each light sleep (``Machine``'s time passes at once) and follow
    real time while awake, so thousands of sleeps take no real time."""

    def __init__(self):
        import time

        self.credit = 0
        self._time = time

    def ticks_ms(self):
        return self._time.ticks_add(self._time.ticks_ms(), self.credit)


class SleepMachine:
    """``machine.lightsleep`` that refuses to run with the BLE controller on (esp-idf issue
    11315) and lets ``ms`` pass on the ``SleepClock`` at once (a timer wake)."""

    def __init__(self, clock, ble):
        self.clock = clock
        self.ble = ble
        self.sleeps = 0

    def lightsleep(self, ms):
        if self.ble.on:
            raise AssertionError("lightsleep with the BLE controller on")
        self.clock.credit += ms
        self.sleeps += 1


class ClockFifo:
    """An accelerometer FIFO filled by the ``SleepClock``: ``RATE`` samples a second."""

    watermark = WM
    rate_hz = RATE
    name = "clocked"

    def __init__(self, clock):
        self.clock = clock
        self.t = clock.ticks_ms()

    def available(self):
        import time

        n = time.ticks_diff(self.clock.ticks_ms(), self.t) // SAMPLE_MS
        return n if n < 32 else 32

    def read_into(self, buf):
        import time

        n = self.available()
        self.t = time.ticks_add(self.t, n * SAMPLE_MS)
        return n


def test_thousands_of_sleeps_never_with_the_controller_on_and_advertising_in_every_window():
    _micropython_only()
    import asyncio

    from hw.board_io import LightSleep
    from hw.boards import Board

    clock = SleepClock()
    ble = BLE()
    machine = SleepMachine(clock, ble)
    imu = ClockFifo(clock)
    board = Board("test", "0badc0de", imu, None, clock, None, "/tmp", ble=ble,
                  sleeper=LightSleep(machine), boot_awake_ms=0, discovery=(20000, 300))
    windows = {}                     # window number -> advertising seen in it

    async def scenario():
        radio = asyncio.create_task(follow(board))
        buf = array("h", bytes(2 * 3 * 32))
        while machine.sleeps < 3000:
            await board.wait_samples()
            imu.read_into(buf)
            if board.power.reason == "discovery":
                n = board.power.windows
                windows[n] = windows.get(n, False) or (ble.on and ble.interval is not None)
        radio.cancel()

    asyncio.run(scenario())
    assert board.sleeps == machine.sleeps == 3000
    assert len(windows) == board.power.windows >= 10     # 3000 x 80 ms / 20 s
    assert all(windows.values()), windows                # advertising in every one
    assert board.refused == 0                            # the controller was off in time
    assert ble.actives >= 2 * len(windows) - 1           # switched on and off per window
