"""When the clip may light-sleep and when its Bluetooth LE controller is on: a pure policy.

No clock, no hardware: every call is handed ``now`` (``time.ticks_ms()`` on the board, any
counter in tests), so the policy runs on virtual time under CPython and MicroPython alike.
Ticks wrap as MicroPython's do (``TICKS_PERIOD``, 2**30 ms: 12.4 days) and every deadline is
brought up to date at each ``update``, so none can look like the future again after a wrap.

The controller is on only while it is needed (docs/power.md, "Bluetooth only in windows"):
while a host is connected, in the pairing window (``radio_for``), in a discovery window
(``discovery = (every_ms, window_ms)``, every 0: none), on USB power, and in the first
``boot_awake_ms`` after a start. While it is on the board stays awake: light sleep with
the controller enabled corrupts its state on the ESP32 family (esp-idf issue 11315), so
``sleep_allowed`` is False whenever ``radio`` is True on a board whose radio is part of the
MCU (``radio_in_mcu``). The Pico W's radio chip advertises on its own: there the controller
stays on and the MCU sleeps.

``update(now, ...)`` sets ``reason`` (why the MCU must stay awake, a short name, or ``None``)
and ``radio`` (whether the controller should be on). Reasons, the first that applies:
``asked`` (``keep_awake``), ``boot``, ``usb power``, ``usb host`` (a byte from the USB host in
the last ``host_quiet_ms``: ``host_byte``), ``ble link``, ``pairing``, ``discovery``,
``button`` (held), ``pattern`` (a vibration step is being timed).
"""

from logic.compat import const

TICKS_PERIOD = const(1 << 30)
_TICKS_MAX = const((1 << 30) - 1)
_TICKS_HALF = const(1 << 29)

BOOT_AWAKE_MS = 120000          # awake and findable after start: a host can reach the REPL or sync
HOST_QUIET_MS = 60000           # awake this long after the USB host's last byte
DISCOVERY_EVERY_MS = 300000     # a discovery window this often (radio inside the MCU)...
DISCOVERY_MS = 1500             # ...this long: the controller's start, then ~6 advertising
                                # events (logic.ble_ids.ADV_SLOW_US, 211.25 ms)


# Both stay within 31-bit small ints (no long int, so no allocation on a 32-bit port).


def ticks_add(a, b):
    """``a + b`` in ticks (``b`` >= 0), as MicroPython's ``time.ticks_add``."""
    if a > _TICKS_MAX - b:
        return a - (_TICKS_MAX - b) - 1
    return a + b


def ticks_diff(a, b):
    """``a - b`` in ticks, as MicroPython's ``time.ticks_diff`` (valid within half a period)."""
    d = a - b
    if d >= _TICKS_HALF:
        return d - _TICKS_HALF - _TICKS_HALF
    if d < -_TICKS_HALF:
        return d + _TICKS_HALF + _TICKS_HALF
    return d


def _still(until, now):
    if until is not None and ticks_diff(until, now) > 0:
        return until
    return None


class PowerPolicy:
    def __init__(self, now, radio_in_mcu=True, boot_awake_ms=BOOT_AWAKE_MS,
                 host_quiet_ms=HOST_QUIET_MS, discovery=(DISCOVERY_EVERY_MS, DISCOVERY_MS)):
        now &= _TICKS_MAX
        self.radio_in_mcu = radio_in_mcu
        self._host_quiet_ms = host_quiet_ms
        self._every_ms, self._window_ms = discovery
        self._boot_until = ticks_add(now, boot_awake_ms) if boot_awake_ms > 0 else None
        self._awake_until = None
        self._host_until = None
        self._radio_until = None
        self._window_until = None
        # windows only where the radio stops with the MCU (elsewhere it is always on)
        windows = self._every_ms > 0 and radio_in_mcu
        self._next_window = ticks_add(now, self._every_ms) if windows else None
        self.windows = 0            # discovery windows opened
        self.reason = "boot" if self._boot_until is not None else None
        self.radio = not radio_in_mcu or self._boot_until is not None

    def keep_awake(self, now, ms):
        """Stay awake (radio as it is) for ``ms`` from ``now``."""
        self._awake_until = self._later(self._awake_until, ticks_add(now, ms), now)

    def radio_for(self, now, ms):
        """Controller on (and awake) for ``ms`` from ``now``: the pairing window."""
        self._radio_until = self._later(self._radio_until, ticks_add(now, ms), now)

    def host_byte(self, at):
        """The USB host sent a byte at tick ``at``."""
        self._host_until = ticks_add(at, self._host_quiet_ms)

    @staticmethod
    def _later(old, new, now):
        if old is None or ticks_diff(new, now) > ticks_diff(old, now):
            return new
        return old

    @property
    def sleep_allowed(self):
        return self.reason is None and not (self.radio and self.radio_in_mcu)

    def update(self, now, charging=False, connected=False, button=False, pattern=False):
        """Decide ``reason`` and ``radio`` for ``now``; returns ``sleep_allowed``."""
        now &= _TICKS_MAX
        # (deadlines are mostly None: test before calling, this runs at every wake)
        if self._awake_until is not None:
            self._awake_until = _still(self._awake_until, now)
        if self._boot_until is not None:
            self._boot_until = _still(self._boot_until, now)
        if self._host_until is not None:
            self._host_until = _still(self._host_until, now)
        if self._radio_until is not None:
            self._radio_until = _still(self._radio_until, now)
        window = self._discovery(now)
        if self._awake_until is not None:
            reason = "asked"
        elif self._boot_until is not None:
            reason = "boot"
        elif charging:
            reason = "usb power"
        elif self._host_until is not None:
            reason = "usb host"
        elif connected:
            reason = "ble link"
        elif self._radio_until is not None:
            reason = "pairing"
        elif window:
            reason = "discovery"
        elif button:
            reason = "button"
        elif pattern:
            reason = "pattern"
        else:
            reason = None
        self.reason = reason
        self.radio = (not self.radio_in_mcu or connected or charging or window
                      or self._boot_until is not None or self._radio_until is not None)
        return self.sleep_allowed

    def _discovery(self, now):
        if self._window_until is not None:
            self._window_until = _still(self._window_until, now)
        nxt = self._next_window
        if nxt is None:
            return False
        if ticks_diff(now, nxt) >= 0:
            # A board that slept past the due time opens the window now and schedules the
            # next from here, so windows never bunch up.
            self._next_window = ticks_add(now, self._every_ms)
            self._window_until = ticks_add(now, self._window_ms)
            self.windows += 1
        return self._window_until is not None
