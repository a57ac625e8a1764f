"""Runs every portable test twice more: under the real MicroPython and under the board-grade one.

pytest collects ``tests/portable/test_*.py`` as usual (CPython). This plug-in adds, for each
``test_*`` function, an item ``name[micropython]`` that runs the same function under the
``micropython`` command from PyPI, and an item ``name[board32]`` (marker ``board``) that runs
it under the 32-bit build of ``tools/board_micropython.py`` (31-bit small ints, littlefs,
NimBLE; see ``tests/board.py``), which skips with the reason where that cannot be built.
``MICROPYPATH`` is the firmware tree and this folder (plus ``.frozen``). One interpreter
process runs a whole module; a failure shows the MicroPython traceback. A module may set
``MICROPYTHON_HEAPSIZE = "512K"`` (default 2M, so that a leak or a bloated buffer shows up as a
real ``MemoryError``), ``MICROPYTHON_TIMEOUT = seconds`` (default 300) and
``MICROPYTHON_CPYTHON_ONLY = ("test_name", ...)``: tests with nothing to run under MicroPython.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path
from typing import Any

import pytest
from board import board_status

from unsit.lab.micropython_runner import micropython_env, run_micropython

FIRMWARE = Path(__file__).resolve().parents[2] / "firmware"
HERE = Path(__file__).resolve().parent


def _module_settings(tree: ast.Module) -> dict[str, Any]:
    settings: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id.startswith("MICROPYTHON_"):
                settings[target.id] = ast.literal_eval(node.value)
    return settings


class MicroPythonModule(pytest.File):
    """The MicroPython runs of one portable test module (PyPI's port and the board-grade one)."""

    def collect(self):  # type: ignore[override]
        tree = ast.parse(self.path.read_text(), str(self.path))
        self.settings = _module_settings(tree)
        self._results: dict[str, dict[str, tuple[str, str]]] = {}
        cpython_only = self.settings.get("MICROPYTHON_CPYTHON_ONLY", ())
        for node in tree.body:
            if (isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
                    and node.name not in cpython_only):
                yield MicroPythonItem.from_parent(self, name=f"{node.name}[micropython]",
                                                  function=node.name, variant="micropython")
                item = MicroPythonItem.from_parent(self, name=f"{node.name}[board32]",
                                                   function=node.name, variant="board32")
                item.add_marker(pytest.mark.board)
                yield item

    def results(self, variant: str) -> dict[str, tuple[str, str]]:
        if variant not in self._results:
            self._results[variant] = self._run(variant)
        return self._results[variant]

    def _run(self, variant: str) -> dict[str, tuple[str, str]]:
        heapsize = self.settings.get("MICROPYTHON_HEAPSIZE", "2M")
        timeout = self.settings.get("MICROPYTHON_TIMEOUT", 300)
        args = ["_mpy_runner.py", self.path.stem]
        if variant == "board32":
            interpreter, why = board_status()
            if interpreter is None:
                pytest.skip(why)
            done = subprocess.run(
                [str(interpreter), "-X", f"heapsize={heapsize}", *args],
                env=micropython_env([FIRMWARE, HERE]), capture_output=True,
                timeout=timeout, cwd=HERE, check=False)
        else:
            done = run_micropython(args, path=[FIRMWARE, HERE], heapsize=heapsize,
                                   timeout=timeout, cwd=HERE)
        out = done.stdout.decode(errors="replace")
        results: dict[str, tuple[str, str]] = {}
        chunk: list[str] = []
        finished = False
        for line in out.splitlines():
            if line.startswith("@@RESULT "):
                _, name, status = line.split(" ", 2)
                results[name] = (status, "\n".join(chunk))
                chunk = []
            elif line == "@@DONE":
                finished = True
            else:
                chunk.append(line)
        if not finished:
            crash = "\n".join(chunk) + "\n" + done.stderr.decode(errors="replace")
            results["__crash__"] = ("CRASH", f"exit {done.returncode}\n{crash}")
        return results


class MicroPythonFailure(Exception):
    pass


class MicroPythonItem(pytest.Item):
    def __init__(self, *, function: str, variant: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.function_name = function
        self.variant = variant

    def runtest(self) -> None:
        results = self.parent.results(self.variant)  # type: ignore[attr-defined]
        if self.function_name not in results:
            status, text = results.get("__crash__", ("CRASH", "no result reported"))
            raise MicroPythonFailure(f"MicroPython run ended before this test:\n{text}")
        status, text = results[self.function_name]
        if status.startswith("SKIP"):
            pytest.skip(status[5:] or "skipped under MicroPython")
        if status != "PASS":
            raise MicroPythonFailure(text)

    def repr_failure(self, excinfo, style=None):  # type: ignore[override]
        if isinstance(excinfo.value, MicroPythonFailure):
            where = "the 32-bit board build" if self.variant == "board32" else "MicroPython"
            return f"under {where}:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):  # type: ignore[override]
        return self.path, None, f"{self.path.name}::{self.name}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".py" and file_path.name.startswith("test_"):
        return MicroPythonModule.from_parent(parent, path=file_path)
    return None
