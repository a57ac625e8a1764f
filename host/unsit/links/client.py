"""The host side of the sync protocol: typed requests to a device over any transport.

Messages are built and parsed with the firmware's own codec (``unsit_firmware.logic.protocol``,
the code the device runs); codes are mirrored here as ``IntEnum``s for readable host code.
Every request carries a fresh tag; a response whose command or tag does not match (a late
answer to an earlier try) is not accepted. All requests are idempotent, so a request that
timed out is simply sent again, up to ``retries`` times.

A device-side error becomes :class:`DeviceError` with the protocol's error code.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import Any, TypeVar

from unsit_firmware.logic import protocol

from unsit.errors import UnsitError
from unsit.links.transport import LinkTimeout, Transport


T = TypeVar("T")


class Command(IntEnum):
    HELLO = protocol.HELLO
    SET_TIME = protocol.SET_TIME
    READ = protocol.READ
    ACK = protocol.ACK
    GET_SETTINGS = protocol.GET_SETTINGS
    SET_SETTING = protocol.SET_SETTING
    STATUS = protocol.STATUS
    PAIR = protocol.PAIR
    FORGET = protocol.FORGET
    FORGET_ALL = protocol.FORGET_ALL
    BUZZ = protocol.BUZZ
    BAD_REQUEST = protocol.BAD_REQUEST


class Status(IntEnum):
    OK = protocol.OK
    UNKNOWN_COMMAND = protocol.UNKNOWN_COMMAND
    MALFORMED = protocol.MALFORMED
    UNSUPPORTED_VERSION = protocol.UNSUPPORTED_VERSION
    UNKNOWN_SETTING = protocol.UNKNOWN_SETTING
    OUT_OF_RANGE = protocol.OUT_OF_RANGE
    BAD_TIME = protocol.BAD_TIME
    INTERNAL = protocol.INTERNAL
    NOT_ALLOWED = protocol.NOT_ALLOWED


class DeviceError(UnsitError):
    """The device answered a request with an error status."""

    def __init__(self, command: int, status: int, detail: str = "") -> None:
        try:
            name = Command(command).name
        except ValueError:
            name = f"command {command:#04x}"
        reason = protocol.ERROR_NAMES.get(status, f"error {status}")
        super().__init__(f"the device refused {name}: {reason}{detail}")
        self.command = command
        self.status = status


class BadResponse(UnsitError):
    """The device's answer could not be decoded."""


@dataclass(frozen=True)
class DeviceInfo:
    """The device's answer to HELLO (see ``protocol.INFO_FIELDS``)."""

    device_id: str
    protocol: int
    firmware: str
    first_seq: int
    next_seq: int
    acked: int
    dropped: int
    clock: int | None
    utc_offset_min: int
    uptime_s: int
    boot: int
    battery_mv: int | None
    charging: bool
    max_read: int
    raw: Mapping[str, Any]
    log_id: str | None = None   # the log's identity (8 hex); None from a version 1 device

    @property
    def name(self) -> str:
        """The name the device advertises itself with (``unsit-XXXX``)."""
        return f"unsit-{self.device_id[-4:]}"

    @classmethod
    def from_info(cls, info: Mapping[str, Any]) -> DeviceInfo:
        return cls(
            device_id=info["device_id"], protocol=info["protocol"],
            firmware=f"{info['fw_major']}.{info['fw_minor']}.{info['fw_patch']}",
            first_seq=info["first_seq"], next_seq=info["next_seq"], acked=info["acked"],
            dropped=info["dropped"], clock=info["clock"], utc_offset_min=info["utc_offset_min"],
            uptime_s=info["uptime_s"], boot=info["boot"], battery_mv=info["battery_mv"],
            charging=info["charging"], max_read=info["max_read"], raw=dict(info),
            log_id=info["log_id"],
        )


@dataclass(frozen=True)
class ReadResult:
    """A READ answer: records from ``start`` (``count`` of them, 16 bytes each), continue at
    ``next_seq``."""

    start: int
    count: int
    next_seq: int
    records: bytes


def _decode(what: str, unpack: Callable[[bytes], T], body: bytes) -> T:
    """``unpack(body)``, with a malformed body reported as :class:`BadResponse`."""
    try:
        return unpack(body)
    except ValueError as error:
        raise BadResponse(f"the device's {what} answer is not understood: {error}") from None


def _answers(reply: bytes, command: int, tag: int) -> bool:
    """Whether ``reply`` is a well-formed response to the request ``command``/``tag``."""
    try:
        cmd, got_tag, _, _ = protocol.unpack_response(reply)
    except ValueError:
        return False
    return bool(cmd == command and got_tag == tag)


class DeviceClient:
    """Requests to one device over ``transport``."""

    def __init__(self, transport: Transport, timeout: float = 1.0, retries: int = 3) -> None:
        self.transport = transport
        self.timeout = timeout
        self.retries = retries
        self._tag = 0
        self.retried = 0      # requests sent again after no (valid) answer
        self.unmatched = 0    # answers that were damaged or answered an earlier try

    async def call(self, command: Command, message_for_tag: Callable[[int], bytes],
                   timeout: float | None = None, retries: int | None = None) -> bytes:
        """Send the request made by ``message_for_tag(tag)``; return the OK response body."""
        tries = (self.retries if retries is None else retries) + 1
        wait = self.timeout if timeout is None else timeout
        for attempt in range(tries):
            if attempt:
                self.retried += 1
            self._tag = (self._tag + 1) & 0xFF
            tag = self._tag
            deadline = time.monotonic() + wait
            try:
                reply = await self.transport.request(message_for_tag(tag), wait)
                while not _answers(reply, command, tag):
                    # Damaged, or the answer to an earlier try: wait for ours, if the link
                    # can; sending again would only queue one more answer behind this one.
                    self.unmatched += 1
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise LinkTimeout("no answer in time")
                    reply = await self.transport.receive(left)
            except LinkTimeout:
                continue
            if not _answers(reply, command, tag):
                continue
            _, _, status, body = protocol.unpack_response(reply)
            if status != protocol.OK:
                detail = ""
                if status == protocol.OUT_OF_RANGE:
                    try:
                        lo, hi = protocol.unpack_range_error(body)
                        detail = f" (allowed {lo}..{hi})"
                    except ValueError:
                        pass
                raise DeviceError(command, status, detail)
            return bytes(body)
        raise LinkTimeout(f"no answer to {command.name} from {self.transport.description} "
                          f"after {tries} tries")

    async def hello(self, timeout: float | None = None, retries: int | None = None
                    ) -> DeviceInfo:
        body = await self.call(Command.HELLO, protocol.hello_request, timeout, retries)
        return DeviceInfo.from_info(_decode("HELLO", protocol.unpack_info, body))

    async def handshake(self, within_s: float = 5.0, interval_s: float = 0.25) -> DeviceInfo:
        """HELLO, repeated every ``interval_s`` until the device answers (bytes sent before
        the device's firmware opened its port are lost), for at most ``within_s``."""
        tries = max(1, int(within_s / interval_s))
        try:
            return await self.hello(timeout=interval_s, retries=tries - 1)
        except LinkTimeout:
            raise LinkTimeout(
                f"no unsit device answers on {self.transport.description} "
                f"(tried for {within_s:g} s): is the unsit firmware running?"
            ) from None

    async def set_time(self, utc: int, utc_offset_min: int) -> int | None:
        """Set the device's clock; returns the clock it had before (None: never set)."""
        body = await self.call(
            Command.SET_TIME, lambda tag: protocol.set_time_request(tag, utc, utc_offset_min))
        previous = _decode("SET_TIME", protocol.unpack_set_time, body)
        return None if previous is None else int(previous)

    async def read(self, from_seq: int, max_count: int = protocol.MAX_READ) -> ReadResult:
        body = await self.call(
            Command.READ, lambda tag: protocol.read_request(tag, from_seq, max_count))
        start, count, next_seq, data = _decode("READ", protocol.unpack_read, body)
        return ReadResult(start, count, next_seq, data)

    async def ack(self, seq: int) -> int:
        """Tell the device everything up to ``seq`` is stored; returns its acknowledged level."""
        body = await self.call(Command.ACK, lambda tag: protocol.ack_request(tag, seq))
        return int(_decode("ACK", protocol.unpack_ack, body))

    async def get_settings(self, setting_id: int | None = None) -> list[tuple[int, int]]:
        body = await self.call(
            Command.GET_SETTINGS, lambda tag: protocol.get_settings_request(tag, setting_id))
        pairs = _decode("GET_SETTINGS", protocol.unpack_settings, body)
        return [(int(pair[0]), int(pair[1])) for pair in pairs]

    async def set_setting(self, setting_id: int, value: int) -> tuple[int, int]:
        body = await self.call(
            Command.SET_SETTING,
            lambda tag: protocol.set_setting_request(tag, setting_id, value))
        pair = _decode("SET_SETTING", protocol.unpack_setting, body)
        return int(pair[0]), int(pair[1])

    async def status(self) -> dict[str, Any]:
        """The STATUS answer (``protocol.unpack_status``): a version 1 device gives only
        ``state``, ``minutes_sat`` and ``snooze_min_left``."""
        body = await self.call(Command.STATUS, protocol.status_request)
        return dict(_decode("STATUS", protocol.unpack_status, body))

    async def buzz(self, pattern: int) -> tuple[int, int, int]:
        """Play ``pattern`` (``logic.patterns``) now: ``(pattern, motor_percent,
        duration_ms)``. Needs protocol version 2."""
        body = await self.call(Command.BUZZ, lambda tag: protocol.buzz_request(tag, pattern))
        got = _decode("BUZZ", protocol.unpack_buzz, body)
        return int(got[0]), int(got[1]), int(got[2])


def require_version(info: DeviceInfo, what: str, since: int) -> None:
    """An :class:`UnsitError` when the device's protocol is older than ``since``, which
    ``what`` needs: its firmware needs an update (``unsit device install``)."""
    if info.protocol < since:
        raise UnsitError(
            f"{info.name} runs firmware {info.firmware} (protocol {info.protocol}), which has "
            f"no {what} (protocol {since}): update the firmware with 'unsit device install'")
