"""``build()``, which assembles the board contract from a profile, and ``Board``, the contract
on real hardware.

The parts live beside it: ``hw.profiles`` (pin maps, what each profile needs of its
MicroPython), ``hw.power`` (the pure policy: when the MCU may light-sleep and when the BLE
controller is on), ``hw.board_io`` (the wrappers around ``machine.lightsleep``, the BLE
controller, the USB stream and the button). Nothing touches hardware at import: only
``build()`` does. docs/power.md has the why and the figures.

Between FIFO reads the board light-sleeps (``machine.lightsleep(ms)``: RAM and state are
kept, MicroPython ``machine`` docs) when the policy allows it and the BLE controller is off;
otherwise it waits the plain asyncio way. Waits shorter than one FIFO period
(``board.sleep_ms``: a vibration pattern's step) keep it awake; longer ones (the watchdog
feeder's second, housekeeping's 5 minutes, timeouts inside the BLE stack) may run up to one
FIFO period late, which is what buys the sleep.

Time across light sleep: ``time.ticks_ms`` is ``esp_timer_get_time() / 1000`` on the ESP32
port, and ESP-IDF's ESP Timer "maintains correct time after light sleep"; on the rp2 port the
system timer keeps counting. So neither ``board.clock`` nor asyncio's deadlines need a
correction.
"""

import sys
import time

from hw import unload
from hw.board_io import BleWatch, ButtonWatch, HostWatch, LightSleep, RadioSwitch
from hw.power import BOOT_AWAKE_MS, DISCOVERY_EVERY_MS, DISCOVERY_MS, HOST_QUIET_MS, PowerPolicy
from logic import events
from logic.limits import RATE_HZ

WATERMARK = RATE_HZ            # the accelerometer interrupts once a second
STORAGE_DIR = "/data"
WATCHDOG_MS = 60000
RP2_WATCHDOG_MAX_MS = 8388     # the RP2040 watchdog's longest timeout (its 24-bit counter)
MIN_SLEEP_MS = 30               # shorter waits stay awake: a wake costs more than it saves
IDLE_YIELD_EVERY = 3            # let FreeRTOS's idle task run at least every 3 s of sleeping

_RESET_CAUSES = (
    ("PWRON_RESET", events.RESET_POWER_ON),
    ("HARD_RESET", events.RESET_HARD),
    ("WDT_RESET", events.RESET_WATCHDOG),
    ("DEEPSLEEP_RESET", events.RESET_DEEPSLEEP),
    ("SOFT_RESET", events.RESET_SOFT),
)


class Board:
    """The board contract of docs/architecture.md, on real hardware.

    ``sleeper`` (a ``LightSleep``) lets the board light-sleep between FIFO reads; without it
    the board always waits the asyncio way. ``radio_in_mcu``: the BLE radio is part of the
    MCU (ESP32 family), so the controller is switched off between windows and the MCU never
    sleeps while it is on; ``discovery`` is ``(every_ms, window_ms)`` (``every_ms`` 0: none);
    ``boot_awake_ms``, ``host_quiet_ms``: see ``hw.power``. ``button`` (a ``machine.Pin``
    input, 0 while pressed, or ``None``) is offered as ``board.button``, wrapped in a
    ``ButtonWatch``. ``board.radio`` (a ``RadioSwitch``) says whether the BLE controller
    should be on; the BLE task follows it, and ``board.radio.request(ms)`` (the pairing
    window) keeps it on. ``imu`` has ``rate_hz``, ``watermark``, ``available()`` and, where
    ``int_pin`` is given, ``watermark_irq`` (``hw.imu``); ``serial`` is a
    ``hw.board_io.HostWatch`` or ``None``.
    """

    def __init__(self, name, device_id, imu, motor, clock, battery, storage_dir,
                 int_pin=None, serial=None, ble=None, reset_cause=events.RESET_POWER_ON,
                 sleeper=None, radio_in_mcu=True, button=None, boot_awake_ms=BOOT_AWAKE_MS,
                 host_quiet_ms=HOST_QUIET_MS, discovery=(DISCOVERY_EVERY_MS, DISCOVERY_MS)):
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
        self._rate = imu.rate_hz
        self._sample_ms = (1000 + self._rate - 1) // self._rate
        self._period_ms = 1000 * imu.watermark // self._rate
        self._sleeper = sleeper
        self._pin_wakes = False
        if int_pin is not None and imu.watermark_irq:
            if sleeper is not None and sleeper.wake_on(int_pin):
                self._pin_wakes = True  # a wake source now: no IRQ (docs/power.md)
            else:
                self._flag = asyncio.ThreadSafeFlag()
                int_pin.irq(self._on_int, trigger=int_pin.IRQ_RISING)
        self._radio_in_mcu = radio_in_mcu
        # the policy's time: the board clock's ticks (the same as time.ticks_ms on a board)
        self._ticks = time.ticks_ms if clock is None else clock.ticks_ms
        self.power = PowerPolicy(self._ticks(), radio_in_mcu, boot_awake_ms, host_quiet_ms,
                                 discovery)
        self.radio = RadioSwitch(self.power.radio, self._radio_request)
        self._host_seen = None
        self._short_waits = 0
        self._since_idle = 0
        self.waits = 0              # wait_samples calls
        self.sleeps = 0             # of which ended in a light sleep
        self.refused = 0            # sleeps skipped because the BLE controller was still on

    def _on_int(self, pin):
        self._flag.set()  # IRQ context: only set the flag

    def _radio_request(self, ms):
        self.power.radio_for(self._ticks(), ms)

    # -- staying awake -------------------------------------------------------------------

    def keep_awake(self, ms):
        """Do not light-sleep for the next ``ms`` (e.g. after a wearer's gesture to sync)."""
        self.power.keep_awake(self._ticks(), ms)

    def awake_reason(self):
        """Why the board must not light-sleep now (a short name), or ``None``: it may.

        Also tells ``board.radio`` what the controller should be, and asks again when the
        controller is not in that state (a request the BLE task could not follow yet).
        """
        power = self.power
        rx = None if self.serial is None else self.serial.last_rx_ms
        if rx is not None and rx != self._host_seen:
            self._host_seen = rx
            power.host_byte(rx)
        ble = self.ble
        power.update(self._ticks(), self.charging(), ble is not None and ble.connected,
                     self.button is not None and self.button.pressed(), self._short_waits > 0)
        if ble is not None:
            self.radio.set(power.radio, ble.on)
            if power.radio and ble.on and not ble.connected and not ble.advertising:
                self.radio.set(True, False)  # on but silent: the BLE task advertises again
        if self._sleeper is None:
            return "no sleep"
        if power.reason is not None:
            return power.reason
        if self._radio_in_mcu and ble is not None and ble.on:
            return "radio on"  # waiting for the BLE task to switch the controller off
        return None

    # -- waiting for samples -------------------------------------------------------------

    def _until_watermark_ms(self):
        """Milliseconds until the FIFO holds a watermark's worth of samples (0: it does)."""
        imu = self.imu
        missing = imu.watermark - imu.available()
        if missing <= 0:
            return 0
        return (missing * 1000 + self._rate - 1) // self._rate

    async def wait_samples(self):
        """Return when the FIFO has reached its watermark: light-sleeping when nothing needs
        the MCU awake and the BLE controller is off, else waiting on the INT pin's IRQ or by
        the time."""
        asyncio = self._asyncio
        self.waits += 1
        self._since_idle += 1
        if self._since_idle >= IDLE_YIELD_EVERY:
            self._since_idle = 0
            await asyncio.sleep_ms(1)  # a real wait: FreeRTOS's idle task (and its watchdog) runs
        else:
            await asyncio.sleep_ms(0)  # every task that is ready runs first (a pattern starting)
        if self._sleeper is not None:
            reason = self.awake_reason()
            if reason == "radio on":
                await asyncio.sleep_ms(0)  # the BLE task switches the controller off now
                reason = self.awake_reason()
                if reason == "radio on":
                    self.refused += 1
            if reason is None:
                ms = self._until_watermark_ms()
                if ms == 0:
                    return
                # INT already high with the FIFO short of the watermark (a latched tap that
                # the app clears after this read): a light sleep would end at once.
                if ms >= MIN_SLEEP_MS and not (self._pin_wakes and self._int_pin.value()):
                    # past the watermark by two samples if INT should have woken us (a
                    # backstop), by one if the timer is the wake source (rate tolerance)
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
    from hw.profiles import choose_profile, device_id_from, profile_pins, read_config

    config = read_config()
    name = choose_profile(sys.implementation._machine, config)
    pins = profile_pins(name, config)
    device_id = device_id_from(machine.unique_id())
    # the profiles are needed at boot only: let the collector have them
    del choose_profile, device_id_from, profile_pins, read_config
    unload("profiles")
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

    backup = None
    if pins["rtc"] is not None:
        from hw.bm8563 import Bm8563

        try:
            backup = Bm8563(i2c, pins["rtc"])
        except OSError:
            backup = None  # not fitted or not answering: UTC until the next power cut only
    return Board(
        pins["name"] + " / " + imu.name,
        device_id,
        imu,
        motor,
        RtcClock(machine.RTC(), backup),
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
