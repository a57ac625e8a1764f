"""Accelerometer drivers under MicroPython: RAM each driver keeps, time per one-second read,
and what the board's light-sleep decision costs per wake.

Run: ``.venv/bin/python benchmarks/bench_drivers.py``. The chips are the register-level models
of tests/portable/chipmodels, so the time includes the model's own register emulation (on a
board the I2C transfer replaces it: 25 samples = 150-175 bytes, ~4 ms at 400 kHz); the RAM
figure is the driver's own (64-bit unix port: about twice a 32-bit board's).

The last lines time ``hw.boards.Board`` on the LIS3DH model with the stand-in MCU of
tests/portable/mcu_standin (its ``lightsleep`` returns at once with a second of samples in the
FIFO): the decision alone (``awake_reason()`` and the FIFO level), and a whole
``wait_samples()`` that ends in a light sleep, asyncio's yield included (every third also
waits 1 ms for FreeRTOS's idle task: those are left out of the figure).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "host"))

from unsit.lab.micropython_runner import run_micropython  # noqa: E402

SCRIPT = """
import gc, time
from array import array
from chipmodels.bus import Bus
from chipmodels.lis3dh import LIS3DHModel
from chipmodels.mpu6886 import MPU6886Model
from chipmodels.lsm6ds import LSM6DSModel, LSM6DSO_ID
from hw.lis3dh import LIS3DH
from hw.mpu6886 import MPU6886
from hw.lsm6ds import LSM6DS
ROUNDS = 200
for name, model, driver, extra in (
        ("LIS3DH", LIS3DHModel(0x18), LIS3DH, 0), ("MPU6886", MPU6886Model(0x68), MPU6886, 0),
        ("LSM6DSO", LSM6DSModel(0x6A, LSM6DSO_ID), LSM6DS, 0)):
    bus = Bus(model)
    imu = buf = None
    gc.collect()
    before = gc.mem_alloc()
    imu = driver(bus, model.address, rate_hz=25, watermark=25)
    gc.collect()
    kept = gc.mem_alloc() - before
    buf = array("h", [0] * 75)
    total = 0
    samples = 0
    for r in range(ROUNDS):
        for i in range(25 + extra):
            model.sample(i, -i, 1000)
        t = time.ticks_us()
        samples += imu.read_into(buf)
        total += time.ticks_diff(time.ticks_us(), t)
    # LSM6DS: 25 chip samples at 26 Hz give 24 or 25 at 25 Hz
    print("%-8s driver RAM %5d B   read_into(25 samples) %6.1f us   samples %d"
          % (name, kept, total / ROUNDS, samples))

import asyncio
from hw.board_io import LightSleep
from hw.boards import Board
from mcu_standin import Esp32, Pin

class Instant:
    # lightsleep: a FIFO period passes at once
    def __init__(self, chip):
        self.chip = chip
        self.us = 0      # spent in the chip model: not the board's
    def lightsleep(self, ms):
        t = time.ticks_us()
        for i in range(25):
            self.chip.sample(i, 0, 1000)
        self.us += time.ticks_diff(time.ticks_us(), t)

chip = LIS3DHModel(0x18)
imu = LIS3DH(Bus(chip), 0x18, rate_hz=25, watermark=25)
mcu = Instant(chip)
board = Board("bench", "0", imu, None, None, None, "/tmp", int_pin=Pin(chip.int1),
              sleeper=LightSleep(mcu, Esp32()), boot_awake_ms=0, discovery=(0, 0))
buf = array("h", [0] * 96)
t = time.ticks_us()
for r in range(ROUNDS):
    board.awake_reason()
    board._until_watermark_ms()
print("sleep decision (awake_reason + FIFO level)   %6.1f us a wake"
      % (time.ticks_diff(time.ticks_us(), t) / ROUNDS))

async def waits():
    total = 0
    timed = 0
    for r in range(ROUNDS):
        yields = board.waits % 3 == 2
        before = mcu.us
        t = time.ticks_us()
        await board.wait_samples()
        if not yields:
            total += time.ticks_diff(time.ticks_us(), t) - (mcu.us - before)
            timed += 1
        imu.read_into(buf)
    return total / timed

per_wake = asyncio.run(waits())
print("wait_samples ending in a light sleep         %6.1f us a wake   (%d of %d slept)"
      % (per_wake, board.sleeps, board.waits))
"""


def main() -> None:
    done = run_micropython(
        ["-c", SCRIPT], path=[ROOT / "firmware", ROOT / "tests" / "portable"], timeout=300
    )
    print(done.stdout.decode(), done.stderr.decode(), end="")


if __name__ == "__main__":
    main()
