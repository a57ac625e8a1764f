"""Host-side decoders under hypothesis: whatever comes off the wire, the host either decodes
it correctly or reports a one-line UnsitError; it never crashes and never stores garbage."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from hypothesis import given, settings
from hypothesis import strategies as st
from unsit_firmware.logic import events, protocol, records

from unsit.errors import UnsitError
from unsit.log.records import clock_link, decode, decode_many, hello_link
from unsit.links.client import DeviceClient
from unsit.links.transport import Transport
from unsit.store import MINUTE, open_store
from unsit.links.transport import LinkTimeout, Transport

DEV = "0a1b2c3d"
seconds = st.integers(0, 60)
u16 = st.integers(0, 0xFFFF)
event_kinds = st.sampled_from(sorted(events.NAMES))


@given(st.binary(max_size=400))
def test_arbitrary_bytes_decode_to_valid_records_or_none(data: bytes) -> None:
    good, bad = decode_many(data)
    assert len(good) + bad == len(data) // 16
    for record in good:
        assert records.is_valid(record.body)


@given(st.binary(min_size=16, max_size=16), st.integers(0, 15), st.integers(0, 7))
def test_a_flipped_bit_in_a_record_is_never_accepted(data: bytes, index: int, bit: int) -> None:
    record = records.pack_event(7, 1_790_000_000, False, events.REMINDER, 1, 60)
    damaged = bytearray(record)
    damaged[index] ^= 1 << bit
    good, bad = decode_many(bytes(damaged) + data)
    assert all(r.body != bytes(damaged) for r in good)


@settings(max_examples=40)
@given(st.integers(1, 2**32 - 1), st.integers(1_600_000_000, 2**32 - 1), st.booleans(),
       st.lists(seconds, min_size=5, max_size=5), st.integers(0, 1023), st.integers(0, 255),
       st.integers(0, records.UPTIME_MAX))
def test_minutes_round_trip_into_the_store(seq: int, utc: int, uptime: bool, counts: list[int],
                                           steps: int, boot: int, up_s: int) -> None:
    t = records.uptime_time(boot, up_s) if uptime else utc
    record = decode(records.pack_minute(seq, t, uptime, counts, steps))
    assert (record.seq, record.kind, record.clock_set) == (seq, MINUTE, not uptime)
    assert record.values == (*counts, steps)
    assert (record.boot, record.t_device) == ((boot, up_s) if uptime else (0, utc))
    store = open_store(":memory:")
    store.upsert_device(DEV)
    store.store_batch(DEV, [record])
    rows = store.conn.execute("SELECT * FROM minutes").fetchall()
    assert rows == ([] if uptime else [(DEV, seq, utc, *counts, steps)])


@settings(max_examples=40)
@given(st.integers(1, 2**32 - 1), st.integers(1_600_000_000, 2**32 - 1), event_kinds, u16, u16)
def test_events_round_trip_into_the_store(seq: int, utc: int, kind: int, a: int, b: int) -> None:
    record = decode(records.pack_event(seq, utc, False, kind, a, b))
    store = open_store(":memory:")
    store.upsert_device(DEV)
    store.store_batch(DEV, [record])
    if kind == records.IDLE:
        assert store.conn.execute("SELECT minutes FROM idle").fetchone() == (a,)
    else:
        assert store.conn.execute("SELECT * FROM events").fetchall() == [
            (DEV, seq, utc, kind, a, b)]


@settings(max_examples=40)
@given(st.integers(1, 2**20), st.integers(1_790_000_000, 1_800_000_000), st.integers(0, 255),
       st.integers(0, records.UPTIME_MAX))
def test_a_clock_link_places_its_boot(seq: int, utc: int, boot: int, up_s: int) -> None:
    link_record = decode(records.pack_event(seq + 1, utc, False, events.CLOCK_LINK,
                                            up_s & 0xFFFF, (up_s >> 16) | (boot << 8)))
    link = clock_link(link_record)
    assert link is not None and link.boot == boot and link.offset_s == utc - up_s
    early = decode(records.pack_minute(seq, records.uptime_time(boot, up_s // 2), True,
                                       [0, 60, 0, 0, 0], 0))
    store = open_store(":memory:")
    store.upsert_device(DEV)
    store.store_batch(DEV, [early, link_record], links=[link])
    assert store.conn.execute("SELECT t_utc FROM minutes").fetchone() == (
        utc - up_s + up_s // 2,)


@given(st.binary(min_size=protocol.INFO_SIZE, max_size=protocol.INFO_SIZE + 8))
def test_any_hello_body_gives_info_or_a_clear_error(body: bytes) -> None:
    try:
        info = protocol.unpack_info(body)
    except ValueError:
        return
    link = hello_link(info)
    assert link is None or link.source == "hello"


class ScriptedReplies(Transport):
    """Answers each request with ``reply(request)``: the fuzzed side of the link."""

    description = "fuzz"

    def __init__(self, reply: Callable[[bytes], bytes | None]) -> None:
        self.reply = reply

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    async def request(self, message: bytes, timeout: float) -> bytes:
        answer = self.reply(message)
        if answer is None:
            raise LinkTimeout("silence")
        return answer

    async def receive(self, timeout: float) -> bytes:
        raise LinkTimeout("nothing more: each request gets one answer")


def drive_client(reply: Callable[[bytes], bytes | None]) -> None:
    async def every_request() -> None:
        client = DeviceClient(ScriptedReplies(reply), timeout=0.01, retries=1)
        calls = (client.hello, lambda: client.set_time(1_790_000_000, 60),
                 lambda: client.read(5), lambda: client.ack(9), client.get_settings,
                 lambda: client.set_setting(1, 45), client.status)
        for call in calls:
            try:
                await call()
            except UnsitError:
                pass

    asyncio.run(every_request())


@settings(max_examples=80, deadline=None)
@given(st.lists(st.binary(max_size=80), min_size=1, max_size=30))
def test_the_client_survives_any_bytes_as_answers(answers: list[bytes]) -> None:
    queue = list(answers)
    drive_client(lambda _request: queue.pop(0) if queue else None)


@settings(max_examples=80, deadline=None)
@given(st.integers(0, 10), st.binary(max_size=120))
def test_the_client_survives_well_addressed_answers_with_any_body(status: int,
                                                                  body: bytes) -> None:
    # The answer echoes the request's command and tag, so the body decoders are reached.
    def answer(request: bytes) -> bytes:
        return protocol.pack_response(request[0], request[1], status, body)

    drive_client(answer)
