"""Durations as people say them: "40 s", "12 min", "3 h 05 min", "2 days 4 h", "276 days"."""

from __future__ import annotations


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
