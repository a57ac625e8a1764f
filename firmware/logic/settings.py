"""The wearer's settings: schema, defaults and validation.

Settings are addressed by name in code and by numeric id on the wire. Every value is an
integer; ``set`` checks type and range and raises ``ValueError`` with a reason, keeping the old
value. Ids are part of the protocol: never reuse or renumber one.
"""

# (id, name, default, lowest, highest)
SCHEMA = (
    (1, "sit_limit_min", 60, 10, 240),     # continuous sitting before the first reminder
    (2, "break_s", 60, 10, 600),           # upright this long counts as a break
    (3, "repeat_min", 10, 1, 60),          # minutes between repeated reminders
    (4, "max_repeats", 3, 0, 10),          # repeats after the first reminder, per bout
    (5, "snooze_min", 20, 5, 120),         # a double tap silences reminders this long
    (6, "quiet_start_min", 22 * 60, 0, 1439),  # local minute of day quiet hours begin
    (7, "quiet_end_min", 7 * 60, 0, 1439),     # local minute of day quiet hours end
    (8, "weekday_mask", 0x7F, 0, 0x7F),    # bit 0 = Monday ... bit 6 = Sunday: days reminders run
    (9, "utc_offset_min", 0, -720, 840),   # wearer's local time minus UTC, set by the host
    (10, "motor_percent", 70, 20, 100),    # vibration strength
    (11, "enabled", 1, 0, 1),              # reminders on or off
)

_BY_NAME = {}
_BY_ID = {}
for _entry in SCHEMA:
    _BY_NAME[_entry[1]] = _entry
    _BY_ID[_entry[0]] = _entry


def entry_by_id(setting_id):
    """The schema entry for a numeric id; ``KeyError`` if there is none."""
    return _BY_ID[setting_id]


class Settings:
    """Current values of every setting, starting from the defaults."""

    def __init__(self):
        self._values = {}
        for entry in SCHEMA:
            self._values[entry[1]] = entry[2]

    def get(self, name):
        return self._values[name]

    def set(self, name, value):
        """Validate and store ``value``; raise ``ValueError`` naming the problem otherwise."""
        entry = _BY_NAME.get(name)
        if entry is None:
            raise ValueError("unknown setting " + repr(name))
        if type(value) is not int:
            raise ValueError(name + " must be a whole number")
        if value < entry[3] or value > entry[4]:
            raise ValueError(
                "%s must be between %d and %d, not %d" % (name, entry[3], entry[4], value))
        self._values[name] = value

    def items(self):
        """(name, value) pairs in schema order."""
        return [(entry[1], self._values[entry[1]]) for entry in SCHEMA]
