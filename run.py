#!/usr/bin/env python3
"""The project's two everyday commands, needing nothing but Python 3.11+.

    python3 run.py demo    run a simulated unsit clip through an office day (no board needed)
    python3 run.py test    run the whole test suite

Either creates ``.venv`` beside this file on first use and installs the project into it
(again whenever pyproject.toml or setup.py change). Any further arguments go to the command:
``python3 run.py test -k detector``, ``python3 run.py unsit --help``.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / "unsit-installed.sha256"


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "setup.py"):
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def ensure_venv() -> None:
    """Create the virtual environment and install the project with its test tools."""
    if sys.version_info < (3, 11):
        sys.exit(f"unsit needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    if not (BIN / "python").exists():
        print(f"creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    if STAMP.exists() and STAMP.read_text() == _fingerprint():
        return
    print("installing unsit and its test tools (first run takes a minute)", flush=True)
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-e", f"{ROOT}[test]"],
        check=True,
    )
    STAMP.write_text(_fingerprint())


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("demo", "test", "unsit"):
        print(__doc__, file=sys.stderr)
        return 2
    ensure_venv()
    command, rest = argv[0], argv[1:]
    if command == "test":
        workers = ["-n", "auto", "--dist", "loadfile"] if "-n" not in rest else []
        args = [str(BIN / "python"), "-m", "pytest", *workers, *rest]
    elif command == "demo":
        args = [str(BIN / "unsit"), "demo", *rest]
    else:
        args = [str(BIN / "unsit"), *rest]
    return subprocess.run(args, cwd=ROOT).returncode


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
