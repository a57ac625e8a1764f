"""Board profiles for the real clips, and ``build()``, which assembles the board contract.

Profiles (pin maps checked against the vendors' pinout pages and schematics):

- ``m5stickc_plus2``: M5StickC Plus2 (ESP32-PICO-V3-02). MPU6886 on the internal I2C (SDA
  G21, SCL G22; its INT is not wired, so the FIFO is polled once a watermark's worth of
  time); G4 must be driven high to keep the power on from the battery; button A on G37;
  battery through a 1:2 divider on G38; the M5Stack Vibration Motor Unit on the Grove port's
  G32.
- ``xiao_esp32s3`` / ``xiao_esp32c3``: Seeed XIAO with a LIS3DH breakout on D4/D5 (SDA/SCL),
  its INT1 on D2, a coin motor behind an N-MOSFET gated from D1, the LiPo through a
  2 x 100 kOhm divider on A0 (hardware.md has the circuit).
- ``pico_w``: Raspberry Pi Pico W bench build: accelerometer on I2C0 GP4/GP5, INT1 on GP6,
  motor MOSFET on GP15, VSYS/3 on ADC3 (GP29, readable while GP25 is high), VBUS sense on
  WL_GPIO2.

The profile comes from ``/board.json`` (``{"profile": "xiao_esp32c3"}``, optionally
overriding pins) when present, otherwise from ``sys.implementation._machine``. Which
accelerometer is fitted is found by scanning the I2C bus (``hw.imu.find_imu``), so one firmware
serves every build. Nothing touches hardware at import: only ``build()`` does.
"""

import sys

from logic import events

RATE_HZ = 25
WATERMARK = 25
CONFIG_FILE = "/board.json"
STORAGE_DIR = "/data"
WATCHDOG_MS = 60000

PROFILES = {
    "m5stickc_plus2": {
        "name": "M5StickC Plus2", "i2c": 0, "sda": 21, "scl": 22, "imu_int": None,
        "motor": 32, "motor_min": 30, "hold": 4, "button": 37, "battery_adc": 38,
        "divider": (2, 1), "charge": None,
    },
    "xiao_esp32s3": {
        "name": "XIAO ESP32-S3 clip", "i2c": 0, "sda": 5, "scl": 6, "imu_int": 3,
        "motor": 2, "motor_min": 40, "hold": None, "button": None, "battery_adc": 1,
        "divider": (2, 1), "charge": None,
    },
    "xiao_esp32c3": {
        "name": "XIAO ESP32-C3 clip", "i2c": 0, "sda": 6, "scl": 7, "imu_int": 4,
        "motor": 3, "motor_min": 40, "hold": None, "button": None, "battery_adc": 2,
        "divider": (2, 1), "charge": None,
    },
    "pico_w": {
        "name": "Pico W bench clip", "i2c": 0, "sda": 4, "scl": 5, "imu_int": 6,
        "motor": 15, "motor_min": 40, "hold": None, "button": None, "battery_adc": 29,
        "divider": (3, 1), "charge": "WL_GPIO2",
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


class Board:
    """The board contract of docs/architecture.md, on real hardware."""

    def __init__(self, name, device_id, imu, motor, clock, battery, storage_dir,
                 int_pin=None, serial=None, ble=None, reset_cause=events.RESET_POWER_ON):
        import asyncio

        self.name = name
        self.device_id = device_id
        self.imu = imu
        self.motor = motor
        self.clock = clock
        self.storage_dir = storage_dir
        self.serial = serial
        self.ble = ble
        self._battery = battery
        self._reset_cause = reset_cause
        self._wdt = None
        self._asyncio = asyncio
        self._int_pin = int_pin
        self._flag = None
        self._period_ms = 1000 * imu.watermark // RATE_HZ
        if int_pin is not None and getattr(imu, "watermark_irq", False):
            self._flag = asyncio.ThreadSafeFlag()
            int_pin.irq(self._on_int, trigger=int_pin.IRQ_RISING)

    def _on_int(self, pin):
        self._flag.set()  # IRQ context: only set the flag

    async def wait_samples(self):
        """Return when the FIFO has reached its watermark (INT pin, else by the time)."""
        if self._flag is None:
            await self._asyncio.sleep_ms(self._period_ms)
            return
        if self._int_pin.value():  # already past the watermark (latched)
            return
        await self._flag.wait()

    async def sleep_ms(self, ms):
        await self._asyncio.sleep_ms(ms)

    def battery_mv(self):
        return None if self._battery is None else self._battery.millivolts()

    def charging(self):
        return False if self._battery is None else self._battery.charging()

    def watchdog_feed(self):
        if self._wdt is None:  # armed by the first feed, so the REPL is free until the app runs
            import machine

            self._wdt = machine.WDT(timeout=WATCHDOG_MS)
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


def build():
    """Power up the board this firmware runs on and return its ``Board``.

    Holding the button (where the profile has one) while the board starts gives safe mode:
    ``SystemExit`` before anything runs, leaving the REPL free for ``unsit device install``.
    """
    import machine

    from hw.battery import Battery
    from hw.clock import RtcClock
    from hw.imu import find_imu
    from hw.motor import Motor

    config = read_config()
    name = choose_profile(sys.implementation._machine, config)
    pins = profile_pins(name, config)
    if pins["hold"] is not None:
        machine.Pin(pins["hold"], machine.Pin.OUT, value=1)  # keep power on from battery
    if pins["button"] is not None and machine.Pin(pins["button"], machine.Pin.IN).value() == 0:
        raise SystemExit("safe mode: button held at start")
    i2c = machine.I2C(pins["i2c"], sda=machine.Pin(pins["sda"]), scl=machine.Pin(pins["scl"]),
                      freq=400000)
    imu = find_imu(i2c, rate_hz=RATE_HZ, watermark=WATERMARK)
    motor_pwm = machine.PWM(machine.Pin(pins["motor"], machine.Pin.OUT))
    motor = Motor(motor_pwm, min_percent=pins["motor_min"])
    battery = None
    if pins["battery_adc"] is not None:
        if name == "pico_w":
            machine.Pin(25, machine.Pin.OUT, value=1)  # lets ADC3 see VSYS/3 on the Pico W
        adc = machine.ADC(machine.Pin(pins["battery_adc"]))
        if hasattr(adc, "atten"):
            adc.atten(machine.ADC.ATTN_11DB)
        charge = None if pins["charge"] is None else machine.Pin(pins["charge"], machine.Pin.IN)
        num, den = pins["divider"]
        battery = Battery(adc, num, den, charge_pin=charge,
                          charging_level=1 if name == "pico_w" else 0)
    int_pin = None
    if pins["imu_int"] is not None:
        int_pin = machine.Pin(pins["imu_int"], machine.Pin.IN)
    try:
        import bluetooth

        ble = bluetooth.BLE()
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
        serial=UsbStream(),
        ble=ble,
        reset_cause=_reset_cause(machine),
    )
