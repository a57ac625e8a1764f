"""The BLE test world: a bumble link, the central behind bleak, the firmware under MicroPython.

Used by the fixtures in conftest.py and by benchmarks/bench_ble.py. :func:`use_bumble_for_bleak`
points bleak's platform backend lookup at ``bleak_bumble`` so ``BleakScanner()`` and
``BleakClient(address)`` in ``unsit.links.ble`` run over the link unmodified.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import bleak
from bumble.link import LocalLink

from ble_bridge import PeripheralBridge
from ble_link import CENTRAL_ADDRESS, make_device
from bleak_bumble import BumbleClient, BumbleScanner, use_central
from firmware_process import FirmwareProcess
from unsit.lab.micropython_runner import micropython_command, micropython_env

HERE = Path(__file__).resolve().parent
FIRMWARE = HERE.parents[1] / "firmware"
MPY = HERE / "mpy"
PORTABLE = HERE.parent / "portable"   # app_parts.py: the shared stand-ins
# The stand-in radio lives apart: on the board-grade build (nimble_world.py) the real built-in
# ``bluetooth`` must not be shadowed by it (a module file on the path wins over a built-in).
STANDIN = MPY / "standin"
DEVICE_ID = "0a1b2c3d"


class BleWorld:
    """The link, the central behind bleak, and (once started) one firmware process."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.link = LocalLink()
        self.central = make_device(self.link, "central", CENTRAL_ADDRESS, scanner=True)
        self.bridge: PeripheralBridge | None = None
        self.firmware = FirmwareProcess()
        self.keystore = tmp / "device-keys.bin"

    @property
    def output(self) -> list[str]:
        return self.firmware.output

    async def start_firmware(self, window_ms: int = 0, notify_capacity: int = 8,
                             notify_interval_s: float = 0.0,
                             script: str = "ble_echo_main.py",
                             extra_env: dict[str, str] | None = None,
                             pass_fds: tuple[int, ...] = (),
                             handshake_ms: int = 0) -> PeripheralBridge:
        """Start (or restart) the firmware; returns once it advertises."""
        await self.stop_firmware()
        self.bridge = PeripheralBridge(self.link, notify_capacity,
                                       notify_interval_s=notify_interval_s)
        port = await self.bridge.start()
        env = micropython_env([FIRMWARE, STANDIN, MPY, PORTABLE])
        env.update(UNSIT_BLE_BRIDGE_PORT=str(port), UNSIT_KEYSTORE=str(self.keystore),
                   UNSIT_DEVICE_ID=DEVICE_ID, UNSIT_WINDOW_MS=str(window_ms),
                   UNSIT_HANDSHAKE_MS=str(handshake_ms), **(extra_env or {}))
        await self.firmware.start(micropython_command([str(MPY / script)], heapsize="1M"),
                                  env, pass_fds)
        assert self.firmware.pump is not None
        advertising = asyncio.create_task(self.bridge.advertising.wait())
        await asyncio.wait([advertising, self.firmware.pump], timeout=60,
                           return_when=asyncio.FIRST_COMPLETED)
        if not advertising.done():
            advertising.cancel()
            raise AssertionError("firmware did not advertise:\n" + "".join(self.output))
        return self.bridge

    async def stop_firmware(self) -> None:
        await self.firmware.stop()
        if self.bridge is not None:
            await self.bridge.stop()
            self.bridge = None

    def firmware_alive(self) -> bool:
        return self.firmware.alive()


def use_bumble_for_bleak(setattr=setattr) -> None:
    """Make bleak build bumble-backed scanners and clients (``setattr`` may be monkeypatch's)."""
    setattr(bleak, "get_platform_scanner_backend_type", lambda: (BumbleScanner, "bumble"))
    setattr(bleak, "get_platform_client_backend_type", lambda: (BumbleClient, "bumble"))


World = TypeVar("World")


@asynccontextmanager
async def world_in_use(make: Callable[[], World], tmp: Path, monkeypatch: Any
                       ) -> AsyncIterator[World]:
    """The fixtures' common part: bleak on bumble, the host's keys in ``tmp``, the world that
    ``make()`` builds with its central powered on; on the way out the firmware is stopped
    (its output printed when ``UNSIT_BLE_DEBUG`` is set)."""
    use_bumble_for_bleak(monkeypatch.setattr)
    monkeypatch.setenv("UNSIT_KEYS", str(tmp / "host-keys.json"))
    world: Any = make()
    await world.central.power_on()
    use_central(world.central)
    try:
        yield world
    finally:
        use_central(None)
        await world.stop_firmware()
        await world.central.power_off()
        if os.environ.get("UNSIT_BLE_DEBUG"):
            print("".join(world.output))
