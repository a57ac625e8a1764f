"""A clip that lies: a scripted device speaking the sync protocol from the host's side of
the link, whose READ answers a test (or hypothesis) chooses.

This is the one place the security tests use a stand-in for the firmware, because the
attacker here *is* the device (any USB device on the port, or a key holder over Bluetooth):
what is under test is the host, which must not believe what it is told.
"""

from __future__ import annotations

from collections.abc import Callable

import doc_codec
from unsit_firmware.logic import events, protocol, records

from unsit.links.transport import LinkTimeout, Transport

DEVICE_ID = "5eca1d01"
LOG_ID = "10c0ffee"
T0 = 1_790_000_000

#: ``answer_read(from_seq, max_count, genuine)`` -> ``(start, next_seq, records bytes)`` or
#: None for the honest answer.
ReadScript = Callable[[int, int, "HostileClip"], tuple[int, int, bytes] | None]


def minute(seq: int) -> bytes:
    return records.pack_minute(seq, T0 + 60 * seq, False, [0, 40, 10, 10, 0], 5)


class HostileClip(Transport):
    """Holds ``count`` genuine minute records (1..count) and answers like a clip, except
    where ``read_script`` says otherwise. ``reads`` counts the READs it was sent."""

    description = "hostile clip"

    def __init__(self, count: int = 9, read_script: ReadScript | None = None,
                 next_seq: int | None = None, first_seq: int = 1, log_id: str = LOG_ID,
                 version: int = 2) -> None:
        self.count = count
        self.first_seq = first_seq
        self.next_seq = count + 1 if next_seq is None else next_seq
        self.read_script = read_script
        self.log_id = log_id
        self.version = version
        self.reads = 0
        self.acked = 0

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def genuine(self, from_seq: int, max_count: int) -> tuple[int, int, bytes]:
        start = max(from_seq, self.first_seq)
        stop = min(self.count + 1, start + max_count)
        data = b"".join(minute(seq) for seq in range(start, stop))
        return start, max(stop, start), data

    async def request(self, message: bytes, timeout: float) -> bytes:
        cmd, tag, body = protocol.unpack_request(message)
        if cmd == protocol.HELLO:
            # INFO made by the encoder written from docs/protocol.md, not the firmware's.
            info = doc_codec.info({
                "protocol": self.version, "fw_major": 0, "fw_minor": 2, "fw_patch": 0,
                "device_id": DEVICE_ID, "first_seq": self.first_seq, "next_seq": self.next_seq,
                "acked": self.acked, "dropped": 0, "clock": T0 + 86400, "utc_offset_min": 60,
                "uptime_s": 3600, "boot": 1, "battery_mv": 3900, "flags": 0x02,
                "record_size": 16, "max_read": 32,
                "log_id": self.log_id if self.version >= 2 else None})
            return protocol.pack_response(cmd, tag, protocol.OK, info)
        if cmd == protocol.SET_TIME:
            return protocol.pack_response(cmd, tag, protocol.OK, protocol.pack_set_time(T0))
        if cmd == protocol.READ:
            self.reads += 1
            from_seq, max_count = protocol.unpack_read_request(body)
            answer = None if self.read_script is None else \
                self.read_script(from_seq, max_count, self)
            start, following, data = answer or self.genuine(from_seq, max_count)
            count = min(len(data) // records.SIZE, 255)
            return protocol.pack_response(
                cmd, tag, protocol.OK,
                protocol.pack_read(start, data[:count * records.SIZE], following))
        if cmd == protocol.ACK:
            self.acked = max(self.acked, protocol.unpack_ack_request(body))
            return protocol.pack_response(cmd, tag, protocol.OK, protocol.pack_ack(self.acked))
        return protocol.pack_response(cmd, tag, protocol.UNKNOWN_COMMAND)

    async def receive(self, timeout: float) -> bytes:
        raise LinkTimeout("nothing more: each request gets one answer")


def boot_event(seq: int) -> bytes:
    return records.pack_event(seq, T0 + 60 * seq, False, events.BOOT, events.RESET_POWER_ON, 1)
