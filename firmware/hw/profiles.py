"""Board profiles for the real clips: pin maps and what each needs of its MicroPython.

Profiles (pin maps checked against the vendors' pinout pages and schematics):

- ``m5stickc_plus2``: M5StickC Plus2 (ESP32-PICO-V3-02). MPU6886 on the internal I2C (SDA
  G21, SCL G22; its INT is not wired, so the FIFO is read once a watermark's worth of
  time); G4 must be driven high to keep the power on from the battery; button A on G37;
  battery through a 1:2 divider on G38; the M5Stack Vibration Motor Unit on the Grove port's
  G32; a BM8563 real-time clock at 0x51 on the same I2C bus (``rtc``), which keeps UTC across
  power cuts.
- ``xiao_esp32s3`` / ``xiao_esp32c3``: Seeed XIAO with a LIS3DH board on D4/D5 (SDA/SCL),
  its INT1 on D2, a coin motor behind an N-MOSFET gated from D1, the LiPo through a
  2 x 100 kOhm divider on A0, and (optional) USB power sensed on D3 through a 10k/20k divider
  from the 5V pin (hardware.md has the circuits).
- ``pico_w``: Raspberry Pi Pico W bench build: accelerometer on I2C0 GP4/GP5, INT1 on GP6,
  motor MOSFET on GP15, VSYS/3 on ADC3 (GP29, readable while GP25 is high), VBUS sense on
  WL_GPIO2.

``needs`` lists ``(feature, first MicroPython version that has it, why)``: the XIAO ESP32-C3
wakes from light sleep on the accelerometer's INT only through ``esp32.wake_on_gpio``, which
MicroPython has from 1.27 (the C3 has no ext0 wake); without it every wake is a timer wake and
the clip misses its budget. ``unsit device install`` refuses such a board
(``firmware_problem``). Pure data and functions: the host imports this module too.
"""

CONFIG_FILE = "/board.json"

PROFILES = {
    "m5stickc_plus2": {
        "name": "M5StickC Plus2", "i2c": 0, "sda": 21, "scl": 22, "imu_int": None,
        "motor": 32, "motor_min": 30, "hold": 4, "button": 37, "battery_adc": 38,
        "divider": (2, 1), "charge": None, "charge_level": 1, "radio_in_mcu": True,
        "rtc": 0x51, "needs": (),
    },
    "xiao_esp32s3": {
        "name": "XIAO ESP32-S3 clip", "i2c": 0, "sda": 5, "scl": 6, "imu_int": 3,
        "motor": 2, "motor_min": 40, "hold": None, "button": None, "battery_adc": 1,
        "divider": (2, 1), "charge": 4, "charge_level": 1, "radio_in_mcu": True,
        "rtc": None, "needs": (),
    },
    "xiao_esp32c3": {
        "name": "XIAO ESP32-C3 clip", "i2c": 0, "sda": 6, "scl": 7, "imu_int": 4,
        "motor": 3, "motor_min": 40, "hold": None, "button": None, "battery_adc": 2,
        "divider": (2, 1), "charge": 5, "charge_level": 1, "radio_in_mcu": True,
        "rtc": None,
        "needs": (("esp32.wake_on_gpio", (1, 27, 0),
                   "the ESP32-C3 wakes on the accelerometer's INT only through it"),),
    },
    "pico_w": {
        "name": "Pico W bench clip", "i2c": 0, "sda": 4, "scl": 5, "imu_int": 6,
        "motor": 15, "motor_min": 40, "hold": None, "button": None, "battery_adc": 29,
        "divider": (3, 1), "charge": "WL_GPIO2", "charge_level": 1, "radio_in_mcu": False,
        "rtc": None, "needs": (),
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
    import json

    try:
        with open(path) as f:
            return json.load(f)
    except OSError:
        return {}


def device_id_from(unique_id):
    """8 hex characters, stable per board: the CRC-32 of the MCU's unique id."""
    import binascii

    return "%08x" % (binascii.crc32(unique_id) & 0xFFFFFFFF)


def firmware_problem(name, version, features):
    """Why MicroPython ``version`` (a tuple) with ``features`` (names present) cannot run the
    profile ``name`` as designed, as one sentence, or ``None`` when it can."""
    for feature, since, why in PROFILES[name]["needs"]:
        if feature not in features:
            return ("%s needs MicroPython %s or later (%s; MicroPython %s on the board has no %s)"
                    % (PROFILES[name]["name"], ".".join(str(n) for n in since), why,
                       ".".join(str(n) for n in version), feature))
    return None
