"""Accelerometer traces as text files, and their conversion to what a board delivers.

A trace is a text file of three numeric columns, x y z in g (gravity included), one row per
sample at a known rate: separated by whitespace or commas, with an optional header line and
``#`` comments. :func:`to_board_samples` turns it into what the firmware sees on a board:
the detector's rate (25 Hz) and integer milli-g, interleaved x, y, z in an ``array('h')``.
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from unsit.errors import InputError

BOARD_RATE_HZ = 25
MIN_RATE_HZ = 10.0
MAX_RATE_HZ = 200.0
_INT16_MAX = 32767

_SEPARATOR = re.compile(r"[,\s]+")

Rows = list[tuple[float, float, float]]


def parse_trace(lines: Iterable[str], name: str = "trace") -> Rows:
    """Rows of (x, y, z) in g; raise :class:`InputError` naming the first malformed line."""
    rows: Rows = []
    seen_data_or_header = False
    for number, raw in enumerate(lines, start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = [f for f in _SEPARATOR.split(line) if f]
        try:
            if len(fields) != 3:
                raise ValueError
            x, y, z = float(fields[0]), float(fields[1]), float(fields[2])
            if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(z)):
                raise ValueError
        except ValueError:
            if not seen_data_or_header and not _looks_numeric(fields):
                seen_data_or_header = True  # the one optional header line
                continue
            raise InputError(
                f"{name}, line {number}: expected three numbers x y z in g, got {raw.strip()!r}"
            ) from None
        seen_data_or_header = True
        rows.append((x, y, z))
    return rows


def _looks_numeric(fields: Sequence[str]) -> bool:
    for field in fields:
        try:
            float(field)
            return True
        except ValueError:
            pass
    return False


def read_trace(path: Path | str) -> Rows:
    """Read a trace file (``-`` for standard input)."""
    if str(path) == "-":
        import sys

        return parse_trace(sys.stdin, "<stdin>")
    try:
        with open(path, encoding="utf-8", errors="strict") as handle:
            return parse_trace(handle, str(path))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a trace file") from None
    except UnicodeDecodeError:
        raise InputError(f"{path}: not a text file") from None


def write_trace(rows: Iterable[Sequence[float]], out: TextIO, comment: str = "") -> None:
    """Write rows in the trace format (x y z in g, four decimals: 0.1 mg)."""
    for line in comment.splitlines():
        out.write(f"# {line}\n")
    out.write("x y z\n")
    for x, y, z in rows:
        out.write(f"{x:.4f} {y:.4f} {z:.4f}\n")


def check_rate(rate_hz: float) -> None:
    """Accelerometer rates people record at: 10 to 200 Hz (the clip's detector needs 10)."""
    if not (math.isfinite(rate_hz) and MIN_RATE_HZ <= rate_hz <= MAX_RATE_HZ):
        raise InputError(f"rate must be from {MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} Hz, "
                         f"not {rate_hz:g}")


def resample(rows: Sequence[tuple[float, float, float]], rate_in: float,
              rate_out: float = BOARD_RATE_HZ) -> Rows:
    """Resample to ``rate_out``.

    Going down, each output sample is the mean of the input samples in its period, as an
    accelerometer's averaging filter would give; going up (or at the same rate), linear
    interpolation.
    """
    check_rate(rate_in)
    n_in = len(rows)
    n_out = int(n_in * rate_out / rate_in)
    if rate_in == rate_out:
        return list(rows)
    out: Rows = []
    if rate_in > rate_out:
        step = rate_in / rate_out
        for k in range(n_out):
            lo = int(round(k * step))
            hi = max(lo + 1, min(n_in, int(round((k + 1) * step))))
            count = hi - lo
            sx = sy = sz = 0.0
            for x, y, z in rows[lo:hi]:
                sx += x
                sy += y
                sz += z
            out.append((sx / count, sy / count, sz / count))
        return out
    for k in range(n_out):
        position = k * rate_in / rate_out
        i = int(position)
        frac = position - i
        x0, y0, z0 = rows[i]
        x1, y1, z1 = rows[min(i + 1, n_in - 1)]
        out.append((x0 + (x1 - x0) * frac, y0 + (y1 - y0) * frac, z0 + (z1 - z0) * frac))
    return out


def to_milli_g(rows: Iterable[tuple[float, float, float]]) -> array:
    """Interleaved x, y, z as integer milli-g (rounded, clamped to the 16-bit range)."""
    samples = array("h")
    for row in rows:
        for value in row:
            mg = int(round(value * 1000.0))
            samples.append(max(-_INT16_MAX, min(_INT16_MAX, mg)))
    return samples


def to_board_samples(rows: Sequence[tuple[float, float, float]], rate_in: float) -> array:
    """What a board delivers for this trace: 25 Hz, integer milli-g, interleaved x, y, z."""
    return to_milli_g(resample(rows, rate_in, BOARD_RATE_HZ))
