"""Serving a simulated clip on a pty, so that ``unsit sync --port PATH`` talks to the real
firmware exactly as to a board (``unsit simulate TRACE --serve``).

The firmware's ``main.py`` runs under MicroPython on the simulated board (see
:mod:`unsit.lab.simulation`), with the board's serial port on one end of a new pty
(``UNSIT_SIM_SERIAL``: the pty master, inherited as a file descriptor). The other end's path
is what the user gives to ``unsit sync --port``. This process keeps that end open, which keeps
it in raw mode and stops the line from hanging up between two syncs. The trace plays as fast
as the interpreter goes (or ``speed`` times real time); afterwards the firmware keeps serving
in real time until it is stopped.
"""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import tempfile
import tty
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from unsit.errors import UnsitError
from unsit.lab.simulation import board_env, firmware_command


@dataclass
class ServedClip:
    """A simulated clip serving the protocol; ``path`` is the port to sync from."""

    path: str
    process: subprocess.Popen[bytes]
    workdir: Path
    _slave: int
    _scratch: tempfile.TemporaryDirectory[str] | None

    def trace_ended(self) -> bool:
        """Whether the whole trace has been played (the simulated board reports at the end)."""
        return (self.workdir / "board.txt").exists()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        os.close(self._slave)
        if self._scratch is not None:
            self._scratch.cleanup()

    def __enter__(self) -> ServedClip:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_served_clip(samples: bytes, start_utc: int | None = None,
                      settings: dict[str, int] | None = None, speed: float = 0,
                      workdir: Path | None = None, device_id: str | None = None) -> ServedClip:
    """Start the firmware on a simulated clip over ``samples`` (board bytes) with its serial
    port on a new pty; returns at once (the trace plays in the background)."""
    if os.name != "posix":
        raise UnsitError("--serve needs a pseudo-terminal (Linux or macOS)")
    scratch = None
    if workdir is None:
        scratch = tempfile.TemporaryDirectory(prefix="unsit-serve-")
        workdir = Path(scratch.name)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "trace.bin").write_bytes(samples)
    env = board_env(workdir, start_utc, settings)
    master, slave = pty.openpty()
    tty.setraw(slave)
    env.update({
        "UNSIT_SIM_SERIAL": str(master),
        "UNSIT_SIM_SPEED": str(int(round(speed))),
    })
    if device_id is not None:
        env["UNSIT_SIM_ID"] = device_id
    try:
        with open(workdir / "firmware.log", "wb") as output:
            process = subprocess.Popen(
                firmware_command(), env=env, cwd=workdir, pass_fds=[master], stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT)
    finally:
        os.close(master)
    return ServedClip(os.ttyname(slave), process, workdir, slave, scratch)


def serve_until_stopped(clip: ServedClip, say: Callable[[str], None]) -> int:
    """Wait for the served clip's firmware to end (Ctrl-C or SIGTERM stops it); 0 when
    stopped."""

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    announced = False
    try:
        while True:
            try:
                code = clip.process.wait(0.2)
                break
            except subprocess.TimeoutExpired:
                pass
            if not announced and clip.trace_ended():
                announced = True
                say("the trace has been played; the clip keeps serving until stopped")
    except KeyboardInterrupt:
        say("stopping the simulated clip")
        clip.stop()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    output = (clip.workdir / "firmware.log").read_bytes()
    clip.stop()
    if code not in (0, -signal.SIGINT):
        tail = output.decode(errors="replace").strip().splitlines()[-5:]
        raise UnsitError(f"the simulated firmware stopped (exit {code}): {' | '.join(tail)}")
    return 0


def print_ready(clip: ServedClip) -> None:
    print(f"serving the simulated clip on {clip.path}", flush=True)
    print(f"sync it with: unsit sync --port {clip.path} --db PATH   (Ctrl-C stops it); a sync "
          "while the trace still plays sets the clip's clock to now, in the middle of it",
          file=sys.stderr, flush=True)
