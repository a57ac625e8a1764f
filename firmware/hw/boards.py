"""Board profiles for the real clips, and ``build()``, which assembles the board contract.

Profiles (pin maps checked against the vendors' pinout pages and schematics):

- ``m5stickc_plus2``: M5StickC Plus2 (ESP32-PICO-V3-02). MPU6886 on the internal I2C (SDA
  G21, SCL G22; its INT is not wired, so the FIFO is read once a watermark's worth of
  time); G4 must be driven high to keep the power on from the battery; button A on G37;
  battery through a 1:2 divider on G38; the M5Stack Vibration Motor Unit on the Grove port's
  G32.
- ``xiao_esp32s3`` / ``xiao_esp32c3``: Seeed XIAO with a LIS3DH breakout on D4/D5 (SDA/SCL),
  its INT1 on D2, a coin motor behind an N-MOSFET gated from D1, the LiPo through a
  2 x 100 kOhm divider on A0, and (optional) USB power sensed on D3 through a 10k/20k divider
  from the 5V pin (hardware.md has the circuits).
- ``pico_w``: Raspberry Pi Pico W bench build: accelerometer on I2C0 GP4/GP5, INT1 on GP6,
  motor MOSFET on GP15, VSYS/3 on ADC3 (GP29, readable while GP25 is high), VBUS sense on
  WL_GPIO2.

The profile comes from ``/board.json`` (``{"profile": "xiao_esp32c3"}``, optionally
overriding pins) when present, otherwise from ``sys.implementation._machine``. Which
accelerometer is fitted is found by scanning the I2C bus (``hw.imu.find_imu``), so one firmware
serves every build. Nothing touches hardware at import: only ``build()`` does.

Power (docs/power.md has the figures): between FIFO reads the board puts the MCU into light
sleep with ``machine.lightsleep(ms)`` (MicroPython docs, ``machine`` module, "Power related
functions": RAM and state are kept, execution resumes after the call) when nothing needs it
awake, and waits the plain asyncio way otherwise. It stays awake while

- a Bluetooth LE central is connected, or the pairing window advertises fast (and 30 s
  after), or a discovery window is open (radio inside the MCU only, see below);
- USB power is present (``charging()``: the VBUS sense pin), or a USB host sent a byte in the
  last minute, or the board started less than two minutes ago (so a host can reach the REPL
  and the protocol after a reset or power-up);
- a task waits through ``board.sleep_ms`` for less than one FIFO period (a vibration pattern
  is playing: its steps must not be stretched to the next FIFO read);
- the button is held (the pairing gesture; a press made during a sleep is passed to the
  button's IRQ handler when the board wakes, ``ButtonWatch``);
- the app asked for it (``keep_awake(ms)``).

Longer waits (the watchdog feeder's second, housekeeping's 5 minutes, timeouts inside the BLE
stack) may run up to one FIFO period late; that is what buys the sleep.

Wake sources (``LightSleep``): ESP32 family, MicroPython ``esp32`` module docs:
``esp32.wake_on_gpio(pins, level)`` (light sleep from any GPIO: ESP-IDF "Sleep Modes", GPIO
wakeup, ``gpio_wakeup_enable``), else ``esp32.wake_on_ext0(pin, level)`` (RTC GPIOs of the
ESP32 and ESP32-S3; ESP-IDF "Sleep Modes", ext0: the pad is left as RTC IO, so the pin is
re-initialised after each wake), with ``esp32.WAKEUP_ANY_HIGH``: the accelerometer's INT
output is active high. The pin then has no IRQ handler: ESP-IDF's ``gpio_wakeup_enable``
turns the pin's interrupt type into a level one, which with a handler attached would fire
without end while INT stays high. The timer (``lightsleep(ms)``) is a backstop. RP2040 (Pico
W): ``machine.lightsleep(ms)`` wakes on the timer only (MicroPython rp2 port), so the board
sleeps exactly until the FIFO is due; a USB host that configured the device keeps its clock
in that port's light sleep. Where INT is not wired (M5StickC Plus2) the timer alone is used.

Time across light sleep: ``time.ticks_ms`` is ``esp_timer_get_time() / 1000`` on the ESP32
port, and ESP-IDF's ESP Timer "maintains correct time after light sleep"; ``time.time`` comes
from the RTC. On the rp2 port the system timer keeps counting in light sleep and the port
re-syncs its time-of-day counter from the always-on timer when it wakes. So ``board.clock``
needs no correction (``hw/clock.py``), and asyncio's deadlines, which also use ``ticks_ms``,
stay right.

Bluetooth LE in light sleep (the trade-off): ESP-IDF "Sleep Modes" says the radio is powered
down in light sleep and connections are not kept; keeping them needs the controller's modem
sleep with *automatic* light sleep (ESP-IDF "Low Power Mode in BLE": then the main XTAL stays
on, 3.3 mA typical light-sleep current on boards without a 32 kHz crystal, more than the whole
budget), which stock MicroPython does not enable. So on the ESP32 boards the clip advertises
only while awake: the board never sleeps while a host is connected or the wearer's pairing
window is fast-advertising, and otherwise opens a ``DISCOVERY_MS`` window every
``DISCOVERY_EVERY_MS`` in which it stays awake and advertises every 1022.5 ms; a host looking
for the clip finds it within that period (or at once while it is on USB power). The Pico W's
radio is a separate chip (CYW43439) that advertises on its own while the RP2040 sleeps.
"""

import io
import sys
import time

from logic import events

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

RATE_HZ = 25
WATERMARK = 25
CONFIG_FILE = "/board.json"
STORAGE_DIR = "/data"
WATCHDOG_MS = 60000
RP2_WATCHDOG_MAX_MS = 8388     # the RP2040 watchdog's longest timeout (its 24-bit counter)

BOOT_AWAKE_MS = 120000          # awake after start: time for a host to reach the REPL or sync
HOST_QUIET_MS = 60000           # awake this long after the USB host's last byte
PAIRING_TAIL_MS = 30000         # awake after fast advertising ends: the rest of the 60 s window
DISCOVERY_EVERY_MS = 300000     # a discovery window this often (radio inside the MCU)...
DISCOVERY_MS = 3500             # ...this long: three advertising events at 1022.5 ms
MIN_SLEEP_MS = 30               # shorter waits stay awake: a wake costs more than it saves
IDLE_YIELD_EVERY = 3            # let FreeRTOS's idle task run at least every 3 s of sleeping

_FAST_ADV_US = const(500000)    # advertising faster than this is the pairing window's
_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)

PROFILES = {
    "m5stickc_plus2": {
        "name": "M5StickC Plus2", "i2c": 0, "sda": 21, "scl": 22, "imu_int": None,
        "motor": 32, "motor_min": 30, "hold": 4, "button": 37, "battery_adc": 38,
        "divider": (2, 1), "charge": None, "charge_level": 1, "radio_in_mcu": True,
    },
    "xiao_esp32s3": {
        "name": "XIAO ESP32-S3 clip", "i2c": 0, "sda": 5, "scl": 6, "imu_int": 3,
        "motor": 2, "motor_min": 40, "hold": None, "button": None, "battery_adc": 1,
        "divider": (2, 1), "charge": 4, "charge_level": 1, "radio_in_mcu": True,
    },
    "xiao_esp32c3": {
        "name": "XIAO ESP32-C3 clip", "i2c": 0, "sda": 6, "scl": 7, "imu_int": 4,
        "motor": 3, "motor_min": 40, "hold": None, "button": None, "battery_adc": 2,
        "divider": (2, 1), "charge": 5, "charge_level": 1, "radio_in_mcu": True,
    },
    "pico_w": {
        "name": "Pico W bench clip", "i2c": 0, "sda": 4, "scl": 5, "imu_int": 6,
        "motor": 15, "motor_min": 40, "hold": None, "button": None, "battery_adc": 29,
        "divider": (3, 1), "charge": "WL_GPIO2", "charge_level": 1, "radio_in_mcu": False,
    },
}

# sys.implementation._machine fragments -> profile, most specific first
_MACHINES = (
    ("Pico W", "pico_w"),
    ("ESP32S3", "xiao_esp32s3"),
    ("ESP32C3", "xiao_esp32c3"),
    ("ESP32", "m5stickc_plus2"),
)


def choose_profile(machine_name, config=None):
    """The profile name for this board: ``config["profile"]`` if given, else by machine name.

    Raises ``ValueError`` for an unknown profile or a board no profile fits.
    """
    if config and config.get("profile"):
        name = config["profile"]
        if name not in PROFILES:
            raise ValueError("unknown board profile " + name)
        return name
    for fragment, name in _MACHINES:
        if fragment in machine_name:
            return name
    raise ValueError("no board profile for '" + machine_name + "': write /board.json")


def profile_pins(name, config=None):
    """The profile's pin map with any overrides from the config file applied."""
    pins = dict(PROFILES[name])
    if config:
        for key in config:
            if key != "profile" and key in pins:
                pins[key] = config[key]
    return pins


def read_config(path=CONFIG_FILE):
    """``/board.json`` as a dict, or ``{}`` when there is none."""
    try:
        with open(path) as f:
            import json

            return json.load(f)
    except OSError:
        return {}


def device_id_from(unique_id):
    """8 hex characters, stable per board: the CRC-32 of the MCU's unique id."""
    import binascii

    return "%08x" % (binascii.crc32(unique_id) & 0xFFFFFFFF)


_RESET_CAUSES = (
    ("PWRON_RESET", events.RESET_POWER_ON),
    ("HARD_RESET", events.RESET_HARD),
    ("WDT_RESET", events.RESET_WATCHDOG),
    ("DEEPSLEEP_RESET", events.RESET_DEEPSLEEP),
    ("SOFT_RESET", events.RESET_SOFT),
)


class LightSleep:
    """``machine.lightsleep`` with the accelerometer's INT pin as a wake source where it can.

    ``machine`` and ``esp32`` are the MicroPython modules (``esp32`` is ``None`` off the ESP32
    port), injected so the board's logic runs against stand-ins in tests. ``wake_on(pin)``
    picks the wake source (module docstring): ``esp32.wake_on_gpio``, else
    ``esp32.wake_on_ext0``, else none (timer only); ``wake_source`` says which.
    """

    def __init__(self, machine, esp32=None):
        self._machine = machine
        self._esp32 = esp32
        self.pin = None
        self.wake_source = "timer"
        self.sleeps = 0

    def wake_on(self, pin):
        """Wake when ``pin`` is high; True if this port can (the pin then needs no IRQ)."""
        esp32 = self._esp32
        if esp32 is None:
            return False
        try:
            if hasattr(esp32, "wake_on_gpio"):
                esp32.wake_on_gpio((pin,), esp32.WAKEUP_ANY_HIGH)
                self.wake_source = "gpio"
            elif hasattr(esp32, "wake_on_ext0"):
                esp32.wake_on_ext0(pin, esp32.WAKEUP_ANY_HIGH)
                self.wake_source = "ext0"
            else:
                return False
        except ValueError:  # not a wake-capable pin on this chip: the timer alone, then
            return False
        self.pin = pin
        return True

    def sleep(self, ms):
        """Light-sleep for at most ``ms`` (less if the wake pin goes high)."""
        self._machine.lightsleep(ms)
        if self.wake_source == "ext0":
            self.pin.init(self.pin.IN)  # ext0 left the pad as RTC IO: make it a GPIO again
        self.sleeps += 1


class BleWatch:
    """``bluetooth.BLE()``, seen through: is a central connected, is it advertising fast.

    Everything is forwarded to ``ble``; ``irq(handler)`` installs a handler that notes
    ``_IRQ_CENTRAL_CONNECT`` / ``_IRQ_CENTRAL_DISCONNECT`` (MicroPython ``bluetooth`` docs,
    event codes 1 and 2) and passes every event on, returning the handler's result;
    ``gap_advertise(interval_us, ...)`` notes the interval (``None``: advertising stopped).
    """

    def __init__(self, ble):
        self._ble = ble
        self._handler = None
        self.connections = 0
        self.adv_interval_us = None
        self.fast_ended_ms = None    # ticks_ms when fast advertising last turned slow or off

    def irq(self, handler):
        self._handler = handler
        self._ble.irq(self._irq)

    def _irq(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            self.connections += 1
        elif event == _IRQ_CENTRAL_DISCONNECT and self.connections:
            self.connections -= 1
        if self._handler is not None:
            return self._handler(event, data)
        return None

    def gap_advertise(self, interval_us, *args, **kwargs):
        if self.fast and not (interval_us is not None and interval_us < _FAST_ADV_US):
            self.fast_ended_ms = time.ticks_ms()
        self.adv_interval_us = interval_us
        return self._ble.gap_advertise(interval_us, *args, **kwargs)

    @property
    def connected(self):
        return self.connections > 0

    @property
    def fast(self):
        interval = self.adv_interval_us
        return interval is not None and interval < _FAST_ADV_US

    @property
    def advertising(self):
        return self.adv_interval_us is not None

    def __getattr__(self, name):
        return getattr(self._ble, name)


class HostWatch(io.IOBase):
    """A protocol stream that notes when the USB host last sent a byte (``last_rx_ms``).

    Reads, writes and ``select.poll`` (``ioctl``) go to ``stream`` (``hw.usb_stream``).
    """

    def __init__(self, stream):
        self._stream = stream
        self.last_rx_ms = None

    def read(self, n=-1):
        data = self._stream.read(n)
        if data:
            self.last_rx_ms = time.ticks_ms()
        return data

    def readinto(self, buf):
        n = self._stream.readinto(buf)
        if n:
            self.last_rx_ms = time.ticks_ms()
        return n

    def write(self, data):
        return self._stream.write(data)

    def ioctl(self, request, arg):
        return self._stream.ioctl(request, arg)


class ButtonWatch:
    """A button input (``machine.Pin``, 0 while pressed) whose presses light sleep cannot hide.

    ``value()`` and ``irq(handler, trigger)`` are the pin's (MicroPython ``machine.Pin``);
    the handler is also kept, so that after a light sleep, during which the GPIO matrix is not
    clocked and a press's falling edge is not seen, ``after_sleep()`` calls it for a button
    that is down (the board wakes at least once a FIFO period, so a press is noticed then).
    """

    def __init__(self, pin):
        self._pin = pin
        self._handler = None
        self.IRQ_FALLING = pin.IRQ_FALLING
        self.IRQ_RISING = pin.IRQ_RISING

    def value(self):
        return self._pin.value()

    def irq(self, handler=None, trigger=None):
        self._handler = handler
        if trigger is None:
            trigger = self._pin.IRQ_FALLING
        return self._pin.irq(handler, trigger=trigger)

    def pressed(self):
        return self._pin.value() == 0

    def after_sleep(self):
        if self._handler is not None and self._pin.value() == 0:
            self._handler(self)


def _still(until, now):
    """``until`` if that tick is still ahead of ``now``, else ``None`` (expired)."""
    if until is not None and time.ticks_diff(until, now) > 0:
        return until
    return None


class Board:
    """The board contract of docs/architecture.md, on real hardware.

    ``sleeper`` (a ``LightSleep``) lets the board light-sleep between FIFO reads; without it
    the board always waits the asyncio way. ``radio_in_mcu``: the BLE radio stops while the
    MCU light-sleeps (ESP32 family), so discovery windows are opened; ``discovery`` is
    ``(every_ms, window_ms)`` (``every_ms`` 0: none). The other ``*_ms`` arguments are the
    stay-awake times of the module docstring. ``button`` (a ``machine.Pin`` input, 0 while
    pressed, or ``None``) is offered as ``board.button`` for the pairing gesture, wrapped in a
    ``ButtonWatch``; the board stays awake while it is held.
    """

    def __init__(self, name, device_id, imu, motor, clock, battery, storage_dir,
                 int_pin=None, serial=None, ble=None, reset_cause=events.RESET_POWER_ON,
                 sleeper=None, radio_in_mcu=True, button=None, boot_awake_ms=BOOT_AWAKE_MS,
                 host_quiet_ms=HOST_QUIET_MS, pairing_tail_ms=PAIRING_TAIL_MS,
                 discovery=(DISCOVERY_EVERY_MS, DISCOVERY_MS)):
        import asyncio

        self.name = name
        self.device_id = device_id
        self.imu = imu
        self.motor = motor
        self.clock = clock
        self.storage_dir = storage_dir
        self.serial = serial
        if ble is not None and not isinstance(ble, BleWatch):
            ble = BleWatch(ble)
        self.ble = ble
        if button is not None and not isinstance(button, ButtonWatch):
            button = ButtonWatch(button)
        self.button = button
        self._battery = battery
        self._reset_cause = reset_cause
        self._wdt = None
        self._asyncio = asyncio
        self._int_pin = int_pin
        self._flag = None
        self._rate = getattr(imu, "rate_hz", RATE_HZ)
        self._sample_ms = (1000 + self._rate - 1) // self._rate
        self._period_ms = 1000 * imu.watermark // self._rate
        self._sleeper = sleeper
        self._pin_wakes = False
        if int_pin is not None and getattr(imu, "watermark_irq", False):
            if sleeper is not None and sleeper.wake_on(int_pin):
                self._pin_wakes = True  # a wake source now: no IRQ (see the module docstring)
            else:
                self._flag = asyncio.ThreadSafeFlag()
                int_pin.irq(self._on_int, trigger=int_pin.IRQ_RISING)
        self._radio_in_mcu = radio_in_mcu
        self._host_quiet_ms = host_quiet_ms
        self._pairing_tail_ms = pairing_tail_ms
        self._every_ms, self._window_ms = discovery
        now = time.ticks_ms()
        self._boot_until = time.ticks_add(now, boot_awake_ms) if boot_awake_ms > 0 else None
        self._awake_until = None
        self._host_seen = None
        self._host_until = None
        self._fast_seen = None
        self._pairing_until = None
        self._window_until = None
        self._next_window = time.ticks_add(now, self._every_ms) if self._every_ms > 0 else None
        self._short_waits = 0
        self._since_idle = 0
        self.waits = 0              # wait_samples calls
        self.sleeps = 0             # of which ended in a light sleep

    def _on_int(self, pin):
        self._flag.set()  # IRQ context: only set the flag

    # -- staying awake -------------------------------------------------------------------

    def keep_awake(self, ms):
        """Do not light-sleep for the next ``ms`` (e.g. after a wearer's gesture to sync)."""
        until = time.ticks_add(time.ticks_ms(), ms)
        if self._awake_until is None or time.ticks_diff(until, self._awake_until) > 0:
            self._awake_until = until

    def awake_reason(self):
        """Why the board must not light-sleep now (a short name), or ``None``: it may.

        Every deadline is brought up to date on each call, so none goes stale (ticks wrap
        after 2**30 ms on MicroPython, and ``ticks_diff`` is only valid within half that).
        """
        now = time.ticks_ms()
        self._awake_until = _still(self._awake_until, now)
        self._boot_until = _still(self._boot_until, now)
        serial = self.serial
        rx = getattr(serial, "last_rx_ms", None)
        if rx is not None and rx != self._host_seen:
            self._host_seen = rx
            self._host_until = time.ticks_add(rx, self._host_quiet_ms)
        self._host_until = _still(self._host_until, now)
        ble = self.ble
        ended = None if ble is None else ble.fast_ended_ms
        if ended is not None and ended != self._fast_seen:
            self._fast_seen = ended
            self._pairing_until = time.ticks_add(ended, self._pairing_tail_ms)
        self._pairing_until = _still(self._pairing_until, now)
        window = self._window_open(now, ble)
        if self._sleeper is None:
            return "no sleep"
        if self._awake_until is not None:
            return "asked"
        if self._boot_until is not None:
            return "boot"
        if self.charging():
            return "usb power"
        if self._host_until is not None:
            return "usb host"
        if ble is not None and ble.connected:
            return "ble link"
        if ble is not None and (ble.fast or self._pairing_until is not None):
            return "pairing"
        if window:
            return "discovery"
        if self.button is not None and self.button.pressed():
            return "button"
        if self._short_waits:
            return "pattern"
        return None

    def _window_open(self, now, ble):
        self._window_until = _still(self._window_until, now)
        if self._next_window is None:
            return False
        if time.ticks_diff(now, self._next_window) >= 0:
            self._next_window = time.ticks_add(now, self._every_ms)
            self._window_until = time.ticks_add(now, self._window_ms)
        return (self._window_until is not None and self._radio_in_mcu and ble is not None
                and ble.advertising)

    # -- waiting for samples -------------------------------------------------------------

    def _until_watermark_ms(self):
        """Milliseconds until the FIFO holds a watermark's worth of samples (0: it does)."""
        imu = self.imu
        if not hasattr(imu, "available"):
            return self._period_ms
        missing = imu.watermark - imu.available()
        if missing <= 0:
            return 0
        return (missing * 1000 + self._rate - 1) // self._rate

    async def wait_samples(self):
        """Return when the FIFO has reached its watermark: light-sleeping when nothing needs
        the MCU awake, else waiting on the INT pin's IRQ or by the time."""
        asyncio = self._asyncio
        self.waits += 1
        self._since_idle += 1
        if self._since_idle >= IDLE_YIELD_EVERY:
            self._since_idle = 0
            await asyncio.sleep_ms(1)  # a real wait: FreeRTOS's idle task (and its watchdog) runs
        else:
            await asyncio.sleep_ms(0)  # every task that is ready runs first (a pattern starting)
        if self._sleeper is not None and self.awake_reason() is None:
            ms = self._until_watermark_ms()
            if ms == 0:
                return
            # INT already high with the FIFO short of the watermark (a latched tap that the
            # app clears after this read): a light sleep would end at once, so wait by time.
            if ms >= MIN_SLEEP_MS and not (self._pin_wakes and self._int_pin.value()):
                # past the watermark by two samples if INT should have woken us (a backstop),
                # by one if the timer is the wake source (the chip's rate has a tolerance)
                self._sleeper.sleep(ms + (2 if self._pin_wakes else 1) * self._sample_ms)
                self.sleeps += 1
                if self.button is not None:
                    self.button.after_sleep()
                return
        if self._flag is not None:
            self._flag.clear()
            if self._int_pin.value():  # already past the watermark (latched)
                return
            await self._flag.wait()
            return
        ms = self._until_watermark_ms()
        if ms:
            await asyncio.sleep_ms(ms + self._sample_ms)

    async def sleep_ms(self, ms):
        """The app's wait. Shorter than one FIFO period (a vibration pattern's step): the board
        stays awake until it is over, so light sleep never stretches it."""
        if ms >= self._period_ms:
            await self._asyncio.sleep_ms(ms)
            return
        self._short_waits += 1
        try:
            await self._asyncio.sleep_ms(ms)
        finally:
            self._short_waits -= 1

    def battery_mv(self):
        return None if self._battery is None else self._battery.millivolts()

    def charging(self):
        return False if self._battery is None else self._battery.charging()

    def watchdog_feed(self):
        if self._wdt is None:  # armed by the first feed, so the REPL is free until the app runs
            import machine

            timeout = RP2_WATCHDOG_MAX_MS if sys.platform == "rp2" else WATCHDOG_MS
            self._wdt = machine.WDT(timeout=timeout)
        self._wdt.feed()

    def reset_cause(self):
        return self._reset_cause


def _reset_cause(machine):
    cause = machine.reset_cause()
    for name, code in _RESET_CAUSES:
        if getattr(machine, name, None) == cause:
            return code
    return events.RESET_HARD


def _storage_dir():
    import os

    try:
        os.mkdir(STORAGE_DIR)
    except OSError:
        pass  # already there
    return STORAGE_DIR


def _sleeper(machine):
    """A ``LightSleep`` for this port, or ``None`` where ``machine.lightsleep`` is missing."""
    if not hasattr(machine, "lightsleep"):
        return None
    try:
        import esp32
    except ImportError:
        esp32 = None
    return LightSleep(machine, esp32)


def build():
    """Power up the board this firmware runs on and return its ``Board``.

    Holding the button (where the profile has one) while the board starts gives safe mode:
    ``SystemExit`` before anything runs, leaving the REPL free for ``unsit device install``.
    """
    import machine

    from hw.battery import Battery
    from hw.clock import RtcClock
    from hw.imu import LateImu
    from hw.motor import Motor

    config = read_config()
    name = choose_profile(sys.implementation._machine, config)
    pins = profile_pins(name, config)
    if pins["hold"] is not None:
        machine.Pin(pins["hold"], machine.Pin.OUT, value=1)  # keep power on from battery
    button = None
    if pins["button"] is not None:
        button = machine.Pin(pins["button"], machine.Pin.IN)
        if button.value() == 0:
            raise SystemExit("safe mode: button held at start")
    i2c = machine.I2C(pins["i2c"], sda=machine.Pin(pins["sda"]), scl=machine.Pin(pins["scl"]),
                      freq=400000)
    imu = LateImu(i2c, rate_hz=RATE_HZ, watermark=WATERMARK)   # absent: retried by the app
    motor_pwm = machine.PWM(machine.Pin(pins["motor"], machine.Pin.OUT, value=0), freq=1000,
                            duty_u16=0)     # off from the first moment
    motor = Motor(motor_pwm, min_percent=pins["motor_min"])
    battery = None
    if pins["battery_adc"] is not None:
        if name == "pico_w":
            machine.Pin(25, machine.Pin.OUT, value=1)  # lets ADC3 see VSYS/3 on the Pico W
        adc = machine.ADC(machine.Pin(pins["battery_adc"]))
        if hasattr(adc, "atten"):
            adc.atten(machine.ADC.ATTN_11DB)
        charge = pins["charge"]
        if isinstance(charge, int):  # a GPIO: pulled down, so an unfitted divider reads 0
            charge = machine.Pin(charge, machine.Pin.IN, machine.Pin.PULL_DOWN)
        elif charge is not None:     # a named pin (the Pico W's WL_GPIO2)
            charge = machine.Pin(charge, machine.Pin.IN)
        num, den = pins["divider"]
        battery = Battery(adc, num, den, charge_pin=charge, charging_level=pins["charge_level"])
    int_pin = None
    if pins["imu_int"] is not None:
        int_pin = machine.Pin(pins["imu_int"], machine.Pin.IN)
    try:
        import bluetooth

        ble = BleWatch(bluetooth.BLE())
    except ImportError:
        ble = None
    from hw.usb_stream import UsbStream

    return Board(
        pins["name"] + " / " + imu.name,
        device_id_from(machine.unique_id()),
        imu,
        motor,
        RtcClock(machine.RTC()),
        battery,
        _storage_dir(),
        int_pin=int_pin,
        serial=HostWatch(UsbStream()),
        ble=ble,
        reset_cause=_reset_cause(machine),
        sleeper=_sleeper(machine),
        radio_in_mcu=pins["radio_in_mcu"],
        button=button,
    )
