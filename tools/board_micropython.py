#!/usr/bin/env python3
"""Builds the board-grade MicroPython the tests run the firmware on, once, into an ignored folder.

A board is stricter than the 64-bit unix port from PyPI: small ints are 31-bit, the heap is
small, Bluetooth is the real ``bluetooth`` module over NimBLE and the file system is littlefs.
``../shared/micropython/`` holds unmodified MicroPython v1.28.0 source with NimBLE, axTLS and
littlefs (its README gives provenance and build facts). This script extracts it and builds

    .board-mpy/bin/micropython32    32-bit unix port: bluetooth (NimBLE, HCI over a tty named
                                    by $MICROPYBTUART), vfs.VfsLfs2, cryptolib, asyncio
    .board-mpy/bin/mpy-cross        the matching compiler (.mpy version 6.3)

The build needs gcc, make and Debian's ``gcc-multilib`` (32-bit libc); it takes about a minute
on two cores. The result is cached: a second call with the same source archive and build
settings returns at once. Usage::

    python3 tools/board_micropython.py            # build if needed, print the interpreter path
    python3 tools/board_micropython.py --check    # print the path if built, exit 1 if not

Tests find the interpreter with :func:`board_interpreter` (``tests/board.py``), and skip with
the reason where it cannot be built (a fresh clone without ``../shared``, no gcc-multilib).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = Path(os.environ.get("UNSIT_MICROPYTHON_SRC", ROOT.parent / "shared" / "micropython"))
ARCHIVE = SOURCE_DIR / "micropython-1.28.0-nimble-src.tar.xz"
OUT = Path(os.environ.get("UNSIT_BOARD_MPY", ROOT / ".board-mpy"))
BIN = OUT / "bin"
INTERPRETER = BIN / "micropython32"
MPY_CROSS = BIN / "mpy-cross"
STAMP = OUT / "built.sha256"

# The ESP32 port's feature set as far as the unix port has it: NimBLE, littlefs, cryptolib.
MAKE_VARIABLES = (
    "MICROPY_FORCE_32BIT=1",
    "MICROPY_PY_BLUETOOTH=1",
    "MICROPY_BLUETOOTH_NIMBLE=1",
    "MICROPY_BLUETOOTH_BTSTACK=0",
    "MICROPY_PY_FFI=0",
    "MICROPY_PY_BTREE=0",
    "MICROPY_PY_SSL=1",
    "MICROPY_SSL_AXTLS=1",
    "MICROPY_SSL_MBEDTLS=0",
)
# Only asyncio is frozen (in-tree); micropython-lib is not part of the source.
MANIFEST = 'include("$(MPY_DIR)/extmod/asyncio")\n'


class BuildError(Exception):
    """The board-grade interpreter cannot be built here; the message says why."""


def _fingerprint() -> str:
    digest = hashlib.sha256()
    digest.update(ARCHIVE.read_bytes())
    digest.update("\n".join(MAKE_VARIABLES).encode())
    digest.update(MANIFEST.encode())
    return digest.hexdigest()


def is_built() -> bool:
    return (INTERPRETER.exists() and MPY_CROSS.exists() and STAMP.exists()
            and ARCHIVE.exists() and STAMP.read_text() == _fingerprint())


def _missing_prerequisite() -> str | None:
    if not ARCHIVE.exists():
        return f"MicroPython source not found at {ARCHIVE} (a fresh clone has no ../shared)"
    for tool in ("gcc", "make"):
        if shutil.which(tool) is None:
            return f"'{tool}' is not installed"
    probe = subprocess.run(
        ["gcc", "-m32", "-x", "c", "-", "-o", os.devnull],
        input=b"#include <stdio.h>\nint main(void){return 0;}\n",
        capture_output=True, check=False,
    )
    if probe.returncode != 0:
        return "gcc cannot build 32-bit programs here (install Debian's gcc-multilib)"
    return None


def _make(cwd: Path, args: list[str], log: Path) -> None:
    with log.open("ab") as out:
        done = subprocess.run(["make", "-j", str(os.cpu_count() or 2), *args], cwd=cwd,
                              stdout=out, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        raise BuildError(f"make failed in {cwd} (log: {log}):\n" + "\n".join(tail))


def build(quiet: bool = False) -> Path:
    """Build (if needed) and return the path of the 32-bit interpreter."""
    if is_built():
        return INTERPRETER
    why = _missing_prerequisite()
    if why:
        raise BuildError(why)
    OUT.mkdir(parents=True, exist_ok=True)
    log = OUT / "build.log"
    log.write_text("")
    if not quiet:
        print(f"building the board-grade MicroPython into {OUT} (about a minute)",
              file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory(prefix="unsit-mpy-") as tmp:
        work = Path(tmp)
        with tarfile.open(ARCHIVE) as tar:
            tar.extractall(work, filter="data")
        src = work / "micropython"
        lib = work / "micropython-lib"
        lib.mkdir()
        (lib / "README.md").write_text("empty: the build only checks that this file exists\n")
        manifest = work / "manifest.py"
        manifest.write_text(MANIFEST)
        _make(src / "mpy-cross", [], log)
        _make(src / "ports" / "unix", [
            "BUILD=build-32", "PROG=micropython32", *MAKE_VARIABLES,
            f"MPY_LIB_DIR={lib}", f"FROZEN_MANIFEST={manifest}",
        ], log)
        BIN.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src / "ports" / "unix" / "build-32" / "micropython32", INTERPRETER)
        shutil.copy2(src / "mpy-cross" / "build" / "mpy-cross", MPY_CROSS)
    STAMP.write_text(_fingerprint())
    return INTERPRETER


def main(argv: list[str]) -> int:
    if argv[:1] == ["--check"]:
        if is_built():
            print(INTERPRETER)
            return 0
        print("not built", file=sys.stderr)
        return 1
    try:
        print(build())
    except BuildError as error:
        print(f"cannot build the board-grade MicroPython: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
