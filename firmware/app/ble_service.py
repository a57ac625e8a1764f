"""The sync protocol over Bluetooth LE: the protocol service behind the BLE peripheral.

``BleService(device)`` builds the peripheral (``hw.ble_peripheral``) on ``board.ble`` with a
secure session whose key store is ``keys.bin`` in ``board.storage_dir``; ``await run()``
serves until cancelled: each message from an authenticated host is answered by the same
transport-free ``app.service.Service.handle`` the USB port uses. The wearer's gesture calls
``open_pairing_window()``; a factory reset calls ``forget_all()``. Pairing over USB arrives
as the protocol's PAIR command, which ``app.service`` hands to ``pair_over_usb`` (refused
when it comes over BLE: there the session's own pairing, inside the window, applies).
"""

import os
import time

import asyncio

from app.service import Service
from logic import protocol
from hw.ble_peripheral import BlePeripheral, LinkClosed
from logic.pairing import KeyStore, PairingWindow
from logic.secure_session import ERROR, DeviceSession

try:
    from micropython import const
except ImportError:
    def const(x):
        return x

_WAIT_MS = const(5000)
KEYS_FILE = "keys.bin"


class _NoStream:
    """Service wants a port; over BLE messages arrive already whole, so it never reads one."""

    def read_nowait(self, buf):
        return 0

    def write(self, data):
        raise OSError("the BLE service answers through the peripheral")


def _aes_ecb(key):
    import cryptolib

    return cryptolib.aes(key, 1)


class BleService:
    def __init__(self, device):
        board = device.board
        self.device = device
        self.window = PairingWindow()
        self.keys = KeyStore(board.storage_dir + "/" + KEYS_FILE)
        self.session = DeviceSession(board.device_id, self.keys, self.window, _aes_ecb,
                                     os.urandom)
        self.peripheral = BlePeripheral(board.ble, board.device_id, self.session)
        self.service = Service(device, _NoStream())

    def open_pairing_window(self):
        self.window.open(time.ticks_ms())  # the peripheral checks it against ticks_ms too
        self.peripheral.pairing_window_opened()

    def forget_all(self):
        self.keys.forget()

    def pair_over_usb(self, record):
        """The PAIRED record answering a PAIR record that came over USB (protocol PAIR).

        No pairing window needed: the cable is the wearer's consent. The key agreement blocks
        the loop for a moment (seconds on a small MCU); pairing is rare.
        """
        board = self.device.board
        usb = DeviceSession(board.device_id, self.keys, self.window, _aes_ecb, os.urandom)
        reply, _ = usb.on_record(record, time.ticks_ms(), True)
        if reply[0] == ERROR:
            raise protocol.ProtocolError(protocol.MALFORMED)
        return reply

    async def run(self):
        self.peripheral.start()
        link = asyncio.create_task(self.peripheral.run())
        try:
            while True:
                message = await self.peripheral.receive(_WAIT_MS)
                if message is None:
                    continue
                if message[:1] == bytes((protocol.PAIR,)):  # pairing over BLE is the session's job
                    reply = protocol.pack_response(protocol.PAIR, message[1] if len(message) > 1
                                                   else 0, protocol.NOT_ALLOWED)
                else:
                    reply = self.service.handle(message)
                try:
                    await self.peripheral.send(reply)
                except LinkClosed:
                    pass  # the host went away; the peripheral is advertising again
        finally:
            link.cancel()
