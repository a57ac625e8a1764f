"""Stand-ins for the MCU side of the board's light sleep: MicroPython's ``machine`` and ``esp32``.

This boundary cannot run here: the unix port has no ``machine.lightsleep``, no ``Pin`` and no
``esp32`` module. The stand-ins follow the documented API and the behaviour of the ports the
firmware runs on, so the real ``hw/boards.py`` is driven as on a board:

- ``Machine.lightsleep(time_ms)`` (MicroPython ``machine`` docs): returns after at most
  ``time_ms``, or earlier when a configured wake source fires; RAM and state are kept. Time
  goes on meanwhile, as ``time.ticks_ms`` does on the ESP32 port (ESP Timer "maintains
  correct time after light sleep"): the stand-in really waits, and the accelerometer keeps
  sampling (``World``), so its INT pin can end the sleep.
- ``esp32.wake_on_gpio(pins, level)`` / ``esp32.wake_on_ext0(pin, level)`` with
  ``WAKEUP_ANY_HIGH = True`` / ``WAKEUP_ALL_LOW = False`` (MicroPython ``esp32`` docs). Three
  variants, as firmware builds differ: ``Esp32`` has both (ESP32, ESP32-S3 on a current
  MicroPython), ``Esp32C3`` only ``wake_on_gpio`` (no ext0 on that chip), ``Esp32Old`` only
  ``wake_on_ext0`` (builds from before ``wake_on_gpio``).
- ESP-IDF side effects that matter to the board: a GPIO wake calls ``gpio_wakeup_enable``,
  which turns the pin's interrupt type into a level one (``Pin.trigger`` becomes
  ``WAKE_HIGH``): with an IRQ handler attached and INT high that is an interrupt storm, which
  ``Pin`` reports as a failure. An ext0 wake leaves the pad as an RTC IO whose digital input
  reads 0 until ``Pin.init`` gives it back (ESP-IDF "Sleep Modes", ext0 warning; MicroPython's
  ``Pin.init`` calls ``rtc_gpio_deinit``).
"""

import time


class Pin:
    """An input wired to a chip model's active-high interrupt output (``machine.Pin`` API)."""

    IN = 1
    IRQ_RISING = 1
    IRQ_FALLING = 2
    WAKE_HIGH = 5   # ESP32 port: GPIO_INTR_HIGH_LEVEL

    def __init__(self, level_of):
        self.level_of = level_of
        self.handler = None
        self.trigger = 0
        self.rtc_pad = False
        self.inits = 0
        self.irq_calls = 0
        self.storms = 0
        self._last = 0

    def value(self):
        if self.rtc_pad:
            return 0
        return 1 if self.level_of() else 0

    def init(self, mode=None, pull=-1):
        self.inits += 1
        self.rtc_pad = False

    def irq(self, handler=None, trigger=3):
        self.irq_calls += 1
        self.handler = handler
        self.trigger = trigger if handler is not None else 0

    def update(self):
        """Called whenever the chip changed: deliver what the interrupt hardware would."""
        level = 1 if self.level_of() else 0
        rising = level and not self._last
        self._last = level
        if self.handler is None:
            return
        if self.trigger == self.WAKE_HIGH and level:
            self.storms += 1   # a level interrupt with a handler: it would fire without end
        elif self.trigger & self.IRQ_RISING and rising:
            self.handler(self)


class World:
    """Real time drives the accelerometer model: one sample per output-data-rate period."""

    def __init__(self, chip, rate_hz, pin=None):
        self.chip = chip
        self.sample_ms = 1000 // rate_hz
        self.pin = pin
        self.start()

    def start(self):
        """Time starts now for the chip (it samples from here on)."""
        self.t0 = time.ticks_ms()
        self.fed = 0

    def run(self):
        due = time.ticks_diff(time.ticks_ms(), self.t0) // self.sample_ms
        while self.fed < due:
            self.chip.sample(0, 0, 1000)
            self.fed += 1
            if self.pin is not None:
                self.pin.update()

    async def task(self):
        import asyncio

        while True:
            self.run()
            await asyncio.sleep_ms(2)


class Esp32C3:
    """``esp32`` on the ESP32-C3: ``wake_on_gpio`` only (that chip has no ext0)."""

    WAKEUP_ALL_LOW = False
    WAKEUP_ANY_HIGH = True

    def __init__(self):
        self.gpio = None   # (pins, level) from wake_on_gpio
        self.ext0 = None   # (pin, level) from wake_on_ext0

    def wake_on_gpio(self, pins, level):
        self.gpio = (tuple(pins), level)

    def wake_pin(self):
        """The pin and level that end a light sleep, and which mechanism."""
        if self.gpio is not None and self.gpio[0]:
            return self.gpio[0][0], self.gpio[1], "gpio"
        if self.ext0 is not None:
            return self.ext0[0], self.ext0[1], "ext0"
        return None, None, None


class Esp32(Esp32C3):
    """``esp32`` on a current MicroPython for the ESP32 and ESP32-S3: both wake functions."""

    def wake_on_ext0(self, pin, level):
        self.ext0 = (pin, level)


class Esp32Old:
    """A build from before ``esp32.wake_on_gpio``: ext0 only."""

    WAKEUP_ALL_LOW = False
    WAKEUP_ANY_HIGH = True

    def __init__(self):
        self.ext0 = None

    def wake_on_ext0(self, pin, level):
        self.ext0 = (pin, level)

    def wake_pin(self):
        if self.ext0 is not None:
            return self.ext0[0], self.ext0[1], "ext0"
        return None, None, None


class ControllerOn(Exception):
    """``lightsleep`` was called with the BLE controller on (treated as the fault it is on
    the ESP32 family: esp-idf issue 11315)."""


class Machine:
    """``machine.lightsleep`` over a ``World``; ``sleeps``: ``(time_ms, slept_ms, cause)`` each.

    With a ``BLE`` stand-in, a light sleep while its controller is on raises ``ControllerOn``.
    """

    def __init__(self, world, esp32=None, ble=None):
        self.world = world
        self.esp32 = esp32
        self.ble = ble
        self.sleeps = []
        self.meanwhile = None   # called once at the start of the next sleep (the world acts)

    def lightsleep(self, time_ms=None):
        if self.ble is not None and self.ble.on:
            raise ControllerOn()
        if self.meanwhile is not None:
            self.meanwhile()
            self.meanwhile = None
        pin, level, how = (None, None, None)
        if self.esp32 is not None:
            pin, level, how = self.esp32.wake_pin()
        if how == "gpio":
            pin.trigger = pin.WAKE_HIGH        # gpio_wakeup_enable's side effect
        start = time.ticks_ms()
        cause = "timer"
        while True:
            self.world.run()
            if pin is not None and (1 if pin.level_of() else 0) == (1 if level else 0):
                cause = "pin"
                break
            if time_ms is not None and time.ticks_diff(time.ticks_ms(), start) >= time_ms:
                break
            time.sleep_ms(1)
        if how == "ext0":
            pin.rtc_pad = True
        self.sleeps.append((time_ms, time.ticks_diff(time.ticks_ms(), start), cause))


class Button:
    """A push button input, 0 while pressed (``machine.Pin``: ``value``, ``irq``, constants)."""

    IRQ_FALLING = 2
    IRQ_RISING = 1

    def __init__(self):
        self.level = 1
        self.handler = None
        self.trigger = None

    def value(self):
        return self.level

    def irq(self, handler=None, trigger=3):
        self.handler = handler
        self.trigger = trigger


class BLE:
    """What the board's ``BleWatch`` uses of ``bluetooth.BLE``: ``active``, ``irq``,
    ``gap_advertise``. The controller is off until ``active(True)``; advertising while it is
    off is an ``OSError``, as the port's ``bluetooth`` module raises when it is not active."""

    def __init__(self):
        self.handler = None
        self.advertised = []
        self.actives = 0
        self.on = False
        self.interval = None

    def irq(self, handler):
        self.handler = handler

    def gap_advertise(self, interval_us, adv_data=None, resp_data=None, connectable=True):
        if not self.on:
            raise OSError(19)   # ENODEV: the stack is not active
        self.advertised.append(interval_us)
        self.interval = interval_us

    def active(self, *args):
        self.actives += 1
        if args:
            self.on = bool(args[0])
            if not self.on:
                self.interval = None
        return self.on

    def event(self, code, data):
        return self.handler(code, data)


class Stream:
    """A stream as ``hw.usb_stream`` offers one: ``read``, ``readinto``, ``write``, ``ioctl``."""

    def __init__(self):
        self.incoming = bytearray()
        self.written = bytearray()

    def read(self, n=-1):
        if n < 0:
            n = len(self.incoming)
        data = bytes(self.incoming[:n])
        self.incoming = self.incoming[n:]
        return data

    def readinto(self, buf):
        n = min(len(buf), len(self.incoming))
        buf[:n] = self.incoming[:n]
        self.incoming = self.incoming[n:]
        return n

    def write(self, data):
        self.written.extend(data)
        return len(data)

    def ioctl(self, request, arg):
        return 1 if self.incoming else 0
