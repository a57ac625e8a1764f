"""What the CLI says on standard error besides results: ``-q`` only errors, ``-v`` details.

Results go to standard output; messages about the work (what is being read, progress, notes)
go to standard error at the verbosity the user chose. A progress bar is drawn only when
standard error is a terminal: in a log file or a pipe it would be noise.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

QUIET = 0
NORMAL = 1
VERBOSE = 2

_level = NORMAL


def set_verbosity(level: int) -> None:
    global _level
    _level = max(QUIET, min(VERBOSE, level))


def verbosity() -> int:
    return _level


def say(message: str) -> None:
    """A message about the work, unless ``-q``."""
    if _level >= NORMAL:
        print(message, file=sys.stderr, flush=True)


def detail(message: str) -> None:
    """A message only ``-v`` asked for."""
    if _level >= VERBOSE:
        print(message, file=sys.stderr, flush=True)


def progress_shown(stream: TextIO | None = None) -> bool:
    """Whether progress is drawn: not with ``-q``, and only on a terminal."""
    stream = sys.stderr if stream is None else stream
    try:
        return _level >= NORMAL and stream.isatty()
    except (AttributeError, ValueError):
        return False


class ProgressBar:
    """``label [#######.......]  45 %`` redrawn in place on a terminal; nothing elsewhere."""

    WIDTH = 24

    def __init__(self, label: str, stream: TextIO | None = None, every_s: float = 0.1) -> None:
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = progress_shown(self.stream)
        self.every_s = every_s
        self._last = 0.0
        self._drawn = False

    def __call__(self, fraction: float, note: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last < self.every_s and fraction < 1.0:
            return
        self._last = now
        fraction = max(0.0, min(1.0, fraction))
        filled = int(round(fraction * self.WIDTH))
        bar = "#" * filled + "." * (self.WIDTH - filled)
        text = f"{self.label} [{bar}] {fraction * 100:3.0f} %{'  ' + note if note else ''}"
        self.stream.write("\r" + text + "\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Remove the bar, leaving the line for what comes next."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Elapsed:
    """``label ... 42 s`` redrawn each half second on a terminal while a long step runs whose
    progress cannot be measured (the firmware running in another process)."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        import threading

        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.enabled = progress_shown(self.stream)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._draw, daemon=True)

    def _draw(self) -> None:
        began = time.monotonic()
        while not self._stop.wait(0.5):
            self.stream.write(f"\r{self.label} ... {time.monotonic() - began:.0f} s\x1b[K")
            self.stream.flush()

    def __enter__(self) -> Elapsed:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()
            self.stream.write("\r\x1b[K")
            self.stream.flush()
