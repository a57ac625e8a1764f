"""Framing of protocol messages on a byte stream: SLIP-style byte stuffing and a CRC-32.

A frame on the wire is::

    0x00  stuff(whiten(payload + crc32(payload) as u32 LE))  0x00

``whiten`` XORs every byte with 0x55; ``stuff`` then replaces each byte that is 0x00-0x05 or
ESC (0x10) by ``ESC, byte ^ 0x20``. Whitening first keeps the escapes rare: messages are full
of 0x00 bytes and small numbers, which would otherwise mostly need escaping. So 0x00 only
ever delimits frames (a receiver resynchronises on it after garbage or a torn
frame), and a frame never contains the bytes the MicroPython REPL reacts to: Ctrl-A..Ctrl-E
(0x01-0x05), in particular Ctrl-C (0x03), which stops the running app when mpremote connects.
The CRC is CRC-32 (zlib / ``binascii.crc32``). Empty frames (two delimiters in a row) are
ignored; a frame that is too long, badly escaped or fails its CRC is dropped and counted.
"""

try:
    from binascii import crc32
except ImportError:  # pragma: no cover - every supported port has binascii.crc32
    from zlib import crc32

from .compat import const

DELIMITER = const(0x00)
ESC = const(0x10)
_FLIP = const(0x20)
WHITEN = const(0x55)
CRC_SIZE = const(4)
MAX_PAYLOAD = const(1024)


def max_encoded_size(payload_len):
    """Upper bound of ``len(encode(p))`` for ``len(p) == payload_len`` (every byte stuffed)."""
    return 2 + 2 * (payload_len + CRC_SIZE)


def encode_into(payload, out):
    """Write the frame of ``payload`` into ``out`` (a bytearray); return its length."""
    crc = crc32(payload) & 0xFFFFFFFF
    n = 0
    out[n] = DELIMITER
    n += 1
    for byte in payload:
        byte ^= WHITEN
        if byte <= 0x05 or byte == ESC:
            out[n] = ESC
            out[n + 1] = byte ^ _FLIP
            n += 2
        else:
            out[n] = byte
            n += 1
    for shift in (0, 8, 16, 24):
        byte = ((crc >> shift) & 0xFF) ^ WHITEN
        if byte <= 0x05 or byte == ESC:
            out[n] = ESC
            out[n + 1] = byte ^ _FLIP
            n += 2
        else:
            out[n] = byte
            n += 1
    out[n] = DELIMITER
    return n + 1


def encode(payload):
    """The frame of ``payload`` as bytes."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError("payload too long")
    out = bytearray(max_encoded_size(len(payload)))
    n = encode_into(payload, out)
    return bytes(out[:n])


class Decoder:
    """Streaming frame decoder with a fixed buffer; resynchronises on every 0x00.

    ``feed_byte(b)`` returns -1 until a frame with a good CRC ends, then its payload length;
    the payload is ``payload()`` (a memoryview valid until the next byte is fed). ``errors``
    counts the frames dropped (bad CRC, bad escape, too long, too short). Feeding a byte
    allocates nothing, except the CRC check when a frame ends.
    """

    def __init__(self, max_payload=MAX_PAYLOAD):
        self._buf = bytearray(max_payload + CRC_SIZE)
        self._view = memoryview(self._buf)
        self._n = 0
        self._esc = False
        self._bad = False
        self._len = 0
        self.errors = 0

    def reset(self):
        self._n = 0
        self._esc = False
        self._bad = False

    def feed_byte(self, byte):
        if byte == DELIMITER:
            n = self._n
            bad = self._bad or self._esc
            self._n = 0
            self._esc = False
            self._bad = False
            if n == 0 and not bad:
                return -1
            if bad or n < CRC_SIZE:
                self.errors += 1
                return -1
            n -= CRC_SIZE
            buf = self._buf
            got = buf[n] | (buf[n + 1] << 8) | (buf[n + 2] << 16) | (buf[n + 3] << 24)
            if crc32(self._view[:n]) & 0xFFFFFFFF != got:
                self.errors += 1
                return -1
            self._len = n
            return n
        if self._bad:
            return -1
        if self._esc:
            self._esc = False
            byte ^= _FLIP
            if not (byte <= 0x05 or byte == ESC):
                self._bad = True
                return -1
        elif byte == ESC:
            self._esc = True
            return -1
        elif byte <= 0x05:
            # A bare control byte never occurs inside a frame: this is not one.
            self._bad = True
            return -1
        if self._n == len(self._buf):
            self._bad = True
            return -1
        self._buf[self._n] = byte ^ WHITEN
        self._n += 1
        return -1

    def payload(self):
        """The payload of the frame that ``feed_byte`` just reported."""
        return self._view[:self._len]

    def feed(self, data):
        """Feed many bytes; return the list of complete payloads (as bytes). Host helper."""
        frames = []
        for byte in data:
            if self.feed_byte(byte) >= 0:
                frames.append(bytes(self.payload()))
        return frames
