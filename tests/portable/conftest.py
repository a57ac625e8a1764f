"""Runs every portable test a second time, under the real MicroPython interpreter.

pytest collects ``tests/portable/test_*.py`` as usual (CPython). This plug-in adds, for each
``test_*`` function, an item ``name[micropython]`` that runs the same function under the
``micropython`` command from PyPI with ``MICROPYPATH`` set to the firmware tree and this folder
(plus ``.frozen``). One interpreter process runs a whole module; a failure shows the
MicroPython traceback. A module may set ``MICROPYTHON_HEAPSIZE = "512K"`` (default 2M, so that
a leak or a bloated buffer shows up as a real ``MemoryError``) and
``MICROPYTHON_TIMEOUT = seconds`` (default 300).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from unsit.micropython_runner import run_micropython

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
    """The MicroPython run of one portable test module."""

    _results: dict[str, tuple[str, str]] | None = None

    def collect(self):  # type: ignore[override]
        tree = ast.parse(self.path.read_text(), str(self.path))
        self.settings = _module_settings(tree)
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                yield MicroPythonItem.from_parent(self, name=f"{node.name}[micropython]",
                                                  function=node.name)

    def results(self) -> dict[str, tuple[str, str]]:
        if self._results is None:
            self._results = self._run()
        return self._results

    def _run(self) -> dict[str, tuple[str, str]]:
        done = run_micropython(
            ["_mpy_runner.py", self.path.stem],
            path=[FIRMWARE, HERE],
            heapsize=self.settings.get("MICROPYTHON_HEAPSIZE", "2M"),
            timeout=self.settings.get("MICROPYTHON_TIMEOUT", 300),
            cwd=HERE,
        )
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
    def __init__(self, *, function: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.function_name = function

    def runtest(self) -> None:
        results = self.parent.results()  # type: ignore[attr-defined]
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
            return f"under MicroPython:\n{excinfo.value}"
        return super().repr_failure(excinfo)

    def reportinfo(self):  # type: ignore[override]
        return self.path, None, f"{self.path.name}::{self.name}"


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix == ".py" and file_path.name.startswith("test_"):
        return MicroPythonModule.from_parent(parent, path=file_path)
    return None
