"""The report's charts as HTML fragments with inline SVG (no scripts, no external files).

Each SVG stretches to the width of its box (``preserveAspectRatio="none"``) and holds only
shapes; all text is HTML beside it, so labels stay readable on a phone-sized window where a
scaled SVG's text would shrink. Colours are the Okabe-Ito palette (safe for colour-blindness).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from html import escape

from unsit.review.daydata import Run
from unsit.review.reminders import HEEDED, IGNORED, SNOOZED
from unsit_firmware.logic import states

COLOURS = {
    states.SITTING: "#D55E00",
    states.STANDING: "#009E73",
    states.WALKING: "#0072B2",
    states.LYING: "#CC79A7",
}
NOT_WORN_COLOUR = "#c8c8c8"
HEEDED_COLOUR = "#1b7f3b"
IGNORED_COLOUR = "#111111"
SNOOZED_COLOUR = "#56B4E9"     # Okabe-Ito sky blue, and dashed: told apart without colour too
SNOOZED_DASH = "3 2"
MARK_COLOURS = {HEEDED: HEEDED_COLOUR, SNOOZED: SNOOZED_COLOUR, IGNORED: IGNORED_COLOUR}
SIT_COLOUR = COLOURS[states.SITTING]
BREAKS_COLOUR = COLOURS[states.STANDING]
BOUT_COLOUR = COLOURS[states.LYING]


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def day_label(day: date) -> str:
    return f"{day:%a} {day.day} {day:%b}"


def legend() -> str:
    items = [(COLOURS[s], states.NAMES[s]) for s in COLOURS]
    items.append((NOT_WORN_COLOUR, "not worn"))
    swatches = "".join(
        f'<span><i style="background:{colour}"></i>{escape(name)}</span>' for colour, name in items
    )
    marks = "".join(
        f'<span><i class="mark" style="background:{_swatch(outcome)}"></i>reminder {outcome}'
        f'{" (double tap)" if outcome == SNOOZED else ""}</span>'
        for outcome in (HEEDED, SNOOZED, IGNORED)
    )
    return f'<p class="legend">{swatches}{marks}</p>'


def _swatch(outcome: str) -> str:
    """A legend swatch's CSS background: solid, or dashed like the snoozed mark."""
    colour = MARK_COLOURS[outcome]
    if outcome != SNOOZED:
        return colour
    return f"repeating-linear-gradient({colour} 0 3px, transparent 3px 5px)"


def hour_axis() -> str:
    ticks = "".join(
        f'<span style="left:{h / 24 * 100:.4g}%">{h:02d}</span>' for h in range(0, 25, 3)
    )
    return f'<div class="row axis"><span></span><div class="ticks">{ticks}</div></div>'


def timeline(days: Sequence[date], runs: Sequence[Sequence[Run]],
             marks: Sequence[Sequence[tuple[int, str, str]]], low: Sequence[bool],
             estimated: Sequence[bool] | None = None) -> str:
    """One strip per day: posture runs (minutes of the local day) and reminder marks
    ``(minute, outcome, tip)`` in a band above them (outcome: ``reminders.HEEDED``,
    ``SNOOZED`` or ``IGNORED``). Day labels get ``*`` for ``low`` wear, ``~`` for
    ``estimated`` times."""
    out = [legend(), hour_axis()]
    if estimated is None:
        estimated = [False] * len(days)
    for day, day_runs, day_marks, is_low, is_estimated in zip(
            days, runs, marks, low, estimated, strict=True):
        shapes = []
        for run in day_runs:
            colour = COLOURS.get(run.state, NOT_WORN_COLOUR)
            tip = (f"{_hhmm(run.start)}\u2013{_hhmm(run.end)} {states.NAMES[run.state]}"
                   f" ({run.end - run.start} min)")
            shapes.append(
                f'<rect x="{run.start}" y="8" width="{run.end - run.start}" height="16"'
                f' fill="{colour}"><title>{escape(tip)}</title></rect>'
            )
        for minute, outcome, tip in day_marks:
            dash = f' stroke-dasharray="{SNOOZED_DASH}"' if outcome == SNOOZED else ""
            shapes.append(
                f'<line x1="{minute + 0.5}" x2="{minute + 0.5}" y1="0" y2="24"'
                f' stroke="{MARK_COLOURS[outcome]}"{dash}'
                f' stroke-width="3" vector-effect="non-scaling-stroke">'
                f'<title>{escape(tip)}</title></line>'
            )
        flags = ("*" if is_low else "") + ("~" if is_estimated else "")
        label = day_label(day) + (f" {flags}" if flags else "")
        out.append(
            f'<div class="row"><span class="label">{escape(label)}</span>'
            f'<svg class="strip" viewBox="0 0 1440 24" preserveAspectRatio="none" role="img"'
            f' aria-label="postures on {day.isoformat()}">'
            f'<rect class="bg" x="0" y="8" width="1440" height="16"/>{"".join(shapes)}</svg></div>'
        )
    return "\n".join(out)


def heatmap(labels: Sequence[str], names: Sequence[str],
            cells: dict[tuple[int, int], tuple[int, int, int]]) -> str:
    """Sitting minutes per local hour (columns) and row (a day, or a week or month), the
    darker the more sitting. ``cells`` maps ``(row, hour)`` to (sitting seconds, worn seconds,
    days worn in that hour); a row of several days shows the mean of the days worn then.
    Hours without wear stay pale grey. ``names`` name the rows in the tooltips."""
    out = [hour_axis()]
    for i, (label, name) in enumerate(zip(labels, names, strict=True)):
        shapes = []
        for hour in range(24):
            sitting, worn, days = cells.get((i, hour), (0, 0, 0))
            if worn == 0 or days == 0:
                continue
            mean = sitting / days
            share = min(1.0, mean / 3600)
            if days == 1:
                tip = f"{name} {hour:02d}:00 sat {sitting / 60:.0f} of {worn / 60:.0f} min"
            else:
                tip = (f"{name} {hour:02d}:00 sat {mean / 60:.0f} min a day"
                       f" (mean of the {days} days worn then)")
            shapes.append(
                f'<rect x="{hour}" y="0" width="1" height="1" fill="{SIT_COLOUR}"'
                f' fill-opacity="{0.08 + 0.92 * share:.3f}"><title>{escape(tip)}</title></rect>'
            )
        out.append(
            f'<div class="row"><span class="label">{escape(label)}</span>'
            f'<svg class="cells" viewBox="0 0 24 1" preserveAspectRatio="none" role="img"'
            f' aria-label="sitting per hour, {escape(name)}">'
            f'<rect class="bg" x="0" y="0" width="24" height="1"/>{"".join(shapes)}</svg></div>'
        )
    scale = "".join(
        f'<i style="background:{SIT_COLOUR};opacity:{0.08 + 0.92 * m / 60:.2f}"></i>'
        for m in (0, 15, 30, 45, 60)
    )
    out.append(f'<p class="legend scale">0 {scale} 60 minutes of sitting in the hour</p>')
    return "\n".join(out)


GRID_COLOUR = "#c4c4c4"
_END = ' class="end"'
MAX_X_LABELS = 6        # date labels along a trend chart's x axis (fit a phone's 260 px)


def bars(title: str, labels: Sequence[str], names: Sequence[str], values: Sequence[float],
         low: Sequence[bool], colour: str, unit: str, reference: float | None = None) -> str:
    """A bar chart with one bar per day (or week, or month): gridlines at 3 to 5 round values
    labelled with ``unit``, up to :data:`MAX_X_LABELS` of the ``labels`` along the x axis,
    ``low`` bars pale, ``reference`` as a dashed line. ``names`` name the bars in tooltips."""
    n = len(values)
    step, top = _ticks(max([*values, reference or 0, 0]))
    ticks = [step * k for k in range(round(top / step) + 1)]
    shapes = []
    for tick in ticks[1:]:
        y = 100 - 100 * tick / top
        shapes.append(
            f'<line class="grid" x1="0" x2="{max(n, 1)}" y1="{y:.2f}" y2="{y:.2f}"'
            f' stroke="{GRID_COLOUR}" stroke-width="1" vector-effect="non-scaling-stroke"'
            ' shape-rendering="crispEdges"/>'
        )
    suffix = f" {unit}" if unit else ""
    for i, (name, value, is_low) in enumerate(zip(names, values, low, strict=True)):
        height = 100 * value / top
        tip = f"{name}: {value:g}{suffix}" + (" (little wear)" if is_low else "")
        faded = ' fill-opacity="0.35"' if is_low else ""
        shapes.append(
            f'<rect x="{i + 0.12:.2f}" y="{100 - height:.2f}" width="0.76" height="{height:.2f}"'
            f' fill="{colour}"{faded}>'
            f'<title>{escape(tip)}</title></rect>'
        )
    if reference is not None:
        y = 100 - 100 * reference / top
        shapes.append(
            f'<line x1="0" x2="{n}" y1="{y:.2f}" y2="{y:.2f}" stroke="#444" stroke-width="1"'
            ' stroke-dasharray="4 3" vector-effect="non-scaling-stroke"/>'
        )
    yticks = "".join(
        f'<span style="top:{100 - 100 * tick / top:.4g}%">{tick:g}{suffix if tick else ""}'
        "</span>" for tick in ticks
    )
    every = max(1, -(-n // MAX_X_LABELS))
    # A label near the right end is aligned to the end, so it does not stick out of the chart.
    xticks = "".join(
        f'<span{_END if (i + 0.5) / n > 0.88 and i else ""}'
        f' style="left:{(i + 0.5) / n * 100:.4g}%">{escape(labels[i])}</span>'
        for i in range(0, n, every)
    )
    return (
        f'<figure class="trend"><figcaption>{escape(title)}</figcaption>'
        f'<div class="plot"><div class="yaxis">{yticks}</div>'
        f'<svg class="bars" viewBox="0 0 {max(n, 1)} 100" preserveAspectRatio="none" role="img"'
        f' aria-label="{escape(title)}"><rect class="bg" x="0" y="0" width="{max(n, 1)}"'
        f' height="100"/>{"".join(shapes)}</svg>'
        f'<div class="xaxis">{xticks}</div></div>'
        f'</figure>'
    )


def _ticks(value: float) -> tuple[float, float]:
    """A round step (1, 2 or 5 times a power of ten) and a top that is a multiple of it, at
    least ``value``, with 3 to 5 steps from 0 to the top."""
    if value <= 0:
        value = 1.0                     # an empty chart still gets a readable scale
    power = 10.0 ** math.floor(math.log10(value / 4))
    for factor in (1, 2, 5, 10, 20):
        step = float(f"{factor * power:.6g}")
        steps = math.ceil(value / step - 1e-9)
        if steps <= 5:
            return step, float(f"{max(steps, 3) * step:.6g}")
    return 20 * power, 100 * power
