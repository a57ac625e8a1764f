"""Event kinds: codes are part of the log format, and the pairing audit events fit a record."""

from logic import events, records
from logic.records import pack_event, unpack

# The log format: a code once written to a clip's flash keeps its meaning for ever.
FORMAT = (
    ("REMINDER", 1), ("HEEDED", 2), ("SNOOZE", 3), ("BOOT", 4), ("TIME_SET", 5),
    ("SETTING_CHANGED", 6), ("NOT_WORN", 7), ("CALIBRATION", 8), ("DROPPED", 9),
    ("FAULT", 10), ("REMINDER_SUPPRESSED", 11), ("CLOCK_LINK", 12), ("PAIRED", 13),
    ("FORGOTTEN", 14), ("SETTING_WAS", 15), ("HOST_ID_HIGH", 18), ("HOST_ID_LOW", 19),
    ("SENSOR_FAULT", 22), ("SENSOR_OK", 23), ("STORAGE_FULL", 24), ("BOUT_END", 30),
)


def test_codes_are_never_renumbered_and_each_has_one_name():
    for name, code in FORMAT:
        assert getattr(events, name) == code, name
        assert events.NAMES[code] == name.lower()
    assert sorted(events.NAMES) == [code for _, code in FORMAT]
    assert len(set(events.NAMES.values())) == len(events.NAMES)
    for code in events.NAMES:  # never MINUTE, IDLE or beyond the kind bits
        assert records.MINUTE < code < records.IDLE


def test_pairing_events_round_trip_with_any_host_prefix():
    for kind, a, b in ((events.PAIRED, 0xA1B2, events.PAIRED_BLE),
                       (events.PAIRED, 0xFFFF, events.PAIRED_USB),
                       (events.FORGOTTEN, 0x0001, 3), (events.FORGOTTEN, 0, 0)):
        data = pack_event(42, 1790000000, False, kind, a, b)
        assert unpack(data) == (42, kind, 1790000000, False, (a, b))
    assert events.PAIRED_USB != events.PAIRED_BLE


def test_setting_was_carries_the_id_the_link_and_a_negative_old_value():
    a = 9 | events.CHANGED_BLE << 8
    data = pack_event(7, 1790000000, False, events.SETTING_WAS, a, -300 & 0xFFFF)
    seq, kind, t, uptime, (got_a, got_b) = unpack(data)
    assert (kind, got_a & 0xFF, got_a >> 8) == (events.SETTING_WAS, 9, events.CHANGED_BLE)
    assert got_b - 0x10000 == -300
    assert events.CHANGED_USB != events.CHANGED_BLE
