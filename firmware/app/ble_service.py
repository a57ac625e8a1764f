"""The sync protocol over Bluetooth LE: the protocol service behind the BLE peripheral.

``BleService(board, log, feel)`` builds the peripheral (``hw.ble_peripheral``) on
``board.ble`` (with ``board.device_id``) with a secure session whose key store is ``keys.bin``
in ``board.storage_dir``; key changes go to ``log`` and are felt through ``feel(pattern)``.
``await run(handle)`` serves until cancelled: each message from an authenticated host is
answered by ``handle(message, peer)`` (the transport-free ``app.service.Service.handle`` the
USB port uses), told which host sent it (so PAIR and FORGET_ALL, which need the cable, are
refused, and FORGET may drop only that host's own key). The service holds no reference back:
the app (``app.device``) builds both and gives each what it uses.

The BLE controller is on only when the board wants it (``board.radio``, docs/power.md):
``follow_radio`` switches the peripheral on and off as it asks, and the pairing window asks
for it for the window's length.

The wearer's pairing gesture (docs/ble.md) opens the window: ``at_boot(reset_cause)`` opens
it for ``BOOT_WINDOW_MS`` when the clip was switched on and holds no key yet (the app calls it
once per boot; once a computer is paired only the button opens it, so nobody nearby can pair
in a window the wearer did not ask for), and on boards with a button (``board.button``: a
``machine.Pin`` input, 0 while pressed, or None)
holding it for ``LONG_PRESS_MS`` opens it for ``WINDOW_MS``. The button's IRQ (MicroPython
``Pin.irq``, falling edge) only sets a flag; the level is then polled every
``_BUTTON_POLL_MS`` only while the button is down. ``forget_host``/``forget_all`` remove keys;
pairing over USB arrives as the protocol's PAIR command (``pair_over_usb``).

Every key change is written to the activity log at once (flushed: pairing is rare and the
trail must survive a reset), so the wearer can see who paired and when: ``events.PAIRED``
(a: host id prefix, b: ``PAIRED_USB``/``PAIRED_BLE``) when a key is stored, and
``events.FORGOTTEN`` (a: host id prefix, or 0 for all, b: keys left) when keys are removed,
each followed by ``HOST_ID_HIGH``/``HOST_ID_LOW`` with the whole host id. A new key and a
factory reset are also felt (``patterns.KEY_CHANGED``), whatever link asked for them.
A session whose key was removed does not outlive it: after answering the FORGET that
removed its own key the clip ends the connection itself (``_CLOSE_AFTER_MS`` later, so the
answer is on air first), and a FORGET or FORGET_ALL over USB ends a BLE session of a removed
key at once.
"""

import os
import time

import asyncio

from hw.ble_peripheral import BlePeripheral, LinkClosed
from logic import events, patterns, protocol
from logic.pairing import BOOT_WINDOW_MS, WINDOW_MS, KeyStore, LongPress, PairingWindow, opens_at_boot
from logic.secure_session import ERROR, DeviceSession

from logic.compat import const

_WAIT_MS = const(5000)
_BUTTON_POLL_MS = const(50)
_CLOSE_AFTER_MS = const(200)  # many connection intervals (7.5-100 ms): the reply is sent
KEYS_FILE = "keys.bin"


def _aes_ecb(key):
    import cryptolib

    return cryptolib.aes(key, 1)


def host_prefix(host_id):
    """The first 2 bytes of a host id as a u16, big-endian: ``"%04x"`` of it starts the hex id."""
    return (host_id[0] << 8) | host_id[1]


class _LoggedKeys:
    """The key store as one kind of session sees it: each key it stores is logged as PAIRED.

    A ``DeviceSession`` stores keys through ``add`` and looks them up with ``key_for``.
    """

    def __init__(self, service, how):
        self._service = service
        self._how = how

    def key_for(self, host_id):
        return self._service.keys.key_for(host_id)

    def entries(self):
        return self._service.keys.entries()

    def add(self, host_id, key):
        self._service.keys.add(host_id, key)
        self._service.log_key_change(events.PAIRED, host_id, self._how)
        self._service.feel(patterns.KEY_CHANGED)


class BleService:
    def __init__(self, board, log, feel):
        self.board = board
        self.log = log
        self.feel = feel
        self.window = PairingWindow()
        self.keys = KeyStore(board.storage_dir + "/" + KEYS_FILE)
        self._serving = False  # True while a message from the BLE host is being answered
        self.session = DeviceSession(board.device_id, _LoggedKeys(self, events.PAIRED_BLE),
                                     self.window, _aes_ecb, os.urandom)
        self.peripheral = BlePeripheral(board.ble, board.device_id, self.session)

    def open_pairing_window(self, duration_ms=None):
        """Let one host pair over the air for ``duration_ms`` (default ``WINDOW_MS``)."""
        self.window.open(time.ticks_ms(), duration_ms)  # the peripheral checks ticks_ms too
        # the controller is on for the whole window (it may be off between windows)
        self.board.radio.request(WINDOW_MS if duration_ms is None else duration_ms)
        self.peripheral.pairing_window_opened()
        self.feel(patterns.PAIRING_OPEN)  # the wearer feels that the gesture worked

    def at_boot(self, reset_cause):
        """The clip has just started: switching it on is the pairing gesture every build has.

        Returns whether the window was opened. Call once per boot, not when the BLE task is
        restarted after a fault.
        """
        if not opens_at_boot(reset_cause) or len(self.keys):
            return False
        self.open_pairing_window(BOOT_WINDOW_MS)
        return True

    def log_key_change(self, kind, host_id, b):
        """Write a PAIRED or FORGOTTEN event about ``host_id`` (None: every key) with the
        whole id after it, and flush: the audit trail survives a reset."""
        log = self.log
        if host_id is None:
            log.append_event(kind, 0, b)
        else:
            log.append_event(kind, host_prefix(host_id), b)
            log.append_event(events.HOST_ID_HIGH, host_prefix(host_id), host_prefix(host_id[2:]))
            log.append_event(events.HOST_ID_LOW, host_prefix(host_id[4:]),
                             host_prefix(host_id[6:]))
        log.flush()

    def forget_host(self, host_id):
        """Drop one host's key (protocol FORGET); True if the clip held it."""
        if not self.keys.forget(host_id):
            return False
        self.log_key_change(events.FORGOTTEN, host_id, len(self.keys))
        self._end_revoked_session()
        return True

    def forget_all(self):
        """Factory reset of the pairings: drop every host's key; returns how many there were."""
        removed = self.keys.forget()
        if removed:
            self.log_key_change(events.FORGOTTEN, None, len(self.keys))
            self._end_revoked_session()
        self.feel(patterns.KEY_CHANGED)  # felt even when there was nothing to drop
        return removed

    def _revoked(self):
        """True when the BLE session is open with a key the clip no longer holds."""
        host_id = self.session.host_id
        return host_id is not None and self.keys.key_for(host_id) is None

    def _end_revoked_session(self):
        # A request over BLE is answered first (run() ends the link after the reply); one
        # over USB that removed the BLE host's key ends that session now.
        if not self._serving and self._revoked():
            self.peripheral.disconnect()

    def key_count(self):
        return len(self.keys)

    def pair_over_usb(self, record):
        """The PAIRED record answering a PAIR record that came over USB (protocol PAIR).

        No pairing window needed: the cable is the wearer's consent. The key agreement blocks
        the loop for a moment (seconds on a small MCU); pairing is rare.
        """
        board = self.board
        usb = DeviceSession(board.device_id, _LoggedKeys(self, events.PAIRED_USB), self.window,
                            _aes_ecb, os.urandom)
        reply, _ = usb.on_record(record, time.ticks_ms(), True)
        if reply[0] == ERROR:
            raise protocol.ProtocolError(protocol.MALFORMED)
        return reply

    async def watch_button(self, button):
        """Open the window when ``button`` (a ``machine.Pin``, 0 = pressed) is held down."""
        pressed = asyncio.ThreadSafeFlag()
        button.irq(lambda pin: pressed.set(), trigger=button.IRQ_FALLING)  # IRQ: flag only
        press = LongPress()
        while True:
            await pressed.wait()
            while True:
                down = button.value() == 0
                if press.update(down, time.ticks_ms()):
                    self.open_pairing_window()
                if not down:
                    break
                await asyncio.sleep_ms(_BUTTON_POLL_MS)

    async def follow_radio(self, radio):
        """Switch the controller as ``radio`` (``board.radio``) asks, for as long as it runs."""
        while True:
            self.peripheral.power(radio.wanted)
            await radio.changed()

    async def run(self, handle):
        """Serve until cancelled, each message answered by ``handle(message, peer)``."""
        board = self.board
        tasks = [asyncio.create_task(self.peripheral.run()),
                 asyncio.create_task(self.follow_radio(board.radio))]
        button = board.button
        if button is not None:
            tasks.append(asyncio.create_task(self.watch_button(button)))
        try:
            while True:
                message = await self.peripheral.receive(_WAIT_MS)
                link = self.peripheral.link
                # Let an unused window lapse now, before ticks_ms wraps (2**30 ms) onto it.
                self.window.is_open(time.ticks_ms())
                if message is None:
                    continue
                # The authenticated sender; never None here (messages come only after WELCOME).
                peer = self.session.host_id or b""
                self._serving = True
                try:
                    reply = handle(message, peer)
                finally:
                    self._serving = False
                try:
                    await self.peripheral.send(reply, link)
                except LinkClosed:
                    continue  # the host went away; the peripheral is advertising again
                if self._revoked():  # it made the clip forget its own key: end the session
                    await asyncio.sleep_ms(_CLOSE_AFTER_MS)
                    if self._revoked():  # still that session (not already gone)
                        self.peripheral.disconnect()
        finally:
            for task in tasks:
                task.cancel()
