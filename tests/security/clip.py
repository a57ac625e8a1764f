"""The real firmware for the security tests: the protocol service on a pty
(tests/mpy_device/serve_log.py) under the 32-bit board-grade MicroPython when it has been
built (tools/board_micropython.py, ``.board-mpy/``), else the unix port from PyPI."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sync_device import MpyDevice

from unsit.lab.micropython_runner import micropython_command

ROOT = Path(__file__).resolve().parents[2]
BOARD_MPY = ROOT / ".board-mpy" / "bin" / "micropython32"


def interpreter_command(args: list[str]) -> list[str]:
    command = micropython_command(args)
    if BOARD_MPY.exists():
        command[0] = str(BOARD_MPY)
    return command


class Clip(MpyDevice):
    """One run of serve_log.py on the most board-like interpreter here, holding the pty master
    ``fd`` (``options``: minutes, start, id, segment, budget as serve_log.py takes them); its
    flash is ``storage``. ``on_stop`` actions run before it is stopped."""

    def __init__(self, storage: Path, fd: int, **options: object) -> None:
        self._after: list[Callable[[], None]] = []
        super().__init__(storage, fd, command=interpreter_command, **options)

    def on_stop(self, action: Callable[[], None]) -> None:
        self._after.append(action)

    def stop(self) -> None:
        for action in self._after:
            action()
        super().stop()
