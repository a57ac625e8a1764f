"""Board profiles, the motor and the battery reading, with the hardware injected (both interpreters)."""

from hw.battery import Battery
from hw.profiles import PROFILES, choose_profile, device_id_from, profile_pins
from hw.motor import Motor
from portable import raises, skip


class PWM:
    """Records what a ``machine.PWM`` was told."""

    def __init__(self):
        self.frequency = None
        self.duty = None

    def freq(self, hz):
        self.frequency = hz

    def duty_u16(self, duty):
        self.duty = duty


class ADC:
    def __init__(self, microvolts):
        self.microvolts = microvolts

    def read_uv(self):
        return self.microvolts


class ADC16:
    def __init__(self, value):
        self.value = value

    def read_u16(self):
        return self.value


class Pin:
    def __init__(self, level):
        self.level = level

    def value(self):
        return self.level


def test_profile_from_machine_name_or_config():
    assert choose_profile("Generic ESP32S3 module with ESP32S3") == "xiao_esp32s3"
    assert choose_profile("ESP32C3 module with ESP32C3") == "xiao_esp32c3"
    assert choose_profile("Raspberry Pi Pico W with RP2040") == "pico_w"
    assert choose_profile("Generic ESP32 module with ESP32") == "m5stickc_plus2"
    assert choose_profile("Generic ESP32S3 module with ESP32S3",
                          {"profile": "pico_w"}) == "pico_w"
    with raises(ValueError):
        choose_profile("Raspberry Pi Pico with RP2040")
    with raises(ValueError):
        choose_profile("ESP32", {"profile": "toaster"})


def test_config_overrides_pins_but_not_unknown_keys():
    pins = profile_pins("m5stickc_plus2", {"profile": "m5stickc_plus2", "motor": 33, "x": 1})
    assert pins["motor"] == 33 and "x" not in pins
    assert PROFILES["m5stickc_plus2"]["motor"] == 32  # the profile itself is untouched


def test_every_profile_has_the_pins_build_needs():
    needed = ("name", "i2c", "sda", "scl", "imu_int", "motor", "motor_min", "hold", "button",
              "battery_adc", "divider", "charge", "charge_level", "radio_in_mcu", "rtc", "needs")
    for name, pins in PROFILES.items():
        for key in needed:
            assert key in pins, (name, key)
    # USB power is sensed (and keeps the board awake) on the XIAO builds and the Pico W; the
    # BLE radio stops in light sleep where it is part of the MCU (the ESP32 family)
    assert [n for n in sorted(PROFILES) if PROFILES[n]["charge"] is not None] == [
        "pico_w", "xiao_esp32c3", "xiao_esp32s3"]
    assert [n for n in sorted(PROFILES) if not PROFILES[n]["radio_in_mcu"]] == ["pico_w"]
    # only the StickC has a clock chip (BM8563 at 0x51); only the C3 needs a newer MicroPython
    assert [n for n in sorted(PROFILES) if PROFILES[n]["rtc"] is not None] == ["m5stickc_plus2"]
    assert [n for n in sorted(PROFILES) if PROFILES[n]["needs"]] == ["xiao_esp32c3"]


def test_a_profile_says_what_its_micropython_lacks():
    from hw.profiles import firmware_problem

    assert firmware_problem("xiao_esp32c3", (1, 27, 0), ["esp32.wake_on_gpio"]) is None
    why = firmware_problem("xiao_esp32c3", (1, 26, 1), ["esp32.wake_on_ext0"])
    assert "needs MicroPython 1.27.0 or later" in why and "no esp32.wake_on_gpio" in why
    assert firmware_problem("xiao_esp32s3", (1, 23, 0), ["esp32.wake_on_ext0"]) is None


def test_device_id_is_eight_stable_hex_characters():
    first = device_id_from(b"\x24\x0a\xc4\x12\x34\x56")
    assert len(first) == 8 and int(first, 16) >= 0
    assert first == device_id_from(b"\x24\x0a\xc4\x12\x34\x56")
    assert first != device_id_from(b"\x24\x0a\xc4\x12\x34\x57")


def test_motor_maps_strength_above_the_start_voltage():
    pwm = PWM()
    motor = Motor(pwm, freq=1000, min_percent=40)
    assert pwm.frequency == 1000 and pwm.duty == 0
    motor.on(100)
    assert pwm.duty == 65535
    motor.on(1)
    assert 40 * 65535 // 100 <= pwm.duty < 42 * 65535 // 100
    motor.on(250)
    assert pwm.duty == 65535
    motor.off()
    assert pwm.duty == 0 and motor.percent == 0


def test_battery_through_the_divider_and_charge_pin():
    assert Battery(ADC(1_950_000), 2, 1).millivolts() == 3900
    assert Battery(ADC16(65535 * 1300 // 3300), 3, 1).millivolts() in (3897, 3898, 3899, 3900)
    assert not Battery(ADC(0)).charging()
    assert Battery(ADC(0), charge_pin=Pin(0), charging_level=0).charging()
    assert not Battery(ADC(0), charge_pin=Pin(1), charging_level=0).charging()


class IntPin:
    """An input pin wired to a chip model's interrupt output, with ``machine.Pin``'s irq API."""

    IRQ_RISING = 1

    def __init__(self, level_of):
        self.level_of = level_of
        self.handler = None

    def value(self):
        return 1 if self.level_of() else 0

    def irq(self, handler, trigger):
        self.handler = handler

    def edge(self):
        if self.handler is not None:
            self.handler(self)


def _board(with_pin):
    from chipmodels.bus import Bus
    from chipmodels.lis3dh import LIS3DHModel
    from hw.boards import Board
    from hw.imu import find_imu

    chip = LIS3DHModel(0x18)
    imu = find_imu(Bus(chip), watermark=5)
    pin = IntPin(chip.int1) if with_pin else None
    board = Board("test", "0badc0de", imu, Motor(PWM()), None, None, "/tmp", int_pin=pin)
    return chip, board, pin


def test_wait_samples_follows_the_watermark_pin_or_the_clock():
    import sys

    if sys.implementation.name != "micropython":
        skip("asyncio.ThreadSafeFlag and sleep_ms are MicroPython's")
    import asyncio
    import time

    chip, board, pin = _board(True)

    async def scenario():
        waiting = asyncio.create_task(board.wait_samples())
        await asyncio.sleep_ms(20)
        assert not waiting.done()  # FIFO below the watermark: still asleep
        for i in range(5):
            chip.sample(i, 0, 1000)
        pin.edge()  # INT1 rises at the watermark
        await asyncio.wait_for_ms(waiting, 200)
        await board.wait_samples()  # still above the watermark (latched): returns at once

    asyncio.run(scenario())
    assert board.battery_mv() is None and board.charging() is False

    _, polled, _ = _board(False)
    start = time.ticks_ms()
    asyncio.run(polled.wait_samples())  # no INT wired: a watermark's worth of time (200 ms)
    assert 180 <= time.ticks_diff(time.ticks_ms(), start) < 1000
