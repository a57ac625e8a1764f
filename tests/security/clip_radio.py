"""The clip's radio for the Bluetooth attack tests: the real ``bluetooth`` module over NimBLE
under the board-grade 32-bit build when it is built (tests/ble/nimble_world.py), else the
unix port with the project's stand-in ``bluetooth`` bridged to bumble (tests/ble/ble_world.py).
Either way the laptop is the host's own code on bleak over the same bumble link."""

from __future__ import annotations

import asyncio
from pathlib import Path

from ble_world import BleWorld
from nimble_world import NimbleWorld


class ClipRadio:
    """The NimBLE world on ``interpreter`` (the board-grade build), or the stand-in world when
    it is None; either is started the same way: ``script`` (a test firmware of tests/ble/mpy,
    or an absolute path) with the echo firmware's environment (``keystore``, ``window_ms``,
    ``handshake_ms``) plus ``extra_env``."""

    def __init__(self, tmp: Path, interpreter: Path | None) -> None:
        self.nimble = None if interpreter is None else NimbleWorld(tmp, interpreter)
        self.standin = BleWorld(tmp) if interpreter is None else None
        world = self.nimble or self.standin
        assert world is not None
        self.central = world.central
        self.keystore = tmp / "device-keys.bin"
        self.stack = "stand-in (unix port)" if interpreter is None else "NimBLE (micropython32)"

    async def start_firmware(self, script: str = "ble_echo_main.py", window_ms: int = 0,
                             handshake_ms: int = 0, extra_env: dict[str, str] | None = None,
                             pass_fds: tuple[int, ...] = ()) -> None:
        """Start (or restart) the firmware; returns once it advertises."""
        if self.nimble is not None:
            env = {"UNSIT_KEYSTORE": str(self.keystore), "UNSIT_WINDOW_MS": str(window_ms),
                   "UNSIT_HANDSHAKE_MS": str(handshake_ms), **(extra_env or {})}
            await self.nimble.start_firmware(script, extra_env=env, pass_fds=pass_fds)
        else:
            assert self.standin is not None
            await self.standin.start_firmware(window_ms=window_ms, script=script,
                                              extra_env=extra_env, pass_fds=pass_fds,
                                              handshake_ms=handshake_ms)

    async def wait_advertising(self, timeout: float = 5) -> None:
        """Until the clip advertises (again)."""
        if self.nimble is not None:
            await self.nimble.wait_advertising(timeout)
        else:
            assert self.standin is not None and self.standin.bridge is not None
            await asyncio.wait_for(self.standin.bridge.advertising.wait(), timeout)

    @property
    def output(self) -> list[str]:
        world = self.nimble or self.standin
        assert world is not None
        return world.output

    async def stop_firmware(self) -> None:
        world = self.nimble or self.standin
        assert world is not None
        await world.stop_firmware()
