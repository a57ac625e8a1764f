"""Test firmware: the real device app (``app.device.run``) with Bluetooth LE and a USB port.

The bench clip of tests/ble/mpy/still_board.py (a clip lying still, the motor's pulses
written to ``UNSIT_MOTOR_LOG`` as ``on PERCENT``, the reset cause from ``UNSIT_RESET``), plus
the USB port: ``UNSIT_SERIAL_FD`` is an inherited pty the app's protocol service answers on,
where PAIR and FORGET_ALL (the cable's commands) work.
"""

import os

import asyncio

from app import device
from still_board import StillBoard


class Board(StillBoard):
    name = "security test board"

    def __init__(self):
        super().__init__()
        fd = os.getenv("UNSIT_SERIAL_FD")
        self.serial = open(int(fd), "r+b") if fd else None


asyncio.run(device.run(Board()))
