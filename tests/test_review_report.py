"""The HTML report: self-contained, drawing what the data says, and rendering in a real browser.

The browser tests run Debian's ``chromium`` headless (CI installs it); they are skipped with a
reason where no Chromium is installed.
"""

from __future__ import annotations

import html as htmllib
import json
import re
import time
from datetime import date, datetime, timezone
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from review_log import BERLIN, Log, mark_estimated, synthetic_days, utc
from test_review_metrics import office_day, snooze_day

from unsit.review import charts, png
from unsit.review.charts import (
    COLOURS, HEEDED_COLOUR, IGNORED_COLOUR, SNOOZED_COLOUR,
)
from unsit.review.metrics import summarise
from unsit.review.report import build_report
from unsit.store import Store, open_store
from unsit_firmware.logic import states

DEVICE = "a1b2c3d4"
GENERATED = datetime(2026, 4, 1, 12, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with open_store(tmp_path_factory.mktemp("month") / "unsit.db") as store:
        log = Log(DEVICE)
        log.add(synthetic_days(date(2026, 3, 1), 31))
        log.save(store)
        yield store


@pytest.fixture(scope="module")
def month_html(month: Store) -> str:
    return build_report(month.conn, DEVICE, date(2026, 3, 1), date(2026, 3, 31), BERLIN,
                        GENERATED)


@pytest.fixture(scope="module")
def browser() -> str:
    found = png.find_browser()
    if found is None:
        pytest.skip("no Chromium or Chrome installed (Debian: apt-get install chromium)")
    return found


def section(page: str, name: str) -> str:
    found = re.search(rf'<section id="{name}">(.*?)</section>', page, re.S)
    assert found, name
    return found.group(1)


def test_the_report_needs_no_network(month_html: str) -> None:
    assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]", month_html, re.I)
    for external in ("<link", " src=", "@import", "url(", "<img", "<iframe"):
        assert external not in month_html
    assert month_html.startswith("<!doctype html>")
    assert '<meta name="viewport"' in month_html


def test_a_month_has_a_strip_and_a_heatmap_row_per_day(month_html: str) -> None:
    for name in ("timeline", "heatmap"):
        labels = re.findall(r'<span class="label">([^<]*)</span>', section(month_html, name))
        assert len(labels) == 31, name
        assert labels[0].startswith("Sun 1 Mar") and labels[-1].startswith("Tue 31 Mar")
    # Every ninth day the clip lay on the desk: marked in the timeline and the table.
    assert "Mon 9 Mar *" in section(month_html, "timeline")
    assert "2026-03-09 *" in section(month_html, "days")
    bars = re.findall(r"<svg class=\"bars\"", section(month_html, "trends"))
    assert len(bars) == 3


def test_office_day_is_drawn_as_logged(tmp_path: Path) -> None:
    with open_store(tmp_path / "unsit.db") as store:
        office_day().save(store)
        page = build_report(store.conn, DEVICE, date(2026, 3, 2), date(2026, 3, 2), BERLIN,
                            GENERATED)
    timeline = section(page, "timeline")
    tips = re.findall(r"<title>([^<]*)</title>", timeline)
    assert tips == [
        "08:00\u201308:10 walking (10 min)",
        "08:10\u201309:40 sitting (90 min)",
        "09:40\u201309:45 standing (5 min)",
        "09:45\u201310:15 sitting (30 min)",
        "10:15\u201310:20 walking (5 min)",
        "10:20\u201310:49 sitting (29 min)",
        "10:49\u201310:50 standing (1 min)",
        "10:50\u201311:50 sitting (60 min)",
        "11:50\u201312:00 lying (10 min)",
        "12:00\u201312:30 not_worn (30 min)",
        "12:30\u201312:31 sitting (1 min)",
        "13:00\u201319:00 standing (360 min)",
        "reminder at 09:10: not heeded",
        "reminder at 09:20: heeded, up after 20 min",
        "reminder at 11:50: not heeded",
    ]
    assert '<rect x="490" y="8" width="90" height="16" fill="#D55E00">' in timeline  # 08:10
    assert timeline.count(f'stroke="{IGNORED_COLOUR}"') == 2
    assert timeline.count(f'stroke="{HEEDED_COLOUR}"') == 1
    heat = re.findall(r"<title>([^<]*)</title>", section(page, "heatmap"))
    assert "2026-03-02 09:00 sat 55 of 60 min" in heat          # 40 + 15 of the hour
    assert "2026-03-02 12:00 sat 1 of 1 min" in heat            # 31 s, all the wear then
    assert not any(t.startswith("2026-03-02 07:00") for t in heat)   # nothing logged then
    assert "<b>3.5 h</b>sitting per day" in page


def test_snoozed_reminders_and_estimated_days_are_marked(tmp_path: Path) -> None:
    with open_store(tmp_path / "unsit.db") as store:
        snooze_day().save(store)
        mark_estimated(store, DEVICE, utc("2026-03-03 08:00"), utc("2026-03-03 08:05"))
        page = build_report(store.conn, DEVICE, date(2026, 3, 3), date(2026, 3, 4), BERLIN,
                            GENERATED)
    timeline = section(page, "timeline")
    lines = re.findall(r'<line [^>]*stroke="([^"]+)"([^>]*)><title>([^<]*)</title>', timeline)
    assert [(colour, "dasharray" in rest, tip) for colour, rest, tip in lines] == [
        (SNOOZED_COLOUR, True, "reminder at 09:00: snoozed (double tap), not heeded"),
        (IGNORED_COLOUR, False, "reminder at 09:20: not heeded"),
        (HEEDED_COLOUR, False, "reminder at 09:30: heeded, up after 4 min"),
        (IGNORED_COLOUR, False, "reminder at 11:00: not heeded"),
        (SNOOZED_COLOUR, True, "reminder at 11:26: snoozed (double tap), not heeded"),
    ]
    assert len({HEEDED_COLOUR, SNOOZED_COLOUR, IGNORED_COLOUR}) == 3
    legend = re.findall(r'<i class="mark" style="background:([^"]+)"></i>([^<]+)<', timeline)
    assert [what for _, what in legend] == [
        "reminder heeded", "reminder snoozed (double tap)", "reminder ignored"]
    heeded, snoozed, ignored = (swatch for swatch, _ in legend)
    assert (heeded, ignored) == (HEEDED_COLOUR, IGNORED_COLOUR)
    assert snoozed.startswith("repeating-linear-gradient(") and SNOOZED_COLOUR in snoozed
    # Day labels: little wear (*) on both days, estimated times (~) on the 3rd only.
    labels = re.findall(r'<span class="label">([^<]*)</span>', timeline)
    assert labels == ["Tue 3 Mar *~", "Wed 4 Mar *"]
    assert "Days marked ~ hold minutes whose time is an estimate" in page
    assert "<b>20%</b>of 5 reminders heeded (2 snoozed)" in page
    table = section(page, "days")
    heads = re.findall(r"<th>([^<]*)</th>", table)
    cells = re.findall(r"<tr[^>]*>(.*?)</tr>", table)[1]
    values = dict(zip(heads, re.findall(r"<td>([^<]*)</td>", cells), strict=True))
    assert (values["day"], values["reminders"], values["snoozed"], values["heeded %"]) == (
        "2026-03-03 *~", "5", "2", "20.0")


def test_no_estimate_no_tilde(tmp_path: Path) -> None:
    with open_store(tmp_path / "unsit.db") as store:
        snooze_day().save(store)
        page = build_report(store.conn, DEVICE, date(2026, 3, 3), date(2026, 3, 3), BERLIN,
                            GENERATED)
    assert "~" not in page


# -- a real browser -------------------------------------------------------------------------
# Desktop Chromium will not make a window narrower than 500 px, so the report is shown in an
# iframe of the wanted width (its own viewport: media queries apply as on a phone). Its probe
# script reports where the charts were laid out to the outer page, which --dump-dom prints.

_PROBE = """<script>(function () {
  function box(e) { var b = e.getBoundingClientRect();
    return [b.left + scrollX, b.top + scrollY, b.width, b.height]; }
  function boxes(sel, root) { var out = [];
    (root || document).querySelectorAll(sel).forEach(function (e) { out.push(box(e)); });
    return out; }
  var trends = [];
  document.querySelectorAll('#trends figure').forEach(function (f) {
    trends.push({svg: box(f.querySelector('svg')), y: boxes('.yaxis span', f),
                 ylabels: Array.from(f.querySelectorAll('.yaxis span')).map(
                   function (e) { return e.textContent; }),
                 x: boxes('.xaxis span', f)}); });
  var table = document.querySelector('#days .table');
  parent.document.body.setAttribute('data-probe', JSON.stringify({
    timeline: boxes('#timeline svg'), heatmap: boxes('#heatmap svg'),
    trends: trends, figures: boxes('.figures div'), counted: boxes('#counted'),
    table: {box: box(table), scroll: table.scrollWidth, client: table.clientWidth},
    width: document.documentElement.scrollWidth,
    height: Math.ceil(document.documentElement.getBoundingClientRect().height)}));
})();</script>"""


def framed(page_html: str, width: int, height: int) -> str:
    inner = htmllib.escape(page_html.replace("</body>", _PROBE + "</body>", 1), quote=True)
    return ('<!doctype html><html><body style="margin:0">'
            f'<iframe style="border:0;display:block;width:{width}px;height:{height}px"'
            f' srcdoc="{inner}"></iframe></body></html>')


def render(browser: str, page_html: str, width: int, tmp: Path
           ) -> tuple[dict[str, Any], Image.Image]:
    """Lay the page out ``width`` CSS px wide; return where the charts are and a screenshot."""
    profile = tmp / "profile"
    window = max(width, 500)
    page = tmp / "measure.html"
    page.write_text(framed(page_html, width, 800), encoding="utf-8")
    dom = png.run_browser(png.headless_command(browser, profile, "--dump-dom",
                                               f"--window-size={window},800", page.as_uri()))
    found = re.search(r'data-probe="([^"]*)"', dom.stdout)
    assert found, "the report's script did not run"
    probe = json.loads(htmllib.unescape(found.group(1)))
    page = tmp / "shot.html"
    page.write_text(framed(page_html, width, probe["height"]), encoding="utf-8")
    shot = tmp / "shot.png"
    png.screenshot(browser, page, shot, window, probe["height"], profile)
    image = Image.open(shot).convert("RGB")
    assert image.size == (window, probe["height"])
    return probe, image


def colour_share(image: Image.Image, box: Sequence[float], rgb: str) -> float:
    """Share of the pixels inside ``box`` (x, y, w, h in CSS px) within 6 of colour ``rgb``."""
    want = bytes.fromhex(rgb.lstrip("#"))
    area = image.crop((int(box[0]) + 1, int(box[1]) + 1,
                       int(box[0] + box[2]) - 1, int(box[1] + box[3]) - 1))
    pixels = area.width * area.height
    hits = sum(count for count, px in area.getcolors(pixels)
               if all(abs(px[k] - want[k]) <= 6 for k in range(3)))
    return hits / pixels


def apart(boxes: Sequence[Sequence[float]], axis: int) -> bool:
    """Whether the boxes follow each other along ``axis`` (0: x, 1: y) without overlapping."""
    spans = sorted((b[axis], b[axis] + b[axis + 2]) for b in boxes)
    return all(end <= start + 0.5 for (_, end), (start, _) in zip(spans, spans[1:]))


def inside(box: Sequence[float], width: int) -> bool:
    return box[0] >= -0.5 and box[0] + box[2] <= width + 0.5 and box[2] > 0 and box[3] > 0


def gridlines(image: Image.Image, chart: dict[str, Any]) -> list[float]:
    """For each labelled tick above 0 of a probed trend ``chart``, the share of the pixel row
    at the label's height (the best of three rows) across the chart that is a neutral grey
    darker than the chart's background (#f3f3f3) and lighter than the reference line (#444):
    the gridline where the bars leave it uncovered."""
    svg = chart["svg"]
    left, right = int(svg[0]) + 1, int(svg[0] + svg[2]) - 1
    shares = []
    for box in chart["y"][1:]:
        middle = round(box[1] + box[3] / 2)
        best = 0.0
        for y in range(max(middle - 1, int(svg[1])), min(middle + 2, int(svg[1] + svg[3]))):
            row = [image.getpixel((x, y)) for x in range(left, right)]
            grey = sum(1 for r, g, b in row if max(r, g, b) - min(r, g, b) <= 4 and 150 < r < 236)
            best = max(best, grey / len(row))
        shares.append(best)
    return shares


@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390], ids=["laptop", "phone"])
def test_charts_render_in_chromium(browser: str, month: Store, month_html: str, width: int,
                                   tmp_path: Path) -> None:
    month_days = [d.as_row() for d in summarise(month.conn, [DEVICE], date(2026, 3, 1),
                                                date(2026, 3, 31), BERLIN)]
    probe, rows = render(browser, month_html, width, tmp_path)
    rows.save(tmp_path / f"report-{width}.png")
    assert probe["height"] > 31 * 22 * 2
    assert probe["width"] <= width, "the page scrolls sideways"
    # The headline's cards and the line saying which days they count are on the page.
    assert len(probe["figures"]) == 6 and len(probe["counted"]) == 1
    for box in probe["figures"] + probe["counted"]:
        assert inside(box, width), box
    assert len(probe["timeline"]) == 31 and len(probe["heatmap"]) == 31
    for box in probe["timeline"] + probe["heatmap"]:
        assert box[2] >= width * 0.6 - 40 and box[0] + box[2] <= width, box
    # Trend charts: 3 to 6 labelled ticks up the y axis with units, dates along the x axis,
    # all inside the page and none on top of another.
    assert len(probe["trends"]) == 3
    for chart, unit in zip(probe["trends"], (" h", "", " min"), strict=True):
        assert chart["svg"][2] >= 200 and inside(chart["svg"], width), chart["svg"]
        assert 4 <= len(chart["y"]) <= 6 and chart["ylabels"][0] == "0"
        assert all(label.endswith(unit) for label in chart["ylabels"][1:]), chart["ylabels"]
        assert 5 <= len(chart["x"]) <= 6
        for box in chart["y"] + chart["x"]:
            assert inside(box, width), box
        assert apart(chart["y"], 1) and apart(chart["x"], 0)
    # The table fits a laptop's page; on a phone it scrolls inside its own box.
    table = probe["table"]
    assert inside(table["box"], width)
    if width >= 1000:
        assert table["scroll"] <= table["client"], "the table does not fit the page"
    else:
        assert table["scroll"] > table["client"]

    # Each posture's colour covers about its share of the day in the strip's lower 2/3 (the
    # band above holds reminder marks). Reminder lines (3 px) are drawn over sitting and run
    # edges are anti-aliased, so up to about half of the expected share may be covered.
    for i, day in enumerate(month_days[:8]):
        strip = probe["timeline"][i]
        for state in (states.SITTING, states.LYING, states.WALKING):
            expected = day[f"{states.NAMES[state]}_min"] / 1440 * 16 / 24
            share = colour_share(rows, strip, COLOURS[state])
            assert 0.45 * expected - 0.005 < share < 1.05 * expected + 0.005, (i, state)
    # 9 Mar lay on the desk: no posture colour at all in its strip.
    assert colour_share(rows, probe["timeline"][8], COLOURS[states.SITTING]) == 0
    # Heatmap rows: a worked day is far from blank, the desk day is all background.
    day = probe["heatmap"][0]
    background = colour_share(rows, day, "#f3f3f3") + colour_share(rows, day, "#ffffff")
    assert background < 0.5
    assert colour_share(rows, probe["heatmap"][8], "#f3f3f3") > 0.95
    # Trend bars in their colours, over gridlines that show.
    for chart, colour in zip(probe["trends"], (COLOURS[states.SITTING],
                                               COLOURS[states.STANDING],
                                               COLOURS[states.LYING]), strict=True):
        assert colour_share(rows, chart["svg"], colour) > 0.1
        assert min(gridlines(rows, chart)) > 0.1, (gridlines(rows, chart), chart["ylabels"])


@pytest.mark.slow
def test_png_option_writes_each_chart(browser: str, month_html: str, tmp_path: Path) -> None:
    written = png.render_charts(month_html, tmp_path, "report")
    assert [p.name for p in written] == [
        "report-timeline.png", "report-heatmap.png", "report-trends.png"]
    sizes = {}
    for path in written:
        rows = Image.open(path).convert("RGB")
        width, height = rows.size
        sizes[path.name] = height
        assert width == png.WIDTH
        # Not blank: the section's own colour is there, and the image ends below its content.
        full = [0, 0, width - 1, height - 1]
        colour = COLOURS[states.STANDING if "trends" not in path.name else states.LYING]
        if "heatmap" in path.name:
            colour = COLOURS[states.SITTING]
            assert colour_share(rows, full, colour) > 0.005
        else:
            assert colour_share(rows, full, colour) > 0.002
    # 31 rows of 22 px each, plus the heading and legends.
    assert 31 * 22 < sizes["report-timeline.png"] < 31 * 22 + 250


def test_idle_runs_are_drawn_as_not_worn_and_split_at_midnight(tmp_path: Path) -> None:
    log = Log()
    log.minutes("2026-03-02 21:00", 60, "sitting")
    log.idle("2026-03-02 22:00", 10 * 60)               # clip off from 22:00 to 08:00
    log.minutes("2026-03-03 08:00", 30, "walking")
    with open_store(tmp_path / "unsit.db") as store:
        log.save(store)
        page = build_report(store.conn, DEVICE, date(2026, 3, 2), date(2026, 3, 3), BERLIN,
                            GENERATED)
    tips = re.findall(r"<title>([^<]*)</title>", section(page, "timeline"))
    assert tips == [
        "21:00\u201322:00 sitting (60 min)", "22:00\u201324:00 not_worn (120 min)",
        "00:00\u201308:00 not_worn (480 min)", "08:00\u201308:30 walking (30 min)"]


def test_headline_says_which_days_it_counts(tmp_path: Path) -> None:
    with open_store(tmp_path / "unsit.db") as store:
        office_day().save(store)                            # Monday 2 March: 10 h of wear
        snooze_day().save(store, first_seq=1000)            # Tuesday 3 March: little wear
        page = build_report(store.conn, DEVICE, date(2026, 3, 2), date(2026, 3, 3), BERLIN,
                            GENERATED)
    assert "<b>3.5 h</b>sitting per day" in page            # the valid Monday alone
    # Reminders of both days: 3 + 5 given, 1 + 1 heeded, 0 + 2 snoozed.
    assert "<b>25%</b>of 8 reminders heeded (2 snoozed), all days" in page
    assert "<b>1 of 2</b>days counted: 10 h+ of wear" in page
    found = re.search(r'<p class="note" id="counted">([^<]*)</p>', page)
    assert found and found.group(1) == (
        "The first four figures are means over the 1 day with at least 10 h of wear, of the"
        " 2 days shown: a day worn less would understate its sitting and bouts. Reminders"
        " count every day (5 of them on days not counted above).")


def test_trend_axes_have_round_ticks_with_units_gridlines_and_dates(month_html: str) -> None:
    figures = re.findall(r'<figure class="trend">(.*?)</figure>', section(month_html, "trends"),
                         re.S)
    assert len(figures) == 3
    for figure, unit in zip(figures, (" h", "", " min"), strict=True):
        yaxis = re.search(r'<div class="yaxis">(.*?)</div>', figure)
        assert yaxis
        labels = re.findall(r">([^<]*)</span>", yaxis.group(1))
        assert labels[0] == "0" and all(label.endswith(unit) for label in labels[1:])
        values = [float(label.removesuffix(unit)) for label in labels]
        steps = {round(b - a, 6) for a, b in zip(values, values[1:])}
        assert 4 <= len(values) <= 6 and len(steps) == 1
        step = steps.pop()
        assert f"{step:e}"[0] in "125"              # 1, 2 or 5 times a power of ten
        assert figure.count('class="grid"') == len(values) - 1
        heights = [float(h) for h in re.findall(r'<rect x="[^"]*" y="[^"]*" width="0.76"'
                                                r' height="([^"]*)"', figure)]
        assert len(heights) == 31 and max(heights) > 100 * (1 - step / values[-1])
        xaxis = re.search(r'<div class="xaxis">(.*?)</div>', figure)
        assert xaxis
        assert re.findall(r">([^<]*)</span>", xaxis.group(1)) == [
            "1 Mar", "7 Mar", "13 Mar", "19 Mar", "25 Mar", "31 Mar"]


def test_round_ticks() -> None:
    # A 120-minute maximum gets 0, 50, 100 and 150, not a lone 200.
    assert charts._ticks(120) == (50, 150)
    assert charts._ticks(9.4) == (2, 10)
    assert charts._ticks(3) == (1, 3)
    assert charts._ticks(0) == (0.2, 1.0)


@pytest.fixture(scope="module")
def season(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """100 days from Sunday 1 March 2026 to Monday 8 June."""
    with open_store(tmp_path_factory.mktemp("season") / "unsit.db") as store:
        log = Log(DEVICE)
        log.add(synthetic_days(date(2026, 3, 1), 100))
        log.save(store)
        yield store


def bar_tips(page: str) -> list[list[str]]:
    """The tooltips of each trend chart's bars."""
    return [re.findall(r'width="0.76" height="[^"]*" fill="[^"]*"[^>]*><title>([^<]*)</title>',
                       figure)
            for figure in re.findall(r'<figure class="trend">(.*?)</figure>', page, re.S)]


def test_long_ranges_are_shown_by_week_or_month(season: Store) -> None:
    first, last = date(2026, 3, 1), date(2026, 6, 8)
    page = build_report(season.conn, DEVICE, first, last, BERLIN, GENERATED)
    # 100 days: by week (ISO weeks from Monday 23 February to Monday 8 June: 16 of them).
    tips = bar_tips(section(page, "trends"))
    assert [len(t) for t in tips] == [16, 16, 16]
    assert tips[0][0].startswith("wk 23 Feb: ") and tips[0][-1].startswith("wk 8 Jun: ")
    labels = re.findall(r'<span class="label">([^<]*)</span>', section(page, "heatmap"))
    assert len(labels) == 16 and labels[1] == "wk 2 Mar"
    strips = re.findall(r'<span class="label">([^<]*)</span>', section(page, "timeline"))
    assert len(strips) == 28 and strips[-1] == "Mon 8 Jun"
    assert "Day by day: the last 28 days" in page
    # The week table: the mean day of each week's valid days, then every day folded.
    table = section(page, "days")
    weekly, daily = re.findall(r"<table>(.*?)</table>", table)
    heads = re.findall(r"<th>([^<]*)</th>", weekly)
    assert heads[:3] == ["week", "days (valid)", "wear min"]
    week = dict(zip(heads, re.findall(r"<td>([^<]*)</td>",
                                      re.findall(r"<tr>(.*?)</tr>", weekly)[2]), strict=True))
    days = summarise(season.conn, [DEVICE], date(2026, 3, 2), date(2026, 3, 8), BERLIN)
    assert week["week"] == "wk 2 Mar" and week["days (valid)"] == "7 (7)"
    assert week["sitting min"] == str(round(sum(d.sitting_s for d in days) / 60 / 7, 1))
    assert len(re.findall(r"<tr", daily)) == 1 + 100
    assert "<summary>Every day (100)</summary>" in table
    # Asked for by month: March to June.
    page = build_report(season.conn, DEVICE, first, last, BERLIN, GENERATED, period="month")
    tips = bar_tips(section(page, "trends"))
    assert [t.split(":")[0] for t in tips[0]] == [
        "Mar 2026", "Apr 2026", "May 2026", "Jun 2026"]
    # And by day, as a month is by default.
    page = build_report(season.conn, DEVICE, first, last, BERLIN, GENERATED, period="day")
    assert [len(t) for t in bar_tips(section(page, "trends"))] == [100, 100, 100]


@pytest.mark.slow
def test_a_year_by_month_is_small_and_fast(tmp_path: Path) -> None:
    with open_store(tmp_path / "year.db") as store:
        log = Log(DEVICE)
        log.add(synthetic_days(date(2025, 3, 1), 365))
        log.save(store)
        start = time.process_time()
        page = build_report(store.conn, DEVICE, date(2025, 3, 1), date(2026, 2, 28), BERLIN,
                            GENERATED)
        cpu = time.process_time() - start
    assert [len(t) for t in bar_tips(section(page, "trends"))] == [12, 12, 12]
    assert len(page.encode()) < 3_000_000 and cpu < 2.0, (len(page), cpu)


@pytest.mark.slow
def test_a_report_by_week_fits_a_phone(browser: str, season: Store, tmp_path: Path) -> None:
    page_html = build_report(season.conn, DEVICE, date(2026, 3, 1), date(2026, 6, 8), BERLIN,
                             GENERATED)
    probe, image = render(browser, page_html, 390, tmp_path)
    assert probe["width"] <= 390, "the page scrolls sideways"
    assert len(probe["timeline"]) == 28 and len(probe["heatmap"]) == 16
    for chart in probe["trends"]:
        assert inside(chart["svg"], 390)
        assert 5 <= len(chart["x"]) <= 6 and apart(chart["x"], 0) and apart(chart["y"], 1)
        for box in chart["x"] + chart["y"]:
            assert inside(box, 390), box
        assert min(gridlines(image, chart)) > 0.1, gridlines(image, chart)
    # The week table scrolls in its box; the daily one is folded away.
    table = probe["table"]
    assert inside(table["box"], 390) and table["scroll"] > table["client"]
