"""Hypothesis: the frame decoder, the message decoders, the record decoder and the device's
request handler never crash on arbitrary bytes, and everything valid round-trips."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unsit_firmware.logic import frame, protocol, records
from unsit_firmware.logic.protocol import ProtocolError

BODY_DECODERS = (
    protocol.unpack_hello_request, protocol.unpack_set_time_request,
    protocol.unpack_read_request, protocol.unpack_ack_request,
    protocol.unpack_get_settings_request, protocol.unpack_set_setting_request,
    protocol.unpack_info, protocol.unpack_set_time, protocol.unpack_read, protocol.unpack_ack,
    protocol.unpack_settings, protocol.unpack_setting, protocol.unpack_range_error,
    protocol.unpack_status,
    protocol.unpack_buzz,
    protocol.unpack_buzz_request,
)


@given(st.binary(max_size=3000))
def test_frame_decoder_never_crashes_and_stays_bounded(data: bytes) -> None:
    decoder = frame.Decoder(max_payload=256)
    for payload in decoder.feed(data):
        assert len(payload) <= 256
    # whatever came before, a delimiter then a good frame always gets through
    assert decoder.feed(b"\x00" + frame.encode(b"sync"))[-1] == b"sync"


@given(st.lists(st.binary(max_size=300), max_size=8), st.binary(max_size=40))
def test_frames_round_trip_through_noise(payloads: list[bytes], noise: bytes) -> None:
    wire = b"".join(frame.encode(p) + noise.replace(b"\x00", b"") for p in payloads)
    assert frame.Decoder().feed(wire) == payloads


@given(st.binary(max_size=80))
def test_message_decoders_raise_only_protocol_errors(data: bytes) -> None:
    for decode in (protocol.unpack_request, protocol.unpack_response, *BODY_DECODERS):
        try:
            decode(data)
        except ProtocolError as error:
            assert error.code in protocol.ERROR_NAMES


@given(st.binary(min_size=16, max_size=16))
def test_record_decoder_accepts_only_valid_records(data: bytes) -> None:
    try:
        seq, kind, t, uptime, values = records.unpack(data)
    except ValueError:
        assert not records.is_valid(data)
        return
    # a random 16 bytes that passes must re-encode to itself
    if kind == records.MINUTE:
        again = records.pack_minute(seq, t, uptime, values[:5], values[5])
    else:
        again = records.pack_event(seq, t, uptime, kind, values[0],
                                   values[1] if len(values) > 1 else 0)
    assert again == data


@given(st.integers(0, 2**32 - 1), st.integers(0, 2**32 - 1), st.booleans(),
       st.lists(st.integers(0, 60), min_size=5, max_size=5), st.integers(0, 1023))
def test_minute_records_round_trip(seq: int, t: int, uptime: bool, counts: list[int],
                                   steps: int) -> None:
    data = records.pack_minute(seq, t, uptime, counts, steps)
    assert records.unpack(data) == (seq, records.MINUTE, t, uptime, (*counts, steps))


@given(st.integers(0, 255), st.integers(0, 2**32 - 1), st.integers(0, 255))
def test_read_requests_round_trip(tag: int, seq: int, count: int) -> None:
    cmd, got_tag, body = protocol.unpack_request(protocol.read_request(tag, seq, count))
    assert (cmd, got_tag) == (protocol.READ, tag)
    assert protocol.unpack_read_request(body) == (
        seq, count if 0 < count <= protocol.MAX_READ else protocol.MAX_READ)


REQUESTS = st.one_of(
    st.binary(max_size=40),
    st.builds(lambda cmd, tag, body: bytes((cmd, tag)) + body,
              st.integers(0, 12), st.integers(0, 255), st.binary(max_size=12)),
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(REQUESTS)
def test_device_handler_answers_every_request_without_raising(
        tmp_path: Path, payload: bytes) -> None:
    import sys

    from unsit.firmware import firmware_dir

    for path in (firmware_dir(), Path(__file__).parent / "portable"):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    from app_parts import Board, Clock, Parts

    parts = Parts(str(tmp_path / "log"), Clock(ms=1000),
                  Board("00c0ffee", "fuzz board", battery_mv=None, charging=False),
                  state=(0, 0, 0), segment_records=8, batch=4)
    service = parts.service()
    answer = bytes(service.handle(payload))
    cmd, tag, status, body = protocol.unpack_response(answer)
    assert status in protocol.ERROR_NAMES
    assert service.faults == 0
