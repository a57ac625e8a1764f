"""The protocol codec: known-answer vectors, round trips and malformed input (both interpreters)."""

import protocol_vectors
from logic import frame, protocol, records
from logic.protocol import ProtocolError
from portable import raises


def test_known_answer_vectors():
    vectors = protocol_vectors.load()
    assert vectors["protocol_version"] == protocol.VERSION
    assert protocol_vectors.check_records(records, vectors) == 6
    assert protocol_vectors.check_frames(frame, protocol, records, vectors) == 24


def test_request_envelope():
    payload = protocol.read_request(9, 1000, 10)
    assert protocol.unpack_request(payload) == (protocol.READ, 9, payload[2:])
    assert protocol.unpack_read_request(payload[2:]) == (1000, 10)
    for asked in (0, 200):
        body = protocol.read_request(1, 5, asked)[2:]
        assert protocol.unpack_read_request(body) == (5, protocol.MAX_READ)


def test_short_or_response_shaped_requests_are_refused():
    with raises(ProtocolError) as short:
        protocol.unpack_request(b"\x01")
    assert short.value.code == protocol.MALFORMED
    with raises(ProtocolError) as backwards:
        protocol.unpack_request(b"\x81\x00")
    assert backwards.value.code == protocol.UNKNOWN_COMMAND


def test_request_bodies_must_have_exact_length():
    cases = (
        (protocol.unpack_hello_request, 1),
        (protocol.unpack_set_time_request, 6),
        (protocol.unpack_read_request, 5),
        (protocol.unpack_ack_request, 4),
        (protocol.unpack_set_setting_request, 5),
    )
    for decoder, size in cases:
        for n in (0, size - 1, size + 1):
            with raises(ProtocolError) as refused:
                decoder(b"\x01" * n)
            assert refused.value.code == protocol.MALFORMED
    with raises(ProtocolError):
        protocol.unpack_get_settings_request(b"\x01\x02")
    assert protocol.unpack_get_settings_request(b"") is None
    assert protocol.unpack_get_settings_request(b"\x03") == 3


def test_hello_version_zero_and_bad_times_are_refused():
    with raises(ProtocolError) as version:
        protocol.unpack_hello_request(b"\x00")
    assert version.value.code == protocol.UNSUPPORTED_VERSION
    body = protocol.set_time_request(1, 1767225600, 60)[2:]
    assert protocol.unpack_set_time_request(body) == (1767225600, 60)
    for utc, offset in ((1000, 0), (1767225600, 900), (1767225600, -721)):
        with raises(ProtocolError) as bad:
            protocol.unpack_set_time_request(protocol.set_time_request(1, utc, offset)[2:])
        assert bad.value.code == protocol.BAD_TIME


def test_responses_round_trip():
    info = protocol.pack_info(2, (2, 3, 4), "deadbeef", 10, 20, 9, 7, None, -300, 99, 3, None,
                              protocol.INFO_CHARGING, 32, "c0ffee01")
    cmd, tag, status, body = protocol.unpack_response(
        protocol.pack_response(protocol.HELLO, 200, protocol.OK, info))
    assert (cmd, tag, status) == (protocol.HELLO, 200, protocol.OK)
    got = protocol.unpack_info(body)
    assert got["device_id"] == "deadbeef"
    assert (got["first_seq"], got["next_seq"], got["acked"], got["dropped"]) == (10, 20, 9, 7)
    assert got["clock"] is None and got["battery_mv"] is None and got["charging"]
    assert got["utc_offset_min"] == -300
    assert protocol.unpack_info(body + b"future fields")["boot"] == 3
    assert got["log_id"] == "c0ffee01"
    assert protocol.unpack_info(body[:protocol.INFO_V1_SIZE])["log_id"] is None  # version 1
    with raises(ProtocolError):
        protocol.unpack_info(body[:protocol.INFO_V1_SIZE - 1])
    pairs = [(1, 60), (9, -720), (6, 1439)]
    assert [tuple(p) for p in protocol.unpack_settings(protocol.pack_settings(pairs))] == pairs
    assert tuple(protocol.unpack_setting(protocol.pack_setting(9, -5))) == (9, -5)
    assert protocol.unpack_ack(protocol.pack_ack(77)) == 77
    assert protocol.unpack_set_time(protocol.pack_set_time(1767225600)) == 1767225600
    assert protocol.unpack_status(protocol.pack_status(4, 70000, 3)) == {
        "state": 4, "minutes_sat": 0xFFFF, "snooze_min_left": 3}


def test_read_response_length_must_match_count():
    record = records.pack_minute(5, 100, False, (0, 60, 0, 0, 0), 0)
    body = protocol.pack_read(5, record, 6)
    assert protocol.unpack_read(body) == (5, 1, 6, record)
    with raises(ProtocolError):
        protocol.unpack_read(body[:-1])
    with raises(ProtocolError):
        protocol.unpack_read(body + b"\x00")
    with raises(ProtocolError):
        protocol.unpack_read(b"\x00" * 8)


def test_error_response_of_unreadable_request():
    cmd, tag, status, body = protocol.unpack_response(
        protocol.pack_response(protocol.BAD_REQUEST, 0, protocol.MALFORMED))
    assert (cmd, status, body) == (protocol.BAD_REQUEST, protocol.MALFORMED, b"")
    with raises(ProtocolError):
        protocol.unpack_response(b"\x01\x00\x00")   # a request is not a response
    with raises(ProtocolError):
        protocol.unpack_response(b"\x81\x00")


def test_every_command_has_a_since_version_and_a_name_for_each_error():
    for cmd in (protocol.HELLO, protocol.SET_TIME, protocol.READ, protocol.ACK,
                protocol.GET_SETTINGS, protocol.SET_SETTING, protocol.STATUS):
        assert 1 <= protocol.SINCE[cmd] <= protocol.VERSION
    for code in range(9):
        assert code in protocol.ERROR_NAMES
