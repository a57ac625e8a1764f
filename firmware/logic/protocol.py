"""The sync protocol's messages: command codes, error codes and pure pack/unpack functions.

A message is the payload of one frame (logic/frame.py). All integers are little-endian.

    request:   cmd u8 | tag u8 | body
    response:  cmd | 0x80 u8 | tag u8 | status u8 | body

``tag`` is chosen by the host and echoed, so a host that retried can match each response to
its request. ``status`` is OK or an error code; an error response's body is empty except for
OUT_OF_RANGE (``lo i32, hi i32``). A payload too short to hold ``cmd, tag`` is answered with
``cmd = BAD_REQUEST (0xFF), tag = 0, status = MALFORMED``. Request bodies must have exactly
the length given here; response decoders accept longer bodies (a newer device may append
fields) but never shorter ones. Every decoder raises ``ProtocolError`` (a ``ValueError``
carrying an error ``code``) on bad input. See docs/protocol.md for the field tables and the
known-answer vectors.
"""

import struct

from .compat import const

VERSION = const(2)

# Commands (request codes); the response code is cmd | RESPONSE.
HELLO = const(0x01)         # since 1: info about the device and its log
SET_TIME = const(0x02)      # since 1: set the UTC clock and the wearer's UTC offset
READ = const(0x03)          # since 1: records from a sequence number on
ACK = const(0x04)           # since 1: the host stored everything up to seq
GET_SETTINGS = const(0x05)  # since 1: one setting (body: id) or all (empty body)
SET_SETTING = const(0x06)   # since 1: validate and store one setting
STATUS = const(0x07)        # since 1: live state, minutes sat, snooze left
PAIR = const(0x08)          # since 1: pair a host over USB (body: a secure_session PAIR record)
FORGET = const(0x09)        # since 1: drop one host's pairing key (over BLE: only the host's own)
FORGET_ALL = const(0x0A)    # since 1: drop every host's key, a factory reset (USB only)
BUZZ = const(0x0B)          # since 2: play a vibration pattern now (body: pattern id)
RESPONSE = const(0x80)
BAD_REQUEST = const(0xFF)   # the response code when the request had no readable cmd

SINCE = {HELLO: 1, SET_TIME: 1, READ: 1, ACK: 1, GET_SETTINGS: 1, SET_SETTING: 1, STATUS: 1,
         PAIR: 1, FORGET: 1, FORGET_ALL: 1, BUZZ: 2}


# Status / error codes.
OK = const(0)
UNKNOWN_COMMAND = const(1)
MALFORMED = const(2)
UNSUPPORTED_VERSION = const(3)
UNKNOWN_SETTING = const(4)
OUT_OF_RANGE = const(5)
BAD_TIME = const(6)
INTERNAL = const(7)
NOT_ALLOWED = const(8)      # refused on this transport (e.g. PAIR over BLE) or without Bluetooth

ERROR_NAMES = {
    OK: "ok",
    UNKNOWN_COMMAND: "unknown command",
    MALFORMED: "malformed request",
    UNSUPPORTED_VERSION: "unsupported protocol version",
    UNKNOWN_SETTING: "unknown setting",
    OUT_OF_RANGE: "value out of range",
    BAD_TIME: "time not acceptable",
    INTERNAL: "device error",
    NOT_ALLOWED: "not allowed",
}

RECORD_SIZE = const(16)
MAX_READ = const(32)        # records per READ response
EARLIEST_UTC = const(1577836800)    # 2020-01-01: a SET_TIME before this is refused
LATEST_UTC = 4102444800             # 2100-01-01: and one from then on (u32 times end in 2106)
OFFSET_MIN = const(-720)
OFFSET_MAX = const(840)

INFO_FORMAT = "<BBBB4sIIIIIhIHHBBB4s"
INFO_SIZE = const(45)
INFO_V1_SIZE = const(41)      # a version 1 device's INFO: no log_id
INFO_FIELDS = (
    "protocol", "fw_major", "fw_minor", "fw_patch", "device_id", "first_seq", "next_seq",
    "acked", "dropped", "clock", "utc_offset_min", "uptime_s", "boot", "battery_mv",
    "flags", "record_size", "max_read", "log_id",
)
LOG_ID_SIZE = const(4)        # random, made when the log is made (logic/flashlog.py)
INFO_CHARGING = const(0x01)   # flags bits
INFO_CLOCK_SET = const(0x02)

READ_HEADER = "<IBI"          # start, count, next
READ_HEADER_SIZE = const(9)
STATUS_FORMAT = "<BHH"        # state, minutes sat, snooze minutes left (version 1)
STATUS_V1_SIZE = const(5)
# Appended in version 2: flags, battery_mv, log_records, log_capacity, unsynced, appended,
# over_s, paired; then two short texts (length u8, ASCII): the board, the runtime.
STATUS_EXTRA = "<BHIIIIIB"
STATUS_EXTRA_SIZE = const(24)
STATUS_FIELDS = ("flags", "battery_mv", "log_records", "log_capacity", "unsynced",
                 "appended", "over_s", "paired")
STATUS_CHARGING = const(0x01)      # STATUS flags bits
STATUS_CLOCK_SET = const(0x02)
STATUS_REMINDERS_OFF = const(0x04)  # the wearer turned reminders off (setting "enabled" 0)
STATUS_QUIET = const(0x08)         # inside quiet hours now
STATUS_DAY_OFF = const(0x10)       # today is not one of the reminder days
NO_BLUETOOTH = const(0xFF)         # STATUS paired: the firmware has no Bluetooth
TEXT_MAX = const(32)               # a STATUS text is cut to this many bytes
BUZZ_FORMAT = "<BBH"               # pattern, motor_percent, duration_ms
SETTING_FORMAT = "<Bi"        # id, value
HOST_ID_SIZE = const(8)       # a paired host's id (logic/pairing.py), in FORGET


class ProtocolError(ValueError):
    """A message that cannot be decoded; ``code`` is the error code to answer with."""

    def __init__(self, code, message=""):
        super().__init__(message or ERROR_NAMES.get(code, "error"))
        self.code = code


def _need(body, size):
    if len(body) != size:
        raise ProtocolError(MALFORMED, "body must be %d bytes, not %d" % (size, len(body)))


def _at_least(body, size):
    if len(body) < size:
        raise ProtocolError(MALFORMED, "body must be at least %d bytes" % size)


# --- envelopes -------------------------------------------------------------------------

def pack_request(cmd, tag, body=b""):
    return bytes((cmd & 0xFF, tag & 0xFF)) + bytes(body)


def unpack_request(payload):
    """``(cmd, tag, body)`` of a request; ``ProtocolError(MALFORMED)`` if it is too short."""
    if len(payload) < 2:
        raise ProtocolError(MALFORMED, "request too short")
    cmd = payload[0]
    if cmd & RESPONSE:
        raise ProtocolError(UNKNOWN_COMMAND, "not a request")
    return cmd, payload[1], payload[2:]


def pack_response(cmd, tag, status, body=b""):
    return bytes(((cmd | RESPONSE) & 0xFF, tag & 0xFF, status & 0xFF)) + bytes(body)


def pack_response_header_into(buf, cmd, tag, status):
    buf[0] = (cmd | RESPONSE) & 0xFF
    buf[1] = tag & 0xFF
    buf[2] = status & 0xFF
    return 3


def unpack_response(payload):
    """``(cmd, tag, status, body)`` of a response (``cmd`` without the RESPONSE bit)."""
    if len(payload) < 3 or not payload[0] & RESPONSE:
        raise ProtocolError(MALFORMED, "not a response")
    cmd = payload[0]
    if cmd != BAD_REQUEST:
        cmd &= ~RESPONSE & 0xFF
    return cmd, payload[1], payload[2], payload[3:]


# --- HELLO -----------------------------------------------------------------------------

def hello_request(tag, version=VERSION):
    return pack_request(HELLO, tag, bytes((version,)))


def unpack_hello_request(body):
    """The host's highest protocol version."""
    _need(body, 1)
    if body[0] < 1:
        raise ProtocolError(UNSUPPORTED_VERSION)
    return body[0]


def pack_info(protocol, firmware, device_id, first_seq, next_seq, acked, dropped, clock,
              utc_offset_min, uptime_s, boot, battery_mv, flags, max_read=MAX_READ,
              log_id=b"\0\0\0\0"):
    """The HELLO response body. ``firmware`` is (major, minor, patch); ``device_id`` is 8 hex
    characters (or 4 bytes); ``clock`` is UTC seconds or None; ``battery_mv`` int or None;
    ``log_id`` the log's identity (4 bytes or 8 hex characters)."""
    if isinstance(device_id, str):
        device_id = bytes.fromhex(device_id)
    if len(device_id) != 4:
        raise ValueError("device id must be 4 bytes")
    if isinstance(log_id, str):
        log_id = bytes.fromhex(log_id)
    if len(log_id) != LOG_ID_SIZE:
        raise ValueError("log id must be 4 bytes")
    if clock is None:
        clock = 0
    else:
        clock = int(clock)
        flags |= INFO_CLOCK_SET
    return struct.pack(
        INFO_FORMAT, protocol, firmware[0], firmware[1], firmware[2], device_id,
        first_seq, next_seq, acked, dropped & 0xFFFFFFFF, clock, utc_offset_min,
        uptime_s & 0xFFFFFFFF, boot & 0xFFFF, battery_mv or 0, flags, RECORD_SIZE, max_read,
        log_id)


def unpack_info(body):
    """The HELLO response as a dict (keys INFO_FIELDS); device_id and log_id as 8 hex
    characters, ``clock`` and ``battery_mv`` None when unknown. A version 1 device's shorter
    INFO decodes with ``log_id`` None (its log has no identity: the host refuses to sync it)."""
    _at_least(body, INFO_V1_SIZE)
    if len(body) < INFO_SIZE:
        values = struct.unpack_from(INFO_FORMAT[:-2], body, 0) + (None,)
    else:
        values = struct.unpack_from(INFO_FORMAT, body, 0)
    info = {}
    for i in range(len(INFO_FIELDS)):
        info[INFO_FIELDS[i]] = values[i]
    info["device_id"] = "".join("%02x" % b for b in values[4])
    if values[17] is not None:
        info["log_id"] = "".join("%02x" % b for b in values[17])
    if not info["flags"] & INFO_CLOCK_SET:
        info["clock"] = None
    if info["battery_mv"] == 0:
        info["battery_mv"] = None
    info["charging"] = bool(info["flags"] & INFO_CHARGING)
    if info["record_size"] != RECORD_SIZE:
        raise ProtocolError(MALFORMED, "unknown record size")
    return info


# --- SET_TIME --------------------------------------------------------------------------

def set_time_request(tag, utc, utc_offset_min):
    return pack_request(SET_TIME, tag, struct.pack("<Ih", utc, utc_offset_min))


def unpack_set_time_request(body):
    """``(utc, utc_offset_min)``; BAD_TIME if before 2020, from 2100 on, or the offset is
    impossible."""
    _need(body, 6)
    utc, offset = struct.unpack("<Ih", body)
    if not time_acceptable(utc, offset):
        raise ProtocolError(BAD_TIME)
    return utc, offset


def time_acceptable(utc, utc_offset_min):
    """Whether SET_TIME may set this clock: both ends check it."""
    return (EARLIEST_UTC <= utc < LATEST_UTC
            and OFFSET_MIN <= utc_offset_min <= OFFSET_MAX)


def pack_set_time(previous):
    """SET_TIME response body: the clock before it was set (None: never set -> 0)."""
    return struct.pack("<I", int(previous or 0))


def unpack_set_time(body):
    _at_least(body, 4)
    previous = struct.unpack_from("<I", body, 0)[0]
    return previous or None


# --- READ ------------------------------------------------------------------------------

def read_request(tag, from_seq, max_count=MAX_READ):
    return pack_request(READ, tag, struct.pack("<IB", from_seq, max_count))


def unpack_read_request(body):
    """``(from_seq, max_count)``; a count of 0 or above MAX_READ means MAX_READ."""
    _need(body, 5)
    from_seq, count = struct.unpack("<IB", body)
    if count == 0 or count > MAX_READ:
        count = MAX_READ
    return from_seq, count


def pack_read_header_into(buf, offset, start, count, next_seq):
    struct.pack_into(READ_HEADER, buf, offset, start, count, next_seq)
    return READ_HEADER_SIZE


def pack_read(start, records, next_seq):
    """READ response body from ``records`` (a multiple of 16 bytes)."""
    count = len(records) // RECORD_SIZE
    return struct.pack(READ_HEADER, start, count, next_seq) + bytes(records)


def unpack_read(body):
    """``(start, count, next_seq, records)``: ``records`` is ``count * 16`` bytes.

    ``start`` is the first sequence number the device had at or after the one asked for
    (later than asked when older records were dropped); the records carry their own
    sequence numbers (a corrupt one on flash is skipped, never sent); ``next_seq`` is where
    to continue, equal to the device's ``next_seq`` when everything has been sent.
    """
    _at_least(body, READ_HEADER_SIZE)
    start, count, next_seq = struct.unpack_from(READ_HEADER, body, 0)
    if len(body) != READ_HEADER_SIZE + count * RECORD_SIZE:
        raise ProtocolError(MALFORMED, "record count does not match the length")
    return start, count, next_seq, bytes(body[READ_HEADER_SIZE:])


# --- ACK -------------------------------------------------------------------------------

def ack_request(tag, seq):
    return pack_request(ACK, tag, struct.pack("<I", seq))


def unpack_ack_request(body):
    _need(body, 4)
    return struct.unpack("<I", body)[0]


def pack_ack(acked):
    return struct.pack("<I", acked)


def unpack_ack(body):
    _at_least(body, 4)
    return struct.unpack_from("<I", body, 0)[0]


# --- settings --------------------------------------------------------------------------

def get_settings_request(tag, setting_id=None):
    body = b"" if setting_id is None else bytes((setting_id,))
    return pack_request(GET_SETTINGS, tag, body)


def unpack_get_settings_request(body):
    """The setting id asked for, or None for all."""
    if len(body) == 0:
        return None
    _need(body, 1)
    return body[0]


def pack_settings(pairs):
    """GET_SETTINGS response: ``count u8`` then ``(id u8, value i32)`` per setting."""
    out = bytearray(1 + 5 * len(pairs))
    out[0] = len(pairs)
    offset = 1
    for setting_id, value in pairs:
        struct.pack_into(SETTING_FORMAT, out, offset, setting_id, value)
        offset += 5
    return bytes(out)


def unpack_settings(body):
    """List of ``(id, value)``."""
    _at_least(body, 1)
    count = body[0]
    if len(body) < 1 + 5 * count:
        raise ProtocolError(MALFORMED, "settings list too short")
    return [struct.unpack_from(SETTING_FORMAT, body, 1 + 5 * i) for i in range(count)]


def set_setting_request(tag, setting_id, value):
    return pack_request(SET_SETTING, tag, struct.pack(SETTING_FORMAT, setting_id, value))


def unpack_set_setting_request(body):
    _need(body, 5)
    return struct.unpack(SETTING_FORMAT, body)


def pack_setting(setting_id, value):
    return struct.pack(SETTING_FORMAT, setting_id, value)


def unpack_setting(body):
    _at_least(body, 5)
    return struct.unpack_from(SETTING_FORMAT, body, 0)


def pack_range_error(lo, hi):
    """Body of an OUT_OF_RANGE error: the allowed range."""
    return struct.pack("<ii", lo, hi)


def unpack_range_error(body):
    _at_least(body, 8)
    return struct.unpack_from("<ii", body, 0)


# --- STATUS ----------------------------------------------------------------------------

def status_request(tag):
    return pack_request(STATUS, tag)


def pack_status(state, minutes_sat, snooze_min_left):
    """The version 1 part of the STATUS body."""
    return struct.pack(STATUS_FORMAT, state, min(minutes_sat, 0xFFFF),
                       min(snooze_min_left, 0xFFFF))


def _text(value):
    data = value.encode() if isinstance(value, str) else bytes(value)
    data = data[:TEXT_MAX]
    return bytes((len(data),)) + data


def pack_status_extra(flags, battery_mv, log_records, log_capacity, unsynced, appended,
                      over_s, paired, board, runtime):
    """What version 2 appends to the STATUS body (docs/protocol.md, "STATUS")."""
    if paired is None:
        paired = NO_BLUETOOTH
    return struct.pack(STATUS_EXTRA, flags & 0xFF, min(battery_mv or 0, 0xFFFF),
                       log_records, log_capacity, unsynced, appended & 0xFFFFFFFF,
                       over_s & 0xFFFFFFFF, min(paired, NO_BLUETOOTH)) + _text(board) + \
        _text(runtime)


def _unpack_text(body, at):
    _at_least(body, at + 1)
    end = at + 1 + body[at]
    _at_least(body, end)
    try:
        return bytes(body[at + 1:end]).decode(), end
    except UnicodeError:
        raise ProtocolError(MALFORMED, "text is not UTF-8")


def unpack_status(body):
    """``{"state", "minutes_sat", "snooze_min_left"}``, and from a version 2 device also the
    STATUS_FIELDS, ``board`` and ``runtime`` (``battery_mv`` None when unknown, ``paired``
    None without Bluetooth)."""
    _at_least(body, STATUS_V1_SIZE)
    state, sat, snooze = struct.unpack_from(STATUS_FORMAT, body, 0)
    status = {"state": state, "minutes_sat": sat, "snooze_min_left": snooze}
    if len(body) == STATUS_V1_SIZE:
        return status
    _at_least(body, STATUS_V1_SIZE + STATUS_EXTRA_SIZE)
    values = struct.unpack_from(STATUS_EXTRA, body, STATUS_V1_SIZE)
    for i in range(len(STATUS_FIELDS)):
        status[STATUS_FIELDS[i]] = values[i]
    if status["battery_mv"] == 0:
        status["battery_mv"] = None
    if status["paired"] == NO_BLUETOOTH:
        status["paired"] = None
    status["board"], at = _unpack_text(body, STATUS_V1_SIZE + STATUS_EXTRA_SIZE)
    status["runtime"], at = _unpack_text(body, at)
    return status


# --- BUZZ ------------------------------------------------------------------------------

def buzz_request(tag, pattern):
    return pack_request(BUZZ, tag, bytes((pattern,)))


def unpack_buzz_request(body):
    """The pattern id asked for (range-checked by the device against logic.patterns)."""
    _need(body, 1)
    return body[0]


def pack_buzz(pattern, motor_percent, duration_ms):
    """BUZZ response body: the pattern that plays, the strength setting, how long it takes."""
    return struct.pack(BUZZ_FORMAT, pattern, motor_percent, min(duration_ms, 0xFFFF))


def unpack_buzz(body):
    """``(pattern, motor_percent, duration_ms)``."""
    _at_least(body, 4)
    return struct.unpack_from(BUZZ_FORMAT, body, 0)


# --- FORGET, FORGET_ALL (pairing keys, docs/ble.md) ----------------------------------------

def forget_request(tag, host_id):
    """Drop the pairing key of ``host_id`` (8 bytes)."""
    host_id = bytes(host_id)
    if len(host_id) != HOST_ID_SIZE:
        raise ValueError("host id must be 8 bytes")
    return pack_request(FORGET, tag, host_id)


def unpack_forget_request(body):
    """The host id whose key is to go (bytes)."""
    _need(body, HOST_ID_SIZE)
    return bytes(body)


def pack_forget(removed, remaining):
    """FORGET response body: ``removed u8`` (1: that host's key was held), ``remaining u8``."""
    return bytes((1 if removed else 0, remaining & 0xFF))


def unpack_forget(body):
    """``(removed, remaining)``: whether the key was held, how many hosts' keys are left."""
    _at_least(body, 2)
    return bool(body[0]), body[1]


def forget_all_request(tag):
    return pack_request(FORGET_ALL, tag)


def unpack_forget_all_request(body):
    _need(body, 0)


def pack_forget_all(removed):
    """FORGET_ALL response body: ``removed u8``, how many hosts' keys were dropped."""
    return bytes((removed & 0xFF,))


def unpack_forget_all(body):
    _at_least(body, 1)
    return body[0]
