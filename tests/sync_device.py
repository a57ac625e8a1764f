"""Starts the firmware's protocol service under the real ``micropython`` interpreter on a pty
(tests/mpy_device/serve_log.py), for the sync tests and the sync benchmark."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from fault_relay import raw_pty

from unsit.lab.micropython_runner import micropython_command, micropython_env

ROOT = Path(__file__).resolve().parent.parent
FIRMWARE = ROOT / "firmware"
MPY_DEVICE = ROOT / "tests" / "mpy_device"
PORTABLE = ROOT / "tests" / "portable"     # app_parts.py: the shared stand-ins
DEVICE_ID = "0a1b2c3d"


def pattern(i: int) -> tuple[list[int], int]:
    """The i-th prefilled minute: mirrors ``pattern`` in serve_log.py."""
    sitting = (i * 7) % 61
    walking = (60 - sitting) // 3
    standing = 60 - sitting - walking
    return [0, sitting, standing, walking, 0], (i * 13) % 1000


class MpyDevice:
    """One run of the device process; ``fd`` is the pty master it inherits.

    ``command`` makes the interpreter's command line from the script's arguments. ``options`` become ``key=value`` arguments of serve_log.py (minutes, start, budget,
    segment, id). ``first_seq``/``next_seq`` are what the device reported when ready.
    """

    def __init__(self, storage: Path, fd: int,
                 command: Callable[[list[str]], list[str]] = micropython_command,
                 **options: object) -> None:
        args = [str(MPY_DEVICE / "serve_log.py"), str(fd), str(storage)]
        args += [f"{key}={value}" for key, value in options.items()]
        self.process = subprocess.Popen(
            command(args), env=micropython_env([FIRMWARE, MPY_DEVICE, PORTABLE]),
            pass_fds=[fd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        os.close(fd)  # the device holds it now; killing the device then hangs up the line
        line = self.process.stderr.readline().decode(errors="replace")  # type: ignore[union-attr]
        if not line.startswith("READY"):
            rest = self.process.stderr.read().decode(errors="replace")  # type: ignore[union-attr]
            self.process.kill()
            raise RuntimeError(f"the device did not start: {line}{rest}")
        _, first, following = line.split()
        self.first_seq = int(first)
        self.next_seq = int(following)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


class DirectLine:
    """A clean line: the device holds the pty master, the host opens ``path``."""

    def __init__(self) -> None:
        master, self._slave, self.path = raw_pty()
        os.set_inheritable(master, True)
        self._master: int | None = master

    def device_fd(self) -> int:
        assert self._master is not None, "a direct line serves one device run"
        fd, self._master = self._master, None
        return fd

    def close(self) -> None:
        os.close(self._slave)
        if self._master is not None:
            os.close(self._master)
