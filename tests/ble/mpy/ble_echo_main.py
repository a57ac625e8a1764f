"""Test firmware: the real BLE peripheral and secure session around an echo service.

Run by tests/ble under the ``micropython`` interpreter with the stand-in ``bluetooth``
module. Environment: ``UNSIT_KEYSTORE`` (key store path), ``UNSIT_DEVICE_ID`` (8 hex),
``UNSIT_WINDOW_MS`` (open the pairing window for this long at start; 0 = closed),
``UNSIT_HANDSHAKE_MS`` (how long a host may take to authenticate; default the firmware's).

Service: a message ``b"N" + u16 LE n`` is answered with n bytes (``i & 0xFF``); any other
message is answered with ``b"echo:" + message``. Prints ``@@READY`` once advertising, and
reports back-pressure (``@@ENOMEM n``, mpy/back_pressure.py).
"""

import asyncio
import os
import time

import back_pressure
import bluetooth
import cryptolib

from hw.ble_peripheral import HANDSHAKE_MS, BlePeripheral
from logic.pairing import KeyStore, PairingWindow
from logic.secure_session import DeviceSession


def answer(message):
    if message[:1] == b"N" and len(message) == 3:
        n = message[1] | (message[2] << 8)
        return bytes(i & 0xFF for i in range(n))
    return b"echo:" + message


async def serve(peripheral):
    while True:
        message = await peripheral.receive(1000)
        if message is None:
            continue
        try:
            await peripheral.send(answer(message))
        except Exception as error:  # the link went away: wait for the next host
            print("send failed", repr(error))


async def main():
    window_ms = int(os.getenv("UNSIT_WINDOW_MS") or "0")
    window = PairingWindow(window_ms or 1)
    if window_ms:
        window.open(time.ticks_ms())
    session = DeviceSession(os.getenv("UNSIT_DEVICE_ID"), KeyStore(os.getenv("UNSIT_KEYSTORE")),
                            window, lambda key: cryptolib.aes(key, 1), os.urandom)
    handshake_ms = int(os.getenv("UNSIT_HANDSHAKE_MS") or "0") or HANDSHAKE_MS
    peripheral = BlePeripheral(bluetooth.BLE(), os.getenv("UNSIT_DEVICE_ID"), session,
                               handshake_ms=handshake_ms)
    if window_ms:
        peripheral.pairing_window_opened()
    peripheral.start()
    print("@@READY")
    asyncio.create_task(serve(peripheral))
    asyncio.create_task(back_pressure.report(peripheral))
    await peripheral.run()


asyncio.run(main())
