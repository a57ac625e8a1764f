"""The real firmware for the security tests: the protocol service on a pty
(tests/mpy_device/serve_log.py) under the 32-bit board-grade MicroPython when it has been
built (tools/board_micropython.py, ``.board-mpy/``), else the unix port from PyPI."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from unsit.lab.micropython_runner import micropython_command, micropython_env

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
MPY_DEVICE = ROOT / "tests" / "mpy_device"
PORTABLE = ROOT / "tests" / "portable"     # app_parts.py: the shared stand-ins
BOARD_MPY = ROOT / ".board-mpy" / "bin" / "micropython32"


def interpreter_command(args: list[str]) -> list[str]:
    command = micropython_command(args)
    if BOARD_MPY.exists():
        command[0] = str(BOARD_MPY)
    return command


class Clip:
    """One run of serve_log.py holding the pty master ``fd`` (``options``: minutes, start,
    id, segment, budget as serve_log.py takes them); its flash is ``storage``."""

    def __init__(self, storage: Path, fd: int, **options: object) -> None:
        args = [str(MPY_DEVICE / "serve_log.py"), str(fd), str(storage)]
        args += [f"{key}={value}" for key, value in options.items()]
        self.process = subprocess.Popen(
            interpreter_command(args), env=micropython_env([FIRMWARE, MPY_DEVICE, PORTABLE]),
            pass_fds=[fd], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        os.close(fd)
        self._after: list[Callable[[], None]] = []
        line = self.process.stderr.readline().decode(errors="replace")  # type: ignore[union-attr]
        if not line.startswith("READY"):
            rest = self.process.stderr.read().decode(errors="replace")  # type: ignore[union-attr]
            self.process.kill()
            raise RuntimeError(f"the clip did not start: {line}{rest}")

    def on_stop(self, action: Callable[[], None]) -> None:
        self._after.append(action)

    def stop(self) -> None:
        for action in self._after:
            action()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()
