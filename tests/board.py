"""The board-grade MicroPython for tests: the 32-bit unix port that ``tools/board_micropython.py``
builds from ``../shared/micropython`` (NimBLE ``bluetooth``, ``vfs.VfsLfs2``, 31-bit small ints).

``board_interpreter()`` returns its path, building it on first use (about a minute, once,
under a lock so parallel test workers build it only once), or skips the calling test with
the reason it cannot be built here. Tests that run on it carry the ``board`` marker.
"""

from __future__ import annotations

import fcntl
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
_TOOL = ROOT / "tools" / "board_micropython.py"
_outcome: list[tuple[Path | None, str]] = []


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("board_micropython", _TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("board_micropython", module)
    spec.loader.exec_module(module)
    return module


def _build() -> tuple[Path | None, str]:
    tool = _tool()
    if tool.is_built():
        return tool.INTERPRETER, ""
    try:
        tool.OUT.mkdir(parents=True, exist_ok=True)
        with open(tool.OUT / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            return tool.build(quiet=True), ""
    except (tool.BuildError, OSError) as error:
        return None, f"no board-grade MicroPython here: {error}"


def board_status() -> tuple[Path | None, str]:
    """``(path of the 32-bit interpreter, "")`` or ``(None, why it cannot be built)``."""
    if not _outcome:
        _outcome.append(_build())
    return _outcome[0]


def board_interpreter() -> Path:
    """The 32-bit interpreter's path; skips the calling test with the reason if there is none."""
    path, why = board_status()
    if path is None:
        pytest.skip(why)
    return path


def board_mpy_cross() -> Path:
    """The ``mpy-cross`` that matches the board interpreter (same build)."""
    return board_interpreter().parent / "mpy-cross"
