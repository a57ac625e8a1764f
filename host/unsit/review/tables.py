"""Rows of dicts written as a text table, CSV or JSON (shared by ``summary`` and ``export``)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import Any, TextIO


def write_csv(out: TextIO, fields: Sequence[str], rows: Iterable[dict[str, Any]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow(["" if row[f] is None else _csv_value(row[f]) for f in fields])


def _csv_value(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    return value


def write_json(out: TextIO, rows: Iterable[dict[str, Any]]) -> None:
    """A JSON array, one object per line, written as the rows come (no list in memory)."""
    out.write("[")
    for i, row in enumerate(rows):
        out.write(",\n" if i else "\n")
        out.write(json.dumps(row, ensure_ascii=False))
    out.write("\n]\n")


def write_text(out: TextIO, columns: Sequence[tuple[str, str]],
               rows: Sequence[dict[str, Any]]) -> None:
    """An aligned table: ``columns`` are ``(field, heading)``; missing values print as '-'."""
    cells = [[heading for _, heading in columns]]
    for row in rows:
        cells.append([_text(row[field]) for field, _ in columns])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    for line in cells:
        parts = [line[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(line[1:], widths[1:])]
        out.write("  ".join(parts).rstrip() + "\n")


def _text(value: Any) -> str:
    if value is None:
        return "-"
    return str(value)
