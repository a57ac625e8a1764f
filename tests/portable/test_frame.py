"""Framing: round trips, the bytes a frame may never contain, and resync after garbage."""

from logic import frame
from logic.frame import Decoder, encode
from portable import heap_locked


def _all_bytes():
    return bytes(range(256))


def test_round_trip_of_every_byte_value():
    for payload in (b"", b"\x00", _all_bytes(), _all_bytes() * 4, b"\x55" * 100, b"\x45" * 10):
        wire = encode(payload)
        assert Decoder().feed(wire) == [payload]


def test_frame_never_contains_repl_control_bytes_and_zero_only_delimits():
    wire = encode(_all_bytes() * 2)
    assert wire[0] == 0 and wire[-1] == 0
    inner = wire[1:-1]
    for control in (0x00, 0x01, 0x02, 0x03, 0x04, 0x05):
        assert control not in inner


def test_crc_is_zlib_crc32_little_endian_before_whitening():
    wire = encode(b"")
    # empty payload: whitened CRC-32 of b"" (0) is 55 55 55 55, no stuffing needed
    assert wire == b"\x00\x55\x55\x55\x55\x00"


def test_many_frames_back_to_back_and_split_anywhere():
    payloads = [bytes([i]) * i for i in range(1, 40)]
    wire = b"".join(encode(p) for p in payloads)
    decoder = Decoder()
    got = []
    for i in range(0, len(wire), 7):
        got += decoder.feed(wire[i:i + 7])
    assert got == payloads
    assert decoder.errors == 0


def test_garbage_between_frames_is_dropped_and_counted():
    decoder = Decoder()
    junk = b"Traceback (most recent call last):\r\n>>> "
    got = decoder.feed(junk + encode(b"one") + junk + b"\x00" + encode(b"two") + b"\x03\x03")
    assert got == [b"one", b"two"]
    assert decoder.errors == 2      # the junk before each frame


def test_any_single_byte_corruption_is_never_accepted():
    payload = b"\x01\x02hello world\x00\xff"
    wire = encode(payload)
    for i in range(1, len(wire) - 1):
        for value in (wire[i] ^ 0x01, wire[i] ^ 0x80, 0x10, 0x00, 0x03):
            if value == wire[i]:
                continue
            bad = wire[:i] + bytes([value]) + wire[i + 1:]
            decoder = Decoder()
            assert decoder.feed(bad) == []
            # and the decoder is in sync for the next good frame
            assert decoder.feed(encode(b"next")) == [b"next"]


def test_torn_frame_then_good_frame():
    wire = encode(b"complete request")
    decoder = Decoder()
    assert decoder.feed(wire[:9]) == []
    assert decoder.feed(encode(b"after")) == [b"after"]
    assert decoder.errors == 1


def test_oversized_frame_is_dropped_without_growing():
    decoder = Decoder(max_payload=16)
    assert decoder.feed(encode(b"x" * 17)) == []
    assert decoder.errors == 1
    assert decoder.feed(encode(b"y" * 16)) == [b"y" * 16]


def test_bad_escape_is_dropped():
    decoder = Decoder()
    assert decoder.feed(b"\x00\x10\x77abcd\x00") == []
    assert decoder.errors == 1


def test_feeding_bytes_allocates_nothing():
    wire = encode(b"abc" * 20)
    decoder = Decoder()
    done = 0
    with heap_locked():
        for i in range(len(wire) - 1):
            if decoder.feed_byte(wire[i]) >= 0:
                done += 1
    assert done == 0
    assert decoder.feed_byte(wire[-1]) == 60
    assert bytes(decoder.payload()) == b"abc" * 20


def test_encode_into_matches_encode_and_bound_holds():
    payload = bytes(range(6)) * 50 + b"\x10\x45"
    out = bytearray(frame.max_encoded_size(len(payload)))
    n = frame.encode_into(payload, out)
    assert bytes(out[:n]) == encode(payload)
    worst = bytes([0x55]) * 100
    assert len(encode(worst)) <= frame.max_encoded_size(100)
