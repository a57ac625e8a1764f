"""Log records: layout, round trips, CRC, and that no corrupt record is ever accepted."""

from logic import records
from logic.records import SIZE, pack_event, pack_minute, unpack
from portable import heap_locked, raises


def test_crc16_check_value():
    assert records.crc16(b"123456789") == 0x29B1


def test_minute_round_trip_and_layout():
    data = pack_minute(1, 1767225600, False, (0, 42, 12, 6, 0), 17)
    assert len(data) == SIZE == 16
    assert data.hex() == "0100000000b955690080ca1840043e1e"
    assert unpack(data) == (1, records.MINUTE, 1767225600, False, (0, 42, 12, 6, 0, 17))


def test_every_field_extreme_round_trips():
    for counts in ((60, 0, 0, 0, 0), (0, 60, 0, 0, 0), (0, 0, 0, 0, 60), (60, 60, 60, 60, 60),
                   (0, 0, 0, 0, 0), (1, 2, 3, 4, 5)):
        for steps in (0, 1, 512, 1023):
            data = pack_minute(0xFFFFFFFF, 0xFFFFFFFF, True, counts, steps)
            assert unpack(data) == (0xFFFFFFFF, records.MINUTE, 0xFFFFFFFF, True,
                                    tuple(counts) + (steps,))


def test_steps_are_capped_and_bad_counts_refused():
    assert unpack(pack_minute(1, 0, False, (0, 60, 0, 0, 0), 5000))[4][5] == 1023
    with raises(ValueError):
        pack_minute(1, 0, False, (0, 61, 0, 0, 0), 0)
    with raises(ValueError):
        pack_minute(1, 0, False, (-1, 0, 0, 0, 0), 0)
    with raises(ValueError):
        pack_minute(1, 0, False, (0, 0, 0, 0, 0), -1)


def test_event_round_trip():
    data = pack_event(7, 1767225660, False, 1, 0xFFFF, 0x1234)
    assert unpack(data) == (7, 1, 1767225660, False, (0xFFFF, 0x1234))
    assert unpack(pack_event(8, 5, False, 6, -3, 70000)) == (
        8, 6, 5, False, (0xFFFD, 70000 & 0xFFFF))
    assert unpack(pack_event(9, 5, False, records.IDLE, 45, 0))[4] == (45,)
    with raises(ValueError):
        pack_event(1, 0, False, records.MINUTE, 0, 0)
    with raises(ValueError):
        pack_event(1, 0, False, 128, 0, 0)


def test_uptime_time_packs_boot_and_seconds():
    t = records.uptime_time(0x1207, 90)
    assert records.split_uptime(t) == (0x07, 90)
    assert records.split_uptime(records.uptime_time(1, 1 << 30)) == (1, records.UPTIME_MAX)
    data = pack_event(3, t, True, 4, 1, 1)
    seq, kind, got_t, uptime, values = unpack(data)
    assert (kind, got_t, uptime) == (4, t, True)


def test_every_single_and_double_bit_flip_is_rejected():
    for data in (pack_minute(1234, 1767225600, False, (3, 40, 10, 7, 0), 99),
                 pack_event(99, 1767225600, True, 5, 0x55AA, 0)):
        buf = bytearray(data)
        for bit in range(SIZE * 8):
            buf[bit >> 3] ^= 1 << (bit & 7)
            assert not records.is_valid(buf)
            for bit2 in range(bit + 1, SIZE * 8, 7):
                buf[bit2 >> 3] ^= 1 << (bit2 & 7)
                assert not records.is_valid(buf)
                buf[bit2 >> 3] ^= 1 << (bit2 & 7)
            buf[bit >> 3] ^= 1 << (bit & 7)
        assert records.is_valid(buf)


def test_short_zero_and_erased_records_are_rejected():
    for bad in (b"", b"\x00" * 15, b"\x00" * 16, b"\xff" * 16):
        assert not records.is_valid(bad)
        with raises(ValueError):
            unpack(bad)


def test_record_with_good_crc_but_impossible_seconds_is_rejected():
    buf = bytearray(pack_minute(1, 0, False, (0, 0, 0, 0, 0), 0))
    buf[9] = 61     # s0 = 61
    crc = records.crc16(buf, 0, 14)
    buf[14] = crc & 0xFF
    buf[15] = crc >> 8
    assert not records.is_valid(buf)


def test_packing_into_a_buffer_allocates_nothing_for_small_values():
    buf = bytearray(2 * SIZE)
    counts = (0, 30, 20, 10, 0)
    with heap_locked():
        records.pack_minute_into(buf, SIZE, 5, 1000, False, counts, 12)
        ok = records.is_valid(buf, SIZE)
    assert ok
    assert unpack(buf, SIZE)[0] == 5
