"""The review as one self-contained HTML file: inline CSS, inline SVG charts, a little inline JS.

Nothing is fetched when the file is opened (no fonts, scripts or images from the network), so
it works offline and can be mailed. Sections: key figures, a timeline strip per day (with each
reminder marked heeded, snoozed or ignored), an hourly
heatmap of sitting, daily trends and the table of daily metrics. Each chart section has an id
(:data:`CHART_SECTIONS`) so ``--png`` can render it alone.
"""

from __future__ import annotations

import sqlite3
import statistics
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone, tzinfo
from html import escape
from typing import Any

from unsit import __version__
from unsit.review import charts, periods
from unsit.review.daydata import day_runs, hourly_sitting
from unsit.review.metrics import LOW_WEAR_MIN, DayMetrics, summarise
from unsit.review.reminders import HEEDED, SNOOZED, reminders
from unsit.review.setting_changes import SettingChange, setting_changes
from unsit.review.source import (
    DAY_S, LocalClock, day_number, day_start_utc, days_between,
)

CHART_SECTIONS = ("timeline", "heatmap", "trends")

_ESTIMATED_NOTE = (" Days marked ~ hold minutes whose time is an estimate (a boot that ended"
                   " before its clock was set): they may lie up to about 10 min late.")

_SETTINGS_MARK = "\u2699"
_SETTINGS_NOTE = f" Days marked {_SETTINGS_MARK} are days the clip's settings changed (listed last)."

_CSS = """
:root { color-scheme: light; --ink: #1d1d1f; --muted: #666; --line: #e2e2e2; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1100px; padding: 12px; font: 14px/1.4 system-ui, -apple-system,
  "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
section { padding-bottom: 10px; }
h1 { font-size: 1.4em; margin: 0.2em 0; } h2 { font-size: 1.1em; margin: 1.4em 0 0.4em; }
header p, .note { color: var(--muted); margin: 0.2em 0; }
.figures { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 8px;
  margin: 12px 0; }
.figures div { border: 1px solid var(--line); border-radius: 8px; padding: 8px; }
.figures b { display: block; font-size: 1.4em; }
.row { display: grid; grid-template-columns: 6.6em 1fr; align-items: center; gap: 6px;
  height: 22px; }
.row .label { font-size: 12px; white-space: nowrap; overflow: hidden; }
svg { display: block; width: 100%; }
svg .bg { fill: #f3f3f3; }
svg.strip { height: 20px; } svg.cells { height: 18px; }
.axis { height: 16px; } .ticks { position: relative; height: 16px; font-size: 11px;
  color: var(--muted); }
.ticks span { position: absolute; transform: translateX(-50%); }
.ticks span:first-child { transform: none; }
.ticks span:last-child { transform: translateX(-100%); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; font-size: 12px; margin: 4px 0 8px; }
.legend i { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
  vertical-align: -2px; border-radius: 2px; }
.legend i.mark { width: 3px; }
.legend.scale i { margin: 0 1px; }
.trends { display: grid; grid-template-columns: repeat(auto-fit, minmax(260px, 1fr)); gap: 12px; }
figure.trend { margin: 0; } figcaption { font-weight: 600; margin-bottom: 4px; }
.plot { display: grid; grid-template-columns: 4em 1fr; grid-template-rows: 120px 18px;
  column-gap: 4px; }
.yaxis, .xaxis { position: relative; font-size: 11px; color: var(--muted); white-space: nowrap; }
.yaxis span { position: absolute; right: 0; transform: translateY(-50%); }
.xaxis { grid-column: 2; }
.xaxis span { position: absolute; top: 3px; transform: translateX(-50%); }
.xaxis span.end { left: auto !important; right: 0; transform: none; }
svg.bars { height: 120px; }
.table { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 12px; white-space: nowrap; }
th, td { padding: 3px 5px; border-bottom: 1px solid var(--line); text-align: right; }
th { white-space: normal; vertical-align: bottom; min-width: 3.2em; }
th:first-child, td:first-child { text-align: left; position: sticky; left: 0; background: #fff; }
tr.low td { color: var(--muted); }
details summary { cursor: pointer; margin: 8px 0; }
#tip { position: fixed; left: 8px; right: 8px; bottom: 8px; padding: 8px 10px; border-radius: 8px;
  background: #222; color: #fff; font-size: 13px; display: none; }
@media (max-width: 520px) { body { padding: 8px; font-size: 13px; }
  .row { grid-template-columns: 5.4em 1fr; } .row .label { font-size: 11px; } }
"""

# Tap or hover on a shape: its <title> shows in a bar (phones have no hover tooltips).
_JS = """
document.addEventListener('click', function (e) {
  var tip = document.getElementById('tip');
  var t = e.target.closest ? e.target.closest('rect,line') : null;
  var title = t && t.querySelector('title');
  if (title) { tip.textContent = title.textContent; tip.style.display = 'block'; }
  else { tip.style.display = 'none'; }
});
"""

_TABLE = (
    ("date", "day"), ("wear_min", "wear min"), ("sitting_min", "sitting min"),
    ("steps", "steps"), ("breaks", "breaks"), ("breaks_per_sitting_hour", "breaks/sit h"),
    ("mean_bout_min", "mean bout"), ("longest_bout_min", "longest bout"),
    ("bouts_30", "bouts ≥30"), ("bouts_60", "bouts ≥60"), ("reminders", "reminders"),
    ("snoozed", "snoozed"), ("heeded_pct", "heeded %"), ("median_min_to_get_up", "min to get up"),
)


TIMELINE_DAYS = 28     # days drawn as strips when the report is by week or month


def build_report(conn: sqlite3.Connection, device: str, first: date, last: date,
                 zone: tzinfo, generated: datetime | None = None,
                 period: str | None = None) -> str:
    """The whole HTML page for ``device`` over local days ``first``..``last``, by ``period``
    (``day``, ``week`` or ``month``; by default from the range's length, see
    :func:`periods.auto_period`). By week or month the trends, heatmap and table show one row
    per period, the timeline the last :data:`TIMELINE_DAYS` days, and every day stays in a
    folded table."""
    period = period or periods.auto_period(first, last)
    days = days_between(first, last)
    lo = day_start_utc(first, zone)
    hi = day_start_utc(last + timedelta(days=1), zone)
    clock = LocalClock(zone, lo - DAY_S, hi + DAY_S)
    base = day_number(first)
    metrics = summarise(conn, [device], first, last, zone)
    rows = [d.as_row() for d in metrics]
    strips = days if period == "day" else days[-TIMELINE_DAYS:]
    strips_lo = day_start_utc(strips[0], zone)
    runs = day_runs(conn, clock, device, strips_lo, hi, day_number(strips[0]), len(strips))
    marks: list[list[tuple[int, str, str]]] = [[] for _ in strips]
    for reminder in reminders(conn, device, strips_lo, hi):
        local = clock.local_seconds(reminder.t_utc)
        i = local // DAY_S - day_number(strips[0])
        minute = local % DAY_S // 60
        when = f"{minute // 60:02d}:{minute % 60:02d}"
        if reminder.outcome == HEEDED and reminder.get_up_s is not None:
            tip = f"reminder at {when}: heeded, up after {reminder.get_up_s / 60:.0f} min"
        elif reminder.outcome == SNOOZED:
            tip = f"reminder at {when}: snoozed (double tap), not heeded"
        else:
            tip = f"reminder at {when}: not heeded"
        marks[i].append((minute, reminder.outcome, tip))
    changes = setting_changes(conn, device, lo, hi)
    changed_on = {clock.day_of(c.t_utc).isoformat() for c in changes}
    low = [row["low_wear"] for row in rows]
    estimated = [row["estimated_min"] > 0 for row in rows]
    note = _ESTIMATED_NOTE if any(estimated) else ""
    stamp = (generated or datetime.now(timezone.utc)).astimezone(zone)
    name = _device_name(conn, device)
    groups = periods.group(metrics, period)
    if period == "day":
        timeline_head = "<h2>Day by day</h2>"
    else:
        timeline_head = (f"<h2>Day by day: the last {len(strips)} days</h2>"
                         '<p class="note">Earlier days are in the tables below.</p>')
    return "\n".join([
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>unsit: {escape(first.isoformat())} to {escape(last.isoformat())}</title>",
        f"<style>{_CSS}</style></head><body>",
        "<header><h1>How you sat</h1>",
        f"<p>{escape(name)} &middot; {escape(first.isoformat())} to {escape(last.isoformat())}"
        f" &middot; time zone {escape(str(zone))}</p>",
        f'<p class="note">made by unsit {escape(__version__)} on {stamp:%Y-%m-%d %H:%M}.'
        f" Days marked * had less than {LOW_WEAR_MIN // 60} h of wear.{note}"
        f"{_SETTINGS_NOTE if changes else ''}</p></header>",
        _figures(rows),
        f'<section id="timeline">{timeline_head}',
        charts.timeline(strips, runs, marks, low[-len(strips):], estimated[-len(strips):]),
        "</section>",
        f'<section id="heatmap"><h2>Sitting by hour of the day{_BY[period]}</h2>',
        _heatmap(conn, clock, device, lo, hi, base, days, groups, period),
        "</section>",
        f'<section id="trends"><h2>Trends{_BY[period]}</h2>',
        _trends(groups, period),
        "</section>",
        f'<section id="days"><h2>{_TABLE_HEAD[period]}</h2>',
        _tables(rows, groups, period, changed_on),
        "</section>",
        _settings_section(changes, clock),
        '<div id="tip" role="status"></div>',
        f"<script>{_JS}</script>",
        "</body></html>",
        "",
    ])


_BY = {"day": "", "week": ", by week", "month": ", by month"}
_TABLE_HEAD = {"day": "Every day", "week": "Week by week", "month": "Month by month"}


def _heatmap(conn: sqlite3.Connection, clock: LocalClock, device: str, lo: int, hi: int,
             base: int, days: Sequence[date],
             groups: Sequence[tuple[date, list[DayMetrics]]], period: str) -> str:
    by_day = hourly_sitting(conn, clock, device, lo, hi, base)
    if period == "day":
        cells = {key: (sitting, worn, 1) for key, (sitting, worn) in by_day.items()}
        return charts.heatmap([charts.day_label(d) for d in days],
                              [d.isoformat() for d in days], cells)
    row_of: dict[int, int] = {}
    for row, (_, members) in enumerate(groups):
        for member in members:
            row_of[(member.day - days[0]).days] = row
    summed: dict[tuple[int, int], tuple[int, int, int]] = {}
    for (i, hour), (sitting, worn) in by_day.items():
        if worn and i in row_of:
            key = (row_of[i], hour)
            s, w, n = summed.get(key, (0, 0, 0))
            summed[key] = (s + sitting, w + worn, n + 1)
    names = [f"week of {start.isoformat()}" if period == "week" else f"{start:%B %Y}"
             for start, _ in groups]
    return charts.heatmap([periods.period_label(start, period) for start, _ in groups],
                          names, summed)


def _trends(groups: Sequence[tuple[date, list[DayMetrics]]], period: str) -> str:
    """Sitting, breaks and the longest bout per day; by week or month the mean day of the
    period's valid days (all its days when none is valid, drawn pale)."""
    labels, names, low, means = [], [], [], []
    for start, members in groups:
        valid = [d for d in members if not d.low_wear]
        means.append(periods.average_row(valid or members))
        low.append(not valid)
        labels.append(f"{start.day} {start:%b}" if period != "month" else f"{start:%b}")
        names.append(periods.period_label(start, period) if period != "day"
                     else start.isoformat())
    per = "" if period == "day" else f" (mean day of each {period})"
    return "".join([
        '<div class="trends">',
        charts.bars(f"Sitting per day{per}", labels, names,
                    [round(r["sitting_min"] / 60, 1) for r in means], low, charts.SIT_COLOUR,
                    "h"),
        charts.bars(f"Breaks in sitting per day{per}", labels, names,
                    [r["breaks"] for r in means], low, charts.BREAKS_COLOUR, ""),
        charts.bars(f"Longest sitting bout{per}; dashed: 60 min", labels, names,
                    [r["longest_bout_min"] for r in means], low, charts.BOUT_COLOUR, "min",
                    reference=60),
        "</div>",
    ])


def _device_name(conn: sqlite3.Connection, device: str) -> str:
    row = conn.execute("SELECT name FROM devices WHERE device_id = ?", (device,)).fetchone()
    return f"{row[0]} ({device})" if row and row[0] else f"device {device}"


def _figures(rows: Sequence[dict[str, Any]]) -> str:
    """The headline: per-day means over the valid days (at least 10 h of wear; every day with
    some wear if none has), reminders over every day, and a line saying which days count."""
    valid = [r for r in rows if not r["low_wear"]]
    worn = [r for r in rows if r["wear_min"] > 0]
    counted = valid or worn
    if not counted:
        return '<p class="figures">No wear recorded in these days.</p>'
    reminders_given = sum(r["reminders"] for r in rows)
    heeded = sum(r["heeded"] for r in rows)
    snoozed = sum(r["snoozed"] for r in rows)
    sitting_h = sum(r["sitting_min"] for r in counted) / 60
    hours = LOW_WEAR_MIN // 60
    figures = [
        (f"{sitting_h / len(counted):.1f} h", "sitting per day"),
        (f"{sum(r['breaks'] for r in counted) / sitting_h:.1f}" if sitting_h else "-",
         "breaks per sitting hour"),
        (f"{statistics.fmean(r['longest_bout_min'] for r in counted):.0f} min",
         "longest bout, daily mean"),
        (f"{statistics.fmean(r['bouts_60'] for r in counted):.1f}", "bouts of 60+ min per day"),
        (f"{100 * heeded / reminders_given:.0f}%" if reminders_given else "-",
         f"of {reminders_given} reminders heeded"
         + (f" ({snoozed} snoozed)" if snoozed else "") + ", all days"),
        (f"{len(counted)} of {len(rows)}",
         f"days counted: {hours} h+ of wear" if valid else "days counted: some wear"),
    ]
    cells = "".join(f"<div><b>{escape(v)}</b>{escape(k)}</div>" for v, k in figures)
    if valid:
        why = (f"The first four figures are means over {_days(len(valid))} with at least"
               f" {hours} h of wear, of {_days(len(rows))} shown: a day worn less would"
               " understate its sitting and bouts.")
    else:
        why = (f"No day has {hours} h of wear: the first four figures are means over"
               f" {_days(len(worn))} with some wear, and understate a whole day.")
    left_out = reminders_given - sum(r["reminders"] for r in counted)
    why += (f" Reminders count every day ({left_out} of them on days not counted above)."
            if left_out else " Reminders count every day.")
    return f'<div class="figures">{cells}</div><p class="note" id="counted">{escape(why)}</p>'


def _settings_section(changes: Sequence[SettingChange], clock: LocalClock) -> str:
    """The clip's settings changes, one row each (local time, setting, old -> new, link)."""
    if not changes:
        return ""
    body = []
    for change in changes:
        day = clock.day_of(change.t_utc)
        minute = clock.local_seconds(change.t_utc) % DAY_S // 60
        old = "?" if change.old is None else change.old
        cells = (f"{day.isoformat()} {minute // 60:02d}:{minute % 60:02d}", change.label,
                 f"{old} \u2192 {change.new}", change.via or "-")
        body.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("when", "setting", "changed", "over"))
    return ('<section id="settings"><h2>Settings changed</h2><div class="table"><table>'
            f'<tr>{head}</tr>{"".join(body)}</table></div></section>')


def _days(n: int) -> str:
    return "the 1 day" if n == 1 else f"the {n} days"


_DAYS_COLUMN = ("days", "days (valid)")


def _tables(rows: Sequence[dict[str, Any]], groups: Sequence[tuple[date, list[DayMetrics]]],
            period: str, changed_on: set[str] | None = None) -> str:
    """By day: the daily table. By week or month: a row per period (the mean day of its
    valid days) above the daily table, folded."""
    if period == "day":
        return _table(rows, changed_on=changed_on)
    summary = [{**row, "date": row["label"], "estimated_min": 0,
                "days": f"{row['days']} ({row['valid_days']})"}
               for row in periods.period_rows([d for _, ds in groups for d in ds], period)]
    return "".join([
        f'<p class="note">Each {period}: the mean day of its days with at least'
        f" {LOW_WEAR_MIN // 60} h of wear (valid); heeded % over all of them.</p>",
        _table(summary, (("date", period), _DAYS_COLUMN, *_TABLE[1:])),
        f"<details><summary>Every day ({len(rows)})</summary>",
        _table(rows, changed_on=changed_on),
        "</details>",
    ])


def _table(rows: Sequence[dict[str, Any]],
           columns: Sequence[tuple[str, str]] = _TABLE,
           changed_on: set[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for _, h in columns)
    body = []
    for row in rows:
        cells = []
        for field, _ in columns:
            value = row[field]
            text = "-" if value is None else str(value)
            if field == "date":
                flags = ("*" if row["low_wear"] else "") + ("~" if row["estimated_min"] else "")
                flags += _SETTINGS_MARK if changed_on and str(value) in changed_on else ""
                text += f" {flags}" if flags else ""
            cells.append(f"<td>{escape(text)}</td>")
        opening = '<tr class="low">' if row["low_wear"] else "<tr>"
        body.append(f'{opening}{"".join(cells)}</tr>')
    return f'<div class="table"><table><tr>{head}</tr>{"".join(body)}</table></div>'
