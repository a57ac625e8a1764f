"""Helpers that let one test file run under both CPython (pytest) and MicroPython.

Portable tests are plain ``test_*`` functions using ``assert``. They import firmware logic as
the board does (``from logic.detector import Detector``) and use only what is here for the
things pytest would otherwise give them.
"""

import os
import sys

MICROPYTHON = sys.implementation.name == "micropython"
# A 32-bit build, as on a board: small ints are 31-bit, so UTC epoch seconds are long ints and
# every sum or difference of them allocates.
BOARD32 = MICROPYTHON and sys.maxsize < (1 << 32)


class SkipTest(Exception):
    """Raised under MicroPython to skip a test; the harness reports it as skipped."""


def skip(reason):
    if MICROPYTHON:
        raise SkipTest(reason)
    import pytest

    pytest.skip(reason)


class raises:
    """``with raises(ValueError):`` fails the test unless the block raises that exception."""

    def __init__(self, exc_type):
        self.exc_type = exc_type
        self.value = None

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            raise AssertionError("did not raise " + self.exc_type.__name__)
        if not issubclass(exc_type, self.exc_type):
            return False
        self.value = exc
        return True


class heap_locked:
    """Under MicroPython, any allocation inside the block raises ``MemoryError``.

    Under CPython the block just runs: allocation cannot be observed there.
    """

    def __enter__(self):
        if MICROPYTHON:
            import micropython

            micropython.heap_lock()
        return self

    def __exit__(self, exc_type, exc, tb):
        if MICROPYTHON:
            import micropython

            micropython.heap_unlock()
        return False


def lock_heap():
    """``micropython.heap_lock()`` under MicroPython; nothing under CPython."""
    if MICROPYTHON:
        import micropython

        micropython.heap_lock()


def unlock_heap():
    if MICROPYTHON:
        import micropython

        micropython.heap_unlock()


def shared_data_dir():
    """The project's shared real data (``../shared/data``), or skip the test if absent."""
    path = os.getenv("UNSIT_SHARED_DATA")
    if path:
        try:
            os.stat(path)
            return path
        except OSError:
            pass
    skip("real data not found: ../shared/data is absent (a fresh clone has no ../shared)")
