"""One firmware process under MicroPython for the BLE test worlds (ble_world.py on the unix
port's stand-in radio, nimble_world.py on NimBLE): started, its output collected line by line
as it comes (``output``, kept across restarts unless cleared), and stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class FirmwareProcess:
    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.output: list[str] = []
        self.pump: asyncio.Task[None] | None = None    # reads the output; done when it ends

    async def start(self, command: list[str], env: dict[str, str],
                    pass_fds: tuple[int, ...] = (),
                    preexec_fn: Callable[[], object] | None = None) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *command, env=env, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT, pass_fds=pass_fds, preexec_fn=preexec_fn)
        self.pump = asyncio.create_task(self._read_output(self.process))

    async def _read_output(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            self.output.append(line.decode(errors="replace"))

    async def stop(self) -> None:
        # The process first: with its pty closed it would spin at 100 % CPU.
        if self.process is not None and self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self.pump is not None:
            await asyncio.wait_for(self.pump, 5)
            self.pump = None

    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None
