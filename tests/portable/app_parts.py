"""The one test double for what the protocol services use (both interpreters).

``Parts`` holds the collaborators ``app.service.Service`` and ``app.ble_service.BleService``
receive (docs/architecture.md, "The device app"): the real ``FlashLog`` and ``Settings`` on a
stand-in ``Clock`` and ``Board``, with ``status``, ``feel`` and ``settings_changed`` that
record what they were asked. ``service(port)`` and ``ble_service()`` build the real services
on them, as ``app.device.Device`` does on a clip. Used by the in-process tests
(tests/portable) and by the test firmware scripts under MicroPython (pty, USB and BLE).
"""

import time

from app.service import Service
from logic.flashlog import FlashLog
from logic.localtime import device_seconds
from logic.settings import Settings


class Clock:
    """Board time in ``ms`` (moved by the test), or following the wall clock from
    ``follow_real()`` on; UTC once set (``start`` or ``set_time``)."""

    def __init__(self, ms=0, start=None):
        self.ms = ms
        self._real_from = None
        self._utc0_ms = None
        if start is not None:
            self.set_time(start)

    def follow_real(self):
        self._real_from = time.ticks_ms()

    def ticks_ms(self):
        if self._real_from is None:
            return self.ms
        return self.ms + time.ticks_diff(time.ticks_ms(), self._real_from)

    def time(self):
        if self._utc0_ms is None:
            return None
        return (self._utc0_ms + self.ticks_ms()) // 1000

    def seconds(self):
        return device_seconds(self.time())

    def set_time(self, utc_s):
        self._utc0_ms = utc_s * 1000 - self.ticks_ms()


class Board:
    """The device information the services read, and for BLE the radio and storage."""

    def __init__(self, device_id="5157a1e0", name="test board", battery_mv=3950,
                 charging=True, storage_dir=None, ble=None, radio=None, button=None):
        self.device_id = device_id
        self.name = name
        self._battery_mv = battery_mv
        self._charging = charging
        self.storage_dir = storage_dir
        self.ble = ble
        self.radio = radio
        self.button = button

    def battery_mv(self):
        return self._battery_mv

    def charging(self):
        return self._charging


class Parts:
    """The clip's parts as its services see them; ``log_options`` go to ``FlashLog``."""

    def __init__(self, log_dir, clock=None, board=None, state=(1, 42, 0), **log_options):
        self.clock = Clock() if clock is None else clock
        self.board = Board() if board is None else board
        self.log = FlashLog(log_dir, self.clock, **log_options)
        self.settings = Settings()
        self.state = state          # (state, minutes sat, snooze minutes left) for STATUS
        self.broken = False         # status() raises, as a failing part would
        self.felt = []              # patterns asked for
        self.changed = []           # setting ids changed through the protocol
        self.keys = None            # the pairing keys (a BleService, or a stand-in)

    def status(self):
        if self.broken:
            raise OSError(5)
        return self.state

    def feel(self, pattern):
        self.felt.append(pattern)

    def settings_changed(self, setting_id):
        self.changed.append(setting_id)

    def service(self, port=None):
        """The protocol service on ``port`` (None: answered through ``handle`` only)."""
        return Service(port, self.log, self.settings, self.clock, self.board, self.status,
                       self.feel, self.keys, self.settings_changed)

    def ble_service(self):
        """The BLE service on ``board`` (which needs ``ble``, ``radio``, ``storage_dir``); it
        holds the pairing keys of the services built after it."""
        from app.ble_service import BleService

        self.keys = BleService(self.board, self.log, self.feel)
        return self.keys
