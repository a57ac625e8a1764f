"""The clip's settings as the wearer names them: ``sit_limit_min=45``, ``quiet_hours=22:00-07:00``,
``days=mon-fri``, ``reminders=off``.

Each key maps onto one or two of the firmware's numeric settings (``logic/settings.py``
``SCHEMA``, the ids the protocol carries); :func:`parse_assignments` turns ``KEY=VALUE``
texts into those numbers and checks every one with the firmware's own ``Settings.set``, the
validation the clip runs, so a value the host accepts is one the clip accepts. A mistake is an
:class:`UnsitError` with exit code 2, raised before anything is sent. docs/settings.md lists
the keys.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from unsit.errors import UnsitError
from unsit_firmware.logic.settings import SCHEMA, Settings

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ALL_DAYS = 0x7F
_ENTRY = {entry[1]: entry for entry in SCHEMA}
_ID = {entry[1]: entry[0] for entry in SCHEMA}


def _error(message: str) -> UnsitError:
    return UnsitError(message, exit_code=2)


def _whole(key: str, text: str) -> int:
    try:
        return int(text.strip(), 10)
    except ValueError:
        raise _error(f"{key}: not a whole number: {text!r}") from None


def _clock(key: str, text: str) -> int:
    """Minutes of the day of ``HH:MM``."""
    hours, sep, minutes = text.strip().partition(":")
    if not sep or not hours.isdigit() or not minutes.isdigit() or len(minutes) != 2:
        raise _error(f"{key}: not a time of day: {text!r} (e.g. 22:00)")
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise _error(f"{key}: not a time of day: {text!r} (00:00 to 23:59)")
    return h * 60 + m


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def parse_quiet_hours(text: str) -> dict[str, int]:
    """``22:00-07:00`` (may wrap midnight) or ``off``."""
    if text.strip().lower() in ("off", "none"):
        return {"quiet_start_min": 0, "quiet_end_min": 0}
    start, sep, end = text.partition("-")
    if not sep:
        raise _error(f"quiet_hours: {text!r} is not START-END (e.g. 22:00-07:00) or off")
    first, last = _clock("quiet_hours", start), _clock("quiet_hours", end)
    if first == last:
        raise _error(f"quiet_hours: {text!r} starts where it ends: say off for none")
    return {"quiet_start_min": first, "quiet_end_min": last}


def format_quiet_hours(values: Mapping[str, int]) -> str:
    start, end = values["quiet_start_min"], values["quiet_end_min"]
    return "off" if start == end else f"{_hhmm(start)}-{_hhmm(end)}"


def _day(text: str) -> int:
    """0 = Monday: ``mon``, ``monday`` (three letters at least)."""
    word = text.strip().lower()
    for i, name in enumerate(_FULL_DAYS):
        if len(word) >= 3 and name.startswith(word):
            return i
    raise _error(f"days: not a day: {text!r} (mon, tue, wed, thu, fri, sat, sun)")


def parse_days(text: str) -> dict[str, int]:
    """``mon-fri``, ``mon,wed,fri``, ``sat-sun``, ``fri-mon`` (wraps), ``all`` or ``none``."""
    words = text.strip().lower()
    if words in ("all", "every", "daily"):
        return {"weekday_mask": ALL_DAYS}
    if words == "none":
        return {"weekday_mask": 0}
    mask = 0
    for part in words.split(","):
        first, sep, last = part.partition("-")
        if not first.strip():
            raise _error(f"days: {text!r} is not a list of days (e.g. mon-fri or mon,wed,fri)")
        a = _day(first)
        b = _day(last) if sep else a
        i = a
        while True:
            mask |= 1 << i
            if i == b:
                break
            i = (i + 1) % 7
    return {"weekday_mask": mask}


def format_days(values: Mapping[str, int]) -> str:
    """The mask as runs of days: ``mon-fri``, ``mon,wed,fri``, ``all``, ``none``."""
    mask = values["weekday_mask"]
    if mask == ALL_DAYS:
        return "all"
    if mask == 0:
        return "none"
    runs: list[tuple[int, int]] = []
    for day in range(7):
        if mask >> day & 1:
            if runs and runs[-1][1] == day - 1:
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
    parts = []
    for a, b in runs:
        if a == b:
            parts.append(DAYS[a])
        elif b == a + 1:
            parts.append(f"{DAYS[a]},{DAYS[b]}")
        else:
            parts.append(f"{DAYS[a]}-{DAYS[b]}")
    return ",".join(parts)


def parse_switch(text: str) -> dict[str, int]:
    word = text.strip().lower()
    if word in ("on", "yes", "1", "true"):
        return {"enabled": 1}
    if word in ("off", "no", "0", "false"):
        return {"enabled": 0}
    raise _error(f"reminders: {text!r} is neither on nor off")


@dataclass(frozen=True)
class Key:
    """One setting as the wearer names it, and the firmware settings it stands for."""

    key: str
    names: tuple[str, ...]        # firmware setting names (logic/settings.py)
    unit: str
    help: str
    parse: Callable[[str], dict[str, int]] | None = None   # None: a whole number
    show: Callable[[Mapping[str, int]], str] | None = None
    settable: bool = True

    def value(self, values: Mapping[str, int]) -> int | str:
        """The wearer's form of this key in ``values`` (firmware name -> number)."""
        if self.show is not None:
            return self.show(values)
        return values[self.names[0]]

    def allowed(self) -> str:
        if len(self.names) == 1 and self.parse is None:
            entry = _ENTRY[self.names[0]]
            return f"{entry[3]}..{entry[4]}"
        return {
            "quiet_hours": "HH:MM-HH:MM or off",
            "days": "e.g. mon-fri, mon,wed,fri, all, none",
            "reminders": "on or off",
        }.get(self.key, "")


def _single(name: str) -> Callable[[str], dict[str, int]]:
    return lambda text: {name: _whole(name, text)}


KEYS: tuple[Key, ...] = (
    Key("sit_limit_min", ("sit_limit_min",), "min",
        "continuous sitting before the first reminder"),
    Key("break_s", ("break_s",), "s", "upright this long counts as a break"),
    Key("repeat_min", ("repeat_min",), "min", "minutes between repeated reminders"),
    Key("max_repeats", ("max_repeats",), "", "repeats after the first reminder, per bout"),
    Key("snooze_min", ("snooze_min",), "min", "a double tap silences reminders this long"),
    Key("quiet_hours", ("quiet_start_min", "quiet_end_min"), "local time",
        "no reminders in these hours", parse_quiet_hours, format_quiet_hours),
    Key("days", ("weekday_mask",), "", "the days reminders run", parse_days, format_days),
    Key("motor_strength", ("motor_percent",), "%", "vibration strength"),
    Key("reminders", ("enabled",), "", "reminders on or off", parse_switch,
        lambda values: "on" if values["enabled"] else "off"),
    Key("utc_offset_min", ("utc_offset_min",), "min",
        "local time minus UTC (set by every sync from this computer's clock)", settable=False),
)
BY_KEY = {key.key: key for key in KEYS}
SETTING_ID = _ID


def defaults() -> dict[str, int]:
    """Every firmware setting's default, by name."""
    return dict(Settings().items())


def parse_assignments(texts: Iterable[str]) -> dict[str, int]:
    """``KEY=VALUE`` texts -> firmware setting name -> value, each checked as the clip checks
    it (``Settings.set``); the first mistake raises :class:`UnsitError` (exit code 2)."""
    wanted: dict[str, int] = {}
    checker = Settings()
    for text in texts:
        key_text, sep, value = text.partition("=")
        key_name = key_text.strip().lower()
        if not sep or not key_name:
            raise _error(f"{text!r} is not KEY=VALUE (e.g. sit_limit_min=45)")
        key = BY_KEY.get(key_name)
        if key is None:
            known = ", ".join(k.key for k in KEYS if k.settable)
            raise _error(f"unknown setting {key_name!r}; the settings are: {known}")
        if not key.settable:
            raise _error(f"{key_name} is set from this computer's clock by 'unsit sync'")
        if not value.strip():
            raise _error(f"{key_name}: no value given")
        parse = key.parse or _single(key.names[0])
        for name, number in parse(value).items():
            try:
                checker.set(name, number)
            except ValueError as error:
                entry = _ENTRY[name]
                unit = f" {key.unit}" if key.unit and key.parse is None else ""
                if key.parse is None:
                    raise _error(f"{key_name} must be from {entry[3]} to {entry[4]}{unit}, "
                                 f"not {number}") from None
                raise _error(f"{key_name}: {error}") from None
            wanted[name] = number
    return wanted


def by_key(values: Mapping[str, int]) -> dict[str, int | str]:
    """Firmware values (name -> number) in the wearer's keys (key -> value)."""
    return {key.key: key.value(values) for key in KEYS}


def changed_keys(before: Mapping[str, int], after: Mapping[str, int]
                 ) -> dict[str, tuple[int | str, int | str]]:
    """Keys whose value differs: key -> (old, new), in the wearer's form."""
    out: dict[str, tuple[int | str, int | str]] = {}
    for key in KEYS:
        old, new = key.value(before), key.value(after)
        if old != new:
            out[key.key] = (old, new)
    return out


def key_of_setting(name: str) -> Key:
    """The wearer's key that shows firmware setting ``name``."""
    for key in KEYS:
        if name in key.names:
            return key
    raise KeyError(name)


_LABELS = {
    "quiet_start_min": "quiet hours start", "quiet_end_min": "quiet hours end",
    "weekday_mask": "days", "motor_percent": "motor_strength", "enabled": "reminders",
}


def describe(name: str, value: int) -> tuple[str, str]:
    """``(label, value)`` of firmware setting ``name`` as the wearer reads them: a time of
    day, a list of days, on/off, or a number with its unit."""
    label = _LABELS.get(name, name)
    if name in ("quiet_start_min", "quiet_end_min"):
        return label, _hhmm(value % 1440)
    if name == "weekday_mask":
        return label, format_days({"weekday_mask": value & ALL_DAYS})
    if name == "enabled":
        return label, "on" if value else "off"
    unit = key_of_setting(name).unit if name in _ENTRY else ""
    return label, f"{value} {unit}".strip()
