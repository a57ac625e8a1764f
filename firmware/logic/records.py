"""Log records: the 16-byte, little-endian unit of the flash log and of the sync protocol.

Every record has the same layout (``MINUTE_FORMAT`` ``<IIBHBHH``, ``EVENT_FORMAT`` ``<IIBHHBH``)::

    offset size field
         0    4 seq     sequence number, 1, 2, 3, ... never reused (also across reboots)
         4    4 t       UTC epoch seconds, or (when FLAG_UPTIME is set) boot << 24 | uptime_s
         8    1 kind    bits 0-6: MINUTE (0), an event kind (logic/events.py) or IDLE;
                        bit 7 (FLAG_UPTIME): the clock had never been set, ``t`` is uptime
         9    5 payload depends on the kind, see below
        14    2 crc     CRC-16/CCITT-FALSE of bytes 0..13

Payloads:

- MINUTE: seconds in each state (5 x 6 bits, 0..60) and steps (10 bits, 0..1023), packed as
  ``v = s0 | s1 << 6 | s2 << 12 | s3 << 18`` (u16 + u8) then ``w = s4 | steps << 6`` (u16).
  ``t`` is the start of the minute.
- events: ``a`` (u16), ``b`` (u16), one reserved byte that must be 0.
- IDLE: ``a`` = number of whole minutes from ``t`` that were entirely not worn, 0 steps
  (a stretch of unworn minutes costs one record instead of one per minute).

A record whose CRC or reserved bits are wrong is never accepted (``unpack`` raises
``ValueError``). While the clock was never set, ``t`` holds the boot counter (low 8 bits) and
the seconds since boot (24 bits); the CLOCK_LINK event written once the clock is set gives
the UTC time of a known uptime in that boot, so the host can place those records.
"""

import struct

from .compat import const

SIZE = const(16)
MINUTE_FORMAT = "<IIBHBHH"   # seq, t, kind, v (u16), v >> 16 (u8), w, crc
EVENT_FORMAT = "<IIBHHBH"    # seq, t, kind, a, b, reserved, crc

MINUTE = const(0)
IDLE = const(0x7F)          # a run of unworn minutes; a = minutes
FLAG_UPTIME = const(0x80)
KIND_MASK = const(0x7F)

MAX_STEPS = const(1023)
MAX_SECONDS = const(60)
UPTIME_MAX = const(0xFFFFFF)

# CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), four bits at a time.
_CRC_NIBBLE = (
    0x0000, 0x1021, 0x2042, 0x3063, 0x4084, 0x50A5, 0x60C6, 0x70E7,
    0x8108, 0x9129, 0xA14A, 0xB16B, 0xC18C, 0xD1AD, 0xE1CE, 0xF1EF,
)


def crc16(data, start=0, end=None, crc=0xFFFF):
    """CRC-16/CCITT-FALSE of ``data[start:end]`` (check value of b"123456789": 0x29B1)."""
    if end is None:
        end = len(data)
    table = _CRC_NIBBLE
    for i in range(start, end):
        byte = data[i]
        crc = ((crc << 4) & 0xFFFF) ^ table[(crc >> 12) ^ (byte >> 4)]
        crc = ((crc << 4) & 0xFFFF) ^ table[(crc >> 12) ^ (byte & 0x0F)]
    return crc


def uptime_time(boot, uptime_s):
    """The ``t`` of a record stamped while the clock was never set."""
    if uptime_s > UPTIME_MAX:
        uptime_s = UPTIME_MAX
    return ((boot & 0xFF) << 24) | uptime_s


def split_uptime(t):
    """``(boot & 0xFF, uptime_s)`` from the ``t`` of an uptime-stamped record."""
    return t >> 24, t & UPTIME_MAX


def clock_link_values(boot, uptime_s):
    """``(a, b)`` of an ``events.CLOCK_LINK`` record: the uptime (24 bits) and the boot."""
    if uptime_s > UPTIME_MAX:
        uptime_s = UPTIME_MAX
    return uptime_s & 0xFFFF, ((uptime_s >> 16) & 0xFF) | ((boot & 0xFF) << 8)


def split_clock_link(a, b):
    """``(boot & 0xFF, uptime_s)`` from the ``a``, ``b`` of an ``events.CLOCK_LINK`` record."""
    return b >> 8, a | ((b & 0xFF) << 16)


def _finish(buf, offset):
    struct.pack_into("<H", buf, offset + 14, crc16(buf, offset, offset + 14))


def pack_minute_into(buf, offset, seq, t, uptime, counts, steps):
    """Write a MINUTE record at ``buf[offset:offset + 16]``; ``counts`` has 5 seconds values."""
    s0 = counts[0]
    s1 = counts[1]
    s2 = counts[2]
    s3 = counts[3]
    s4 = counts[4]
    if (s0 < 0 or s1 < 0 or s2 < 0 or s3 < 0 or s4 < 0 or s0 > MAX_SECONDS
            or s1 > MAX_SECONDS or s2 > MAX_SECONDS or s3 > MAX_SECONDS or s4 > MAX_SECONDS):
        raise ValueError("seconds per state must be 0..60")
    if steps < 0:
        raise ValueError("steps must not be negative")
    if steps > MAX_STEPS:
        steps = MAX_STEPS
    v = s0 | (s1 << 6) | (s2 << 12) | (s3 << 18)
    kind = MINUTE | (FLAG_UPTIME if uptime else 0)
    struct.pack_into(MINUTE_FORMAT, buf, offset, seq, t, kind, v & 0xFFFF, v >> 16,
                     s4 | (steps << 6), 0)
    _finish(buf, offset)


def pack_event_into(buf, offset, seq, t, uptime, kind, a, b):
    """Write an event (or IDLE) record; ``a`` and ``b`` are taken modulo 2**16."""
    if kind <= MINUTE or kind > KIND_MASK:
        raise ValueError("event kind must be 1..127")
    kind |= FLAG_UPTIME if uptime else 0
    struct.pack_into(EVENT_FORMAT, buf, offset, seq, t, kind, a & 0xFFFF, b & 0xFFFF, 0, 0)
    _finish(buf, offset)


def pack_minute(seq, t, uptime, counts, steps):
    buf = bytearray(SIZE)
    pack_minute_into(buf, 0, seq, t, uptime, counts, steps)
    return bytes(buf)


def pack_event(seq, t, uptime, kind, a=0, b=0):
    buf = bytearray(SIZE)
    pack_event_into(buf, 0, seq, t, uptime, kind, a, b)
    return bytes(buf)


def is_valid(buf, offset=0):
    """True if the 16 bytes at ``offset`` are a whole record with a good CRC and payload."""
    if len(buf) - offset < SIZE:
        return False
    if crc16(buf, offset, offset + 14) != buf[offset + 14] | (buf[offset + 15] << 8):
        return False
    kind = buf[offset + 8] & KIND_MASK
    if kind == MINUTE:
        v = buf[offset + 9] | (buf[offset + 10] << 8) | (buf[offset + 11] << 16)
        w = buf[offset + 12] | (buf[offset + 13] << 8)
        return not ((v & 63) > MAX_SECONDS or ((v >> 6) & 63) > MAX_SECONDS
                    or ((v >> 12) & 63) > MAX_SECONDS or ((v >> 18) & 63) > MAX_SECONDS
                    or (w & 63) > MAX_SECONDS)
    return buf[offset + 13] == 0


def seq_of(buf, offset=0):
    return (buf[offset] | (buf[offset + 1] << 8) | (buf[offset + 2] << 16)
            | (buf[offset + 3] << 24))


def unpack(buf, offset=0):
    """Decode one record: ``(seq, kind, t, uptime, values)``.

    ``kind`` is MINUTE, IDLE or an event kind; ``uptime`` is True when ``t`` is
    ``boot << 24 | uptime_s`` (see ``split_uptime``); ``values`` is ``(s0, s1, s2, s3, s4,
    steps)`` for MINUTE, ``(minutes,)`` for IDLE and ``(a, b)`` for events. Raises
    ``ValueError`` for a short, corrupt or malformed record.
    """
    if not is_valid(buf, offset):
        raise ValueError("corrupt record")
    seq, t, kind = struct.unpack_from("<IIB", buf, offset)
    uptime = bool(kind & FLAG_UPTIME)
    kind &= KIND_MASK
    if kind == MINUTE:
        lo, hi, w = struct.unpack_from("<HBH", buf, offset + 9)
        v = lo | (hi << 16)
        values = (v & 63, (v >> 6) & 63, (v >> 12) & 63, (v >> 18) & 63, w & 63, w >> 6)
    else:
        a, b = struct.unpack_from("<HH", buf, offset + 9)
        values = (a,) if kind == IDLE else (a, b)
    return seq, kind, t, uptime, values
