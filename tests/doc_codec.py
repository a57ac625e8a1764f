"""A second encoder of the sync protocol, written from docs/protocol.md alone.

It shares no code with ``firmware/logic`` (frame.py, protocol.py, records.py): every layout
below is the doc's table or struct format, so a vector in docs/protocol-vectors.json that
this encoder and the firmware both reproduce was not merely copied from the firmware's own
output. ``payload(call)`` builds the message a vector's ``call`` describes.
"""

from __future__ import annotations

import binascii
import struct
from typing import Any

# "Frames": 0x00 stuff(whiten(payload | crc32(payload) u32 LE)) 0x00
_ESC = 0x10


def frame(payload: bytes) -> bytes:
    whitened = bytes(b ^ 0x55 for b in payload + struct.pack("<I", binascii.crc32(payload)))
    out = bytearray([0])
    for b in whitened:
        if b <= 0x05 or b == _ESC:
            out += bytes([_ESC, b ^ 0x20])
        else:
            out.append(b)
    out.append(0)
    return bytes(out)


# "Records (16 bytes)": CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff) of bytes 0..13.
def crc16(data: bytes) -> int:
    crc = 0xFFFF
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def _record(seq: int, t: int, kind: int, uptime: bool, body: bytes) -> bytes:
    head = struct.pack("<IIB", seq, t, kind | (0x80 if uptime else 0)) + body
    return head + struct.pack("<H", crc16(head))


def minute_record(seq: int, t: int, uptime: bool, seconds: list[int], steps: int) -> bytes:
    """MINUTE (`<IIBHBHH`): v = s0 | s1<<6 | s2<<12 | s3<<18 as u16 + u8; w = s4 | steps<<6."""
    v = seconds[0] | seconds[1] << 6 | seconds[2] << 12 | seconds[3] << 18
    w = seconds[4] | steps << 6
    return _record(seq, t, 0, uptime, struct.pack("<HBH", v & 0xFFFF, v >> 16, w))


def event_record(seq: int, t: int, uptime: bool, kind: int, a: int, b: int = 0) -> bytes:
    """event (`<IIBHHBH`): a u16, b u16, 0 u8 (IDLE is kind 127 with a = minutes)."""
    return _record(seq, t, kind, uptime, struct.pack("<HHB", a, b, 0))


def record(vector: dict[str, Any]) -> bytes:
    """The 16 bytes of a ``records`` vector, from its fields."""
    values = vector["values"]
    if vector["kind"] == 0:
        return minute_record(vector["seq"], vector["t"], vector["uptime"], values[:5], values[5])
    return event_record(vector["seq"], vector["t"], vector["uptime"], vector["kind"],
                        *values)


# "Messages": request cmd u8 | tag u8 | body; response cmd | 0x80 u8 | tag u8 | status u8 | body
HELLO, SET_TIME, READ, ACK, GET_SETTINGS, SET_SETTING, STATUS = range(1, 8)
FORGET, FORGET_ALL, BUZZ = 0x09, 0x0A, 0x0B
OK, OUT_OF_RANGE = 0, 5


def request(cmd: int, tag: int, body: bytes = b"") -> bytes:
    return bytes([cmd, tag]) + body


def response(cmd: int, tag: int, status: int, body: bytes = b"") -> bytes:
    return bytes([cmd | 0x80, tag, status]) + body


def info(i: dict[str, Any]) -> bytes:
    """INFO (`<BBBB4sIIIIIhIHHBBB4s`); a version 1 device's ends before log_id (41 bytes)."""
    body = struct.pack(
        "<BBBB4sIIIIIhIHHBBB", i["protocol"], i["fw_major"], i["fw_minor"], i["fw_patch"],
        bytes.fromhex(i["device_id"]), i["first_seq"], i["next_seq"], i["acked"], i["dropped"],
        i["clock"], i["utc_offset_min"], i["uptime_s"], i["boot"], i["battery_mv"], i["flags"],
        i["record_size"], i["max_read"])
    if i["log_id"] is not None:
        body += bytes.fromhex(i["log_id"])
    return body


def _text(s: str) -> bytes:
    data = s.encode("ascii")
    return bytes([len(data)]) + data


def status2(v: dict[str, Any]) -> bytes:
    """STATUS of version 2: the 5 bytes of version 1, then `<BHIIIIIB` and two texts."""
    return (struct.pack("<BHH", v["state"], v["minutes_sat"], v["snooze_min_left"])
            + struct.pack("<BHIIIIIB", v["flags"], v["battery_mv"], v["log_records"],
                          v["log_capacity"], v["unsynced"], v["appended"], v["over_s"],
                          v["paired"])
            + _text(v["board"]) + _text(v["runtime"]))


def payload(call: list[Any], records: list[bytes]) -> bytes | None:
    """The message bytes of a ``frames`` vector's ``call`` (None for ``raw``: bytes that only
    show the framing); ``records`` are the record vectors' bytes (a READ answer carries the
    first ``count``)."""
    name, args = call[0], call[1:]
    if name == "raw":
        return None
    if name == "hello_request":
        return request(HELLO, args[0], bytes([args[1]]))
    if name in ("info", "info_v1"):
        return response(HELLO, args[0], OK, info(args[1]))
    if name == "set_time_request":
        return request(SET_TIME, args[0], struct.pack("<Ih", args[1], args[2]))
    if name == "set_time":
        return response(SET_TIME, args[0], OK, struct.pack("<I", args[1] or 0))
    if name == "read_request":
        return request(READ, args[0], struct.pack("<IB", args[1], args[2]))
    if name == "read":
        tag, start, count, following = args
        return response(READ, tag, OK, struct.pack("<IBI", start, count, following)
                        + b"".join(records[:count]))
    if name == "ack_request":
        return request(ACK, args[0], struct.pack("<I", args[1]))
    if name == "ack":
        return response(ACK, args[0], OK, struct.pack("<I", args[1]))
    if name == "get_settings_request":
        return request(GET_SETTINGS, args[0], b"" if args[1] is None else bytes([args[1]]))
    if name == "set_setting_request":
        return request(SET_SETTING, args[0], struct.pack("<Bi", args[1], args[2]))
    if name == "range_error":
        return response(SET_SETTING, args[0], OUT_OF_RANGE, struct.pack("<ii", args[1], args[2]))
    if name == "status_request":
        return request(STATUS, args[0])
    if name == "status":
        return response(STATUS, args[0], OK, struct.pack("<BHH", *args[1:]))
    if name == "status2":
        return response(STATUS, args[0], OK, status2(args[1]))
    if name == "buzz_request":
        return request(BUZZ, args[0], bytes([args[1]]))
    if name == "buzz":
        return response(BUZZ, args[0], OK, struct.pack("<BBH", *args[1:]))
    if name == "error":
        cmd, tag, status = args
        return response(cmd, tag, status)
    if name == "forget_request":
        return request(FORGET, args[0], bytes.fromhex(args[1]))
    if name == "forget":
        return response(FORGET, args[0], OK, bytes([int(args[1]), args[2]]))
    if name == "forget_all_request":
        return request(FORGET_ALL, args[0])
    if name == "forget_all":
        return response(FORGET_ALL, args[0], OK, bytes([args[1]]))
    raise KeyError(name)
