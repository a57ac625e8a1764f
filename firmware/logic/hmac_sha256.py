"""HMAC-SHA256 (RFC 2104) on ``hashlib.sha256``, for interpreters that have no ``hmac`` module.

MicroPython has ``hashlib.sha256`` but neither ``hmac`` nor ``sha256().copy()``, so the padded
inner and outer keys are computed once per key and each MAC hashes from them afresh.
"""

import hashlib

_BLOCK = 64  # SHA-256 block size in bytes (RFC 2104 "B")
DIGEST_SIZE = 32


class Hmac:
    """A reusable HMAC-SHA256 for one key: ``Hmac(key).digest(part1, part2, ...)``."""

    def __init__(self, key):
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        inner = bytearray(_BLOCK)
        outer = bytearray(_BLOCK)
        for i in range(_BLOCK):
            k = key[i] if i < len(key) else 0
            inner[i] = k ^ 0x36
            outer[i] = k ^ 0x5C
        self._inner = bytes(inner)
        self._outer = bytes(outer)

    def digest(self, *parts):
        """HMAC of the concatenation of ``parts`` (bytes-like), 32 bytes."""
        h = hashlib.sha256(self._inner)
        for part in parts:
            h.update(part)
        return hashlib.sha256(self._outer + h.digest()).digest()


def hmac_sha256(key, *parts):
    return Hmac(key).digest(*parts)


def equal(a, b):
    """Compare MACs in time independent of where they differ."""
    if len(a) != len(b):
        return False
    diff = 0
    for i in range(len(a)):
        diff |= a[i] ^ b[i]
    return diff == 0
