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
from unsit.review import charts
from unsit.review.daydata import day_runs, hourly_sitting
from unsit.review.metrics import LOW_WEAR_MIN, summarise
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
body { margin: 0 auto; max-width: 980px; padding: 12px; font: 14px/1.4 system-ui, -apple-system,
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
.plot { display: grid; grid-template-columns: 3em 1fr; gap: 4px; }
.yaxis { display: flex; flex-direction: column; justify-content: space-between; text-align: right;
  font-size: 11px; color: var(--muted); }
svg.bars { height: 120px; }
.xaxis { display: flex; justify-content: space-between; font-size: 11px; color: var(--muted);
  margin-left: calc(3em + 4px); }
.table { overflow-x: auto; }
table { border-collapse: collapse; font-size: 12px; white-space: nowrap; }
th, td { padding: 3px 6px; border-bottom: 1px solid var(--line); text-align: right; }
th:first-child, td:first-child { text-align: left; }
tr.low td { color: var(--muted); }
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


def build_report(conn: sqlite3.Connection, device: str, first: date, last: date,
                 zone: tzinfo, generated: datetime | None = None) -> str:
    """The whole HTML page for ``device`` over local days ``first``..``last``."""
    days = days_between(first, last)
    lo = day_start_utc(first, zone)
    hi = day_start_utc(last + timedelta(days=1), zone)
    clock = LocalClock(zone, lo - DAY_S, hi + DAY_S)
    base = day_number(first)
    rows = [d.as_row() for d in summarise(conn, [device], first, last, zone)]
    runs = day_runs(conn, clock, device, lo, hi, base, len(days))
    marks: list[list[tuple[int, str, str]]] = [[] for _ in days]
    for reminder in reminders(conn, device, lo, hi):
        local = clock.local_seconds(reminder.t_utc)
        i = local // DAY_S - base
        minute = local % DAY_S // 60
        when = f"{minute // 60:02d}:{minute % 60:02d}"
        if reminder.outcome == HEEDED and reminder.get_up_s is not None:
            tip = f"reminder at {when}: heeded, up after {reminder.get_up_s / 60:.0f} min"
        elif reminder.outcome == SNOOZED:
            tip = f"reminder at {when}: snoozed (double tap), not heeded"
        else:
            tip = f"reminder at {when}: not heeded"
        marks[i].append((minute, reminder.outcome, tip))
    cells = hourly_sitting(conn, clock, device, lo, hi, base)
    changes = setting_changes(conn, device, lo, hi)
    changed_on = {clock.day_of(c.t_utc).isoformat() for c in changes}
    low = [row["low_wear"] for row in rows]
    estimated = [row["estimated_min"] > 0 for row in rows]
    note = _ESTIMATED_NOTE if any(estimated) else ""
    stamp = (generated or datetime.now(timezone.utc)).astimezone(zone)
    name = _device_name(conn, device)
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
        '<section id="timeline"><h2>Day by day</h2>',
        charts.timeline(days, runs, marks, low, estimated),
        "</section>",
        '<section id="heatmap"><h2>Sitting by hour of the day</h2>',
        charts.heatmap(days, cells),
        "</section>",
        '<section id="trends"><h2>Trends</h2><div class="trends">',
        charts.bars("Sitting per day (hours)", days,
                    [round(r["sitting_min"] / 60, 1) for r in rows], low, charts.SIT_COLOUR, "h"),
        charts.bars("Breaks in sitting per day", days, [r["breaks"] for r in rows], low,
                    charts.BREAKS_COLOUR, "breaks"),
        charts.bars("Longest sitting bout (minutes; dashed: 60)", days,
                    [r["longest_bout_min"] for r in rows], low, charts.BOUT_COLOUR, "min",
                    reference=60),
        "</div></section>",
        '<section id="days"><h2>Every day</h2>',
        _table(rows, changed_on),
        "</section>",
        _settings_section(changes, clock),
        '<div id="tip" role="status"></div>',
        f"<script>{_JS}</script>",
        "</body></html>",
        "",
    ])


def _device_name(conn: sqlite3.Connection, device: str) -> str:
    row = conn.execute("SELECT name FROM devices WHERE device_id = ?", (device,)).fetchone()
    return f"{row[0]} ({device})" if row and row[0] else f"device {device}"


def _figures(rows: Sequence[dict[str, Any]]) -> str:
    """Averages over the days with enough wear (or every day with some wear if none has)."""
    valid = [r for r in rows if not r["low_wear"]] or [r for r in rows if r["wear_min"] > 0]
    if not valid:
        return '<p class="figures">No wear recorded in these days.</p>'
    reminders_given = sum(r["reminders"] for r in valid)
    heeded = sum(r["heeded"] for r in valid)
    snoozed = sum(r["snoozed"] for r in valid)
    sitting_h = sum(r["sitting_min"] for r in valid) / 60
    figures = [
        (f"{sitting_h / len(valid):.1f} h", "sitting per day"),
        (f"{sum(r['breaks'] for r in valid) / sitting_h:.1f}" if sitting_h else "-",
         "breaks per sitting hour"),
        (f"{statistics.fmean(r['longest_bout_min'] for r in valid):.0f} min",
         "longest bout, daily mean"),
        (f"{statistics.fmean(r['bouts_60'] for r in valid):.1f}", "bouts of 60+ min per day"),
        (f"{100 * heeded / reminders_given:.0f}%" if reminders_given else "-",
         f"of {reminders_given} reminders heeded"
         + (f" ({snoozed} snoozed)" if snoozed else "")),
        (str(len(valid)), f"days counted of {len(rows)}"),
    ]
    cells = "".join(f"<div><b>{escape(v)}</b>{escape(k)}</div>" for v, k in figures)
    return f'<div class="figures">{cells}</div>'


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


def _table(rows: Sequence[dict[str, Any]], changed_on: set[str] | None = None) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for _, h in _TABLE)
    body = []
    for row in rows:
        cells = []
        for field, _ in _TABLE:
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
