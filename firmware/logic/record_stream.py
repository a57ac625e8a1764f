"""Cuts a byte stream into length-prefixed records and back (the secure session's transport).

GATT writes and notifications are at most MTU - 3 bytes, so a record travels as
``length (u16 LE) | record`` split over as many packets as needed; the receiver reassembles
into one preallocated buffer. A length above the buffer is a broken stream (``ValueError``).
"""

from .compat import const

MAX_RECORD = const(2048)


def prefixed(record):
    """``record`` with its length prefix, ready to be cut into packets."""
    n = len(record)
    if n > 0xFFFF:
        raise ValueError("record too long")
    return bytes((n & 0xFF, n >> 8)) + record


class RecordAssembler:
    """Feed it packets as they come; ``next_record()`` returns each complete record once."""

    def __init__(self, max_record=MAX_RECORD):
        self._buf = bytearray(max_record + 2)
        self._view = memoryview(self._buf)
        self._have = 0
        self._max = max_record

    def feed(self, data):
        """Append as much of ``data`` as fits; returns how many bytes were taken.

        Take the complete records out with :meth:`next_record` and feed the rest again.
        """
        n = len(self._buf) - self._have
        if n > len(data):
            n = len(data)
        self._buf[self._have:self._have + n] = data[:n]
        self._have += n
        return n

    def next_record(self):
        """The next complete record (a new ``bytes``) or ``None``."""
        if self._have < 2:
            return None
        n = self._buf[0] | (self._buf[1] << 8)
        if n > self._max:
            raise ValueError("record longer than %d bytes" % self._max)
        if self._have < n + 2:
            return None
        record = bytes(self._view[2:2 + n])
        rest = self._have - n - 2
        self._buf[0:rest] = self._buf[n + 2:self._have]
        self._have = rest
        return record

    def clear(self):
        self._have = 0
