"""Test firmware: the real device app (``app.device.run``) on a board with Bluetooth LE.

Everything above the board is the firmware as on a clip: the app's tasks, the protocol
service and ``app.ble_service.BleService`` with its pairing gesture. The board follows the
board contract (docs/architecture.md, "The board") in real time: the accelerometer is a clip
lying still (a FIFO of 25 samples a second), the motor logs its pulses, the button is
``button_pin.FilePin``. Environment as ble_echo_main.py, plus ``UNSIT_STORAGE`` (the flash
folder), ``UNSIT_RESET`` (the reset cause reported, an ``events.RESET_*`` code) and
``UNSIT_BUTTON`` (the button's level file; absent = a board without a button) and
``UNSIT_MOTOR_LOG`` (a file the motor's pulses are written to).
"""

import os

import asyncio

from app import device
from button_pin import FilePin
from still_board import StillBoard


class Board(StillBoard):
    name = "BLE test board"

    def __init__(self):
        super().__init__()
        button = os.getenv("UNSIT_BUTTON")
        self.button = FilePin(button) if button else None


asyncio.run(device.run(Board()))
