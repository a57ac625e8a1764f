"""Files only the wearer may read: the store and the key file.

Created mode 0600 in one step (never ``chmod`` after the fact), never through a symbolic link
someone planted where the file should be, and replaced atomically from a fresh temporary file
(a stale ``.tmp`` left by a crash, with whatever mode it had, is never reused).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from unsit.errors import UnsitError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def refuse_link(path: Path) -> None:
    """``UnsitError`` when ``path`` is a symbolic link (it is never followed)."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise UnsitError(f"{path} is a symbolic link: unsit does not follow one for its "
                         "private files; remove it or name the real file", 2)


def create_private(path: Path) -> bool:
    """Create ``path`` empty with mode 0600 unless it exists; True if it was created."""
    refuse_link(path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except FileExistsError:
        return False
    os.close(fd)
    return True


def read_private(path: Path) -> bytes:
    """The bytes of ``path``, not through a symbolic link (``FileNotFoundError`` if absent)."""
    refuse_link(path)
    fd = os.open(path, os.O_RDONLY | _NOFOLLOW)
    with os.fdopen(fd, "rb") as f:
        return f.read()


def write_private(path: Path, data: bytes) -> None:
    """Replace ``path`` atomically with ``data``, mode 0600."""
    refuse_link(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:   # mkstemp: O_EXCL, mode 0600, a fresh name
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.remove(tmp)
        except OSError:
            pass
        raise
