"""Durations as people say them ("40 s", "3 h 05 min", "276 days") and times as the local
minute ("2026-03-02 09:15")."""

from __future__ import annotations

from datetime import datetime, timezone


def human_duration(seconds: float) -> str:
    """``seconds`` (its size; the caller says ahead or behind) in the largest sensible units."""
    s = abs(seconds)
    if s < 90:
        return f"{round(s)} s"
    minutes = round(s / 60)
    if minutes < 90:
        return f"{minutes} min"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest:02d} min" if rest else f"{hours} h"
    hours = round(s / 3600)
    days, rest = divmod(hours, 24)
    if days < 14 and rest:
        return f"{days} days {rest} h"
    return f"{round(s / 86400)} days"


def local_minute(t_utc: int | None, missing: str = "-") -> str:
    """UTC seconds as this computer's local date and time to the minute (``missing`` for
    None)."""
    if t_utc is None:
        return missing
    return datetime.fromtimestamp(t_utc, timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
