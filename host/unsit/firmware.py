"""Where the firmware tree is, for the tools that run or install it.

The wheel installs ``firmware/`` as the package ``unsit_firmware``; an editable install maps
the same name onto the source folder. Either way the folder found here is the tree that is
copied to a board and that the ``micropython`` interpreter runs.
"""

from __future__ import annotations

from pathlib import Path

import unsit_firmware


def firmware_dir() -> Path:
    """The folder that is the board's filesystem root."""
    return Path(unsit_firmware.__file__).resolve().parent


def firmware_files() -> list[Path]:
    """Every file that belongs on a board, relative to :func:`firmware_dir`, sorted."""
    root = firmware_dir()
    return sorted(
        path.relative_to(root)
        for path in root.rglob("*.py")
        if "__pycache__" not in path.parts and path != root / "__init__.py"
    )
