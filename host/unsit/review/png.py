"""Charts of the HTML report as PNG images, rendered by a headless Chromium.

Why a browser: the PNGs then show exactly what the HTML shows (same SVG, same labels), with no
second drawing code to keep in step and no heavy Python dependency (matplotlib is ~40 MB and
would need every chart written twice). Chromium (Debian's ``chromium``, or Google Chrome) is
looked up on PATH or taken from ``UNSIT_CHROMIUM``; without it ``--png`` fails with one line.

Each chart section is rendered alone: one run (``--dump-dom``) measures every section's height
in the page's own layout, then one screenshot per section is taken at exactly that size.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from html import escape
from pathlib import Path

from unsit.errors import UnsitError
from unsit.review.report import CHART_SECTIONS

WIDTH = 900
_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_TIMEOUT_S = 120


def find_browser() -> str | None:
    """The Chromium-like browser to use, or None."""
    chosen = os.environ.get("UNSIT_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).is_file() else shutil.which(chosen)
    for name in _NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def require_browser() -> str:
    browser = find_browser()
    if browser is None:
        raise UnsitError("--png needs Chromium: install it (Debian: apt-get install chromium) "
                         "or set UNSIT_CHROMIUM to its path")
    return browser


def headless_command(browser: str, profile: Path, *options: str) -> list[str]:
    """Chromium in headless mode that neither phones home nor touches the user's profile."""
    return [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--hide-scrollbars", "--mute-audio", f"--user-data-dir={profile}",
        *options,
    ]


def run_browser(command: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise UnsitError(f"the browser did not finish within {_TIMEOUT_S} s") from None
    except OSError as error:
        raise UnsitError(f"cannot run the browser {command[0]}: {error.strerror}") from None
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise UnsitError(f"the browser failed (exit {done.returncode}): {last}")
    return done


def screenshot(browser: str, page: Path, png: Path, width: int, height: int,
               profile: Path) -> None:
    run_browser(headless_command(browser, profile, f"--screenshot={png}",
                                 f"--window-size={width},{height}", page.as_uri()))
    if not png.is_file():
        raise UnsitError(f"the browser wrote no screenshot {png}")


def section_page(html: str, section: str) -> str:
    """The report with only ``section`` shown."""
    only = f"<style>body > :not(#{section}) {{ display: none !important; }}</style>"
    return html.replace("</head>", only + "</head>", 1)


def measure_heights(browser: str, pages: dict[str, str], width: int, profile: Path,
                    folder: Path) -> dict[str, int]:
    """The laid-out height of each page at ``width`` CSS px, in one browser run: each page
    sits in an iframe and reports its height to the outer page, which ``--dump-dom`` prints."""
    frames = []
    for name, page in pages.items():
        report = (f"<script>parent.document.body.setAttribute('data-h-{name}', Math.ceil("
                  "document.documentElement.getBoundingClientRect().height));</script>")
        inner = escape(page.replace("</body>", report + "</body>", 1), quote=True)
        frames.append(f'<iframe style="border:0;width:{width}px;height:100px" srcdoc="{inner}">'
                      "</iframe>")
    outer = folder / "measure.html"
    outer.write_text("<!doctype html><html><body>" + "".join(frames) + "</body></html>",
                     encoding="utf-8")
    dom = run_browser(headless_command(browser, profile, "--dump-dom",
                                       f"--window-size={width},600", outer.as_uri())).stdout
    heights = {}
    for name in pages:
        found = re.search(rf'data-h-{name}="(\d+)"', dom)
        if not found:
            raise UnsitError("the browser did not lay out the report (no height measured)")
        heights[name] = max(int(found.group(1)), 40)
    return heights


def render_charts(html: str, folder: Path, stem: str, width: int = WIDTH,
                  progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write ``<stem>-<section>.png`` in ``folder`` for each chart section; return the paths."""
    browser = require_browser()
    written = []
    with tempfile.TemporaryDirectory(prefix="unsit-png-") as tmp:
        work = Path(tmp)
        profile = work / "profile"
        pages = {section: section_page(html, section) for section in CHART_SECTIONS}
        heights = measure_heights(browser, pages, width, profile, work)
        for section, page_html in pages.items():
            target = folder / f"{stem}-{section}.png"
            if progress:
                progress(str(target))
            page = work / f"{section}.html"
            page.write_text(page_html, encoding="utf-8")
            screenshot(browser, page, target, width, heights[section], profile)
            written.append(target)
    return written
