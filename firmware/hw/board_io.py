"""The board's views of its hardware: light sleep, the BLE controller, the USB stream, the
button, and the board's switch for the BLE controller. Each wraps one MicroPython object
(injected, so tests drive them with stand-ins); docs/power.md says why each exists.
"""

import io
import time

import asyncio

from logic.compat import const

_IRQ_CENTRAL_CONNECT = const(1)
_IRQ_CENTRAL_DISCONNECT = const(2)


class LightSleep:
    """``machine.lightsleep`` with the accelerometer's INT pin as a wake source where it can.

    ``machine`` and ``esp32`` are the MicroPython modules (``esp32`` is ``None`` off the ESP32
    port). ``wake_on(pin)`` picks the wake source: ``esp32.wake_on_gpio`` (MicroPython 1.27
    on), else ``esp32.wake_on_ext0`` (ESP32/S3 RTC GPIOs; ESP-IDF leaves the pad as RTC IO,
    so the pin is re-initialised after each wake), else none (timer only); ``wake_source``
    says which. ``esp32`` functions are looked up as the port offers them: which exist
    depends on the firmware build, and ``unsit device install`` checks what a profile needs.
    """

    def __init__(self, machine, esp32=None):
        self._machine = machine
        self._esp32 = esp32
        self.pin = None
        self.wake_source = "timer"

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


class BleWatch:
    """``bluetooth.BLE()``, seen through: is the controller on, is a central connected, is
    it advertising.

    Everything is forwarded to ``ble``. ``active(flag)`` notes the controller's state (off:
    no connection, no advertising); ``irq(handler)`` installs a handler that notes
    ``_IRQ_CENTRAL_CONNECT`` / ``_IRQ_CENTRAL_DISCONNECT`` (MicroPython ``bluetooth`` docs,
    event codes 1 and 2; advertising stops when a central connects) and passes every event
    on; ``gap_advertise(interval_us, ...)`` notes the interval (``None``: stopped).
    """

    def __init__(self, ble):
        self._ble = ble
        self._handler = None
        self.on = False
        self.connections = 0
        self.adv_interval_us = None
        self.switches = 0           # controller on/off changes

    def active(self, *flag):
        if flag:
            on = bool(flag[0])
            result = self._ble.active(on)
            if on != self.on:
                self.switches += 1
            self.on = on
            if not on:
                self.connections = 0
                self.adv_interval_us = None
            return result
        return self._ble.active()

    def irq(self, handler):
        self._handler = handler
        self._ble.irq(self._irq)

    def _irq(self, event, data):
        if event == _IRQ_CENTRAL_CONNECT:
            self.connections += 1
            self.adv_interval_us = None
        elif event == _IRQ_CENTRAL_DISCONNECT and self.connections:
            self.connections -= 1
        if self._handler is not None:
            return self._handler(event, data)
        return None

    def gap_advertise(self, interval_us, *args, **kwargs):
        result = self._ble.gap_advertise(interval_us, *args, **kwargs)
        self.adv_interval_us = interval_us
        return result

    @property
    def connected(self):
        return self.connections > 0

    @property
    def advertising(self):
        return self.adv_interval_us is not None

    def __getattr__(self, name):
        return getattr(self._ble, name)


class RadioSwitch:
    """The board's say on the BLE controller, which the BLE task follows.

    ``wanted``: whether the controller should be on now; ``await changed()`` returns when
    the board asks for the other state (or repeats a request the controller has not
    followed yet); ``request(ms)`` keeps it on for ``ms`` (the pairing window), through
    ``on_request(ms)`` (the board's power policy). A board whose radio is always on (a
    bench board, the Pico W) uses ``RadioSwitch()`` as it is.
    """

    def __init__(self, wanted=True, on_request=None):
        self.wanted = wanted
        self._on_request = on_request
        self._event = asyncio.Event()  # set by the board's task, never from an IRQ

    def set(self, on, actual=None):
        """Ask for ``on``; ``actual`` (the controller's state) re-asks when they differ."""
        if on != self.wanted or (actual is not None and actual != on):
            self.wanted = on
            self._event.set()

    def request(self, ms):
        if self._on_request is not None:
            self._on_request(ms)
        self.set(True)

    async def changed(self):
        await self._event.wait()
        self._event.clear()


class HostWatch(io.IOBase):
    """A protocol stream that notes when the USB host last sent a byte (``last_rx_ms``, in
    ``ticks_ms``'s time: the board clock's, ``time.ticks_ms`` by default).

    Reads, writes and ``select.poll`` (``ioctl``) go to ``stream`` (``hw.usb_stream``).
    """

    def __init__(self, stream, ticks_ms=None):
        self._stream = stream
        self._ticks_ms = time.ticks_ms if ticks_ms is None else ticks_ms
        self.last_rx_ms = None

    def read(self, n=-1):
        data = self._stream.read(n)
        if data:
            self.last_rx_ms = self._ticks_ms()
        return data

    def readinto(self, buf):
        n = self._stream.readinto(buf)
        if n:
            self.last_rx_ms = self._ticks_ms()
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
