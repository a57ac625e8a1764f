"""Accelerometer traces as text files, and their conversion to what a board delivers.

A trace is a text file of samples in g (gravity included), one row per sample: three columns
x y z at a rate the user gives (``--rate``), or four with a time first (``time,x,y,z``: ISO
8601 or epoch seconds), from which the rate is inferred. Columns are separated by whitespace
or commas; an optional header line names them (``x,y,z`` or ``time,x,y,z``); ``#`` starts a
comment; the file may be gzip-compressed. :class:`TraceReader` reads one as a stream, in
constant memory however long it is, checking each row (a value off any body-worn
accelerometer's scale is refused). :func:`board_stream` turns the rows into what the firmware
sees on a board: the detector's rate (25 Hz) and integer milli-g.
"""

from __future__ import annotations

import gzip
import io
import math
import statistics
import sys
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from unsit_firmware.logic.limits import RATE_HZ

from unsit.errors import InputError

BOARD_RATE_HZ = RATE_HZ
MIN_RATE_HZ = 10.0
MAX_RATE_HZ = 200.0
MAX_G = 16.0            # the widest range of the accelerometers on belt clips (LIS3DH: +-16 g)
_INT16_MAX = 32767
_RATE_FROM_ROWS = 251   # rows whose time stamps give the rate (250 intervals)

Rows = list[tuple[float, float, float]]
Row = tuple[float, float, float]

_HEADERS: dict[tuple[str, ...], bool] = {("x", "y", "z"): False}
for _time in ("time", "t", "timestamp", "time_s"):
    _HEADERS[(_time, "x", "y", "z")] = True


def _fields(line: str) -> list[str]:
    return line.replace(",", " ").split() if "," in line else line.split()


def _parse_time(text: str) -> float:
    """Seconds of a time stamp: epoch seconds, or ISO 8601 (a time without zone as UTC)."""
    try:
        return float(text)
    except ValueError:
        pass
    when = datetime.fromisoformat(text)  # ValueError names nothing: the caller adds the line
    if when.tzinfo is None:
        return (when - datetime(1970, 1, 1)).total_seconds()
    return when.timestamp()


class TraceReader:
    """Rows (x, y, z in g) of a trace file, read as a stream.

    ``rate_hz`` is ``rate`` when given, else inferred from the time column; either is checked
    against 10-200 Hz. ``progress(fraction)`` is called now and then with how much of the
    file has been read. Errors are :class:`InputError` naming the file and line.
    """

    def __init__(self, path: Path | str, rate: float | None = None,
                 progress: Callable[[float], None] | None = None,
                 stream: io.RawIOBase | io.BytesIO | None = None) -> None:
        self.path = str(path)
        self.name = "<stdin>" if self.path == "-" else self.path
        self.progress = progress
        self._raw: Any
        self._size: int | None
        if stream is not None:
            self._raw, self._size = io.BufferedReader(stream), None
        else:
            self._raw, self._size = self._open_raw()
        self._text: TextIO | None = None
        try:
            self.gzip = self._raw.peek(2)[:2] == b"\x1f\x8b"
            binary: Any = gzip.GzipFile(fileobj=self._raw) if self.gzip else self._raw
            self._text = io.TextIOWrapper(binary, encoding="utf-8", errors="strict")
            self._lines = enumerate(self._text, start=1)
            self.has_time = False
            self.rows_read = 0
            self._ahead: list[tuple[int, Row, float]] = []
            self._first_row()
            if not self._ahead:
                raise InputError(f"{self.name}: no samples")
            if rate is None:
                rate = self._infer_rate()
            check_rate(rate)
            self.rate_hz = float(rate)
        except BaseException:
            self.close()
            raise

    def _open_raw(self) -> tuple[Any, int | None]:
        if self.path == "-":
            stdin = sys.stdin.buffer
            return (stdin if isinstance(stdin, io.BufferedReader)
                    else io.BufferedReader(stdin)), None
        try:
            raw = open(self.path, "rb")
        except FileNotFoundError:
            raise InputError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{self.path}: is a folder, not a trace file") from None
        except PermissionError:
            raise InputError(f"{self.path}: no permission to read it") from None
        try:
            size: int | None = Path(self.path).stat().st_size or None
        except OSError:
            size = None
        return raw, size

    def close(self) -> None:
        if self._text is not None:
            self._text.close()
        if self.path != "-":
            self._raw.close()

    def __enter__(self) -> TraceReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _next_line(self) -> tuple[int, str] | None:
        try:
            return next(self._lines)
        except StopIteration:
            return None
        except UnicodeDecodeError:
            raise InputError(f"{self.name}: not a text file") from None
        except (gzip.BadGzipFile, EOFError, zlib.error):
            raise InputError(f"{self.name}: a damaged or cut-off gzip file") from None

    def _first_row(self) -> None:
        """Read up to the first sample: comments, the header line if any, the column count."""
        header_seen = False
        while (item := self._next_line()) is not None:
            number, raw = item
            line = raw.split("#", 1)[0] if "#" in raw else raw
            fields = _fields(line)
            if not fields:
                continue
            if not header_seen:
                header = tuple(f.lower() for f in fields)
                if header in _HEADERS:
                    self.has_time = _HEADERS[header]
                    header_seen = True
                    continue
                if not _looks_numeric(fields):
                    raise InputError(
                        f"{self.name}, line {number}: a header must be x,y,z or time,x,y,z, "
                        f"not {raw.strip()!r}")
                self.has_time = len(fields) == 4
            self._ahead.append(self._row(number, raw, fields))
            return

    def _row(self, number: int, raw: str, fields: list[str]) -> tuple[int, Row, float]:
        try:
            if self.has_time:
                if len(fields) != 4:
                    raise ValueError
                t = _parse_time(fields[0])
                del fields[0]
            else:
                t = 0.0
                if len(fields) != 3:
                    raise ValueError
            x, y, z = float(fields[0]), float(fields[1]), float(fields[2])
            if not (math.isfinite(x) and math.isfinite(y) and math.isfinite(z)
                    and math.isfinite(t)):
                raise ValueError
        except ValueError:
            what = ("a time (ISO 8601 or epoch seconds) and three numbers x y z in g"
                    if self.has_time else "three numbers x y z in g")
            raise InputError(f"{self.name}, line {number}: expected {what}, got "
                             f"{raw.strip()!r}") from None
        return number, (x, y, z), t

    def _infer_rate(self) -> float:
        if not self.has_time:
            raise InputError(f"{self.name}: give --rate HZ (the file has no time column to "
                             "infer it from)")
        for number, raw in self._numbered():
            line = raw.split("#", 1)[0] if "#" in raw else raw
            fields = _fields(line)
            if fields:
                self._ahead.append(self._row(number, raw, fields))
                if len(self._ahead) >= _RATE_FROM_ROWS:
                    break
        times = [t for _, _, t in self._ahead]
        steps = [b - a for a, b in zip(times, times[1:])]
        for (number, _, _), step in zip(self._ahead[1:], steps):
            if step <= 0:
                raise InputError(f"{self.name}, line {number}: the time does not advance "
                                 "(give --rate HZ to ignore the time column)")
        if not steps:
            raise InputError(f"{self.name}: too few samples to infer the rate; give --rate HZ")
        rate = 1.0 / statistics.median(steps)
        return round(rate, 3)

    def _numbered(self) -> Iterator[tuple[int, str]]:
        while (item := self._next_line()) is not None:
            yield item

    def __iter__(self) -> Iterator[Row]:
        """The samples, each checked; a run of over a second above 16 g is refused."""
        limit2 = MAX_G * MAX_G
        sustained = max(1, int(self.rate_hz))
        over = 0
        over_from = 0
        progress = self.progress
        every = 1 << 16
        count = 0
        pending = self._ahead
        self._ahead = []

        def rows() -> Iterator[tuple[int, Row]]:
            for number, row, _ in pending:
                yield number, row
            for number, raw in self._numbered():
                line = raw.split("#", 1)[0] if "#" in raw else raw
                fields = _fields(line)
                if fields:
                    yield number, self._row(number, raw, fields)[1]

        for number, row in rows():
            x, y, z = row
            if x * x + y * y + z * z > limit2:
                if over == 0:
                    over_from = number
                over += 1
                if over > sustained:
                    raise InputError(
                        f"{self.name}, line {over_from}: |a| stays above {MAX_G:g} g for over a "
                        f"second ({math.sqrt(x * x + y * y + z * z):.1f} g): values must be in g "
                        "(from m/s2: divide by 9.81)")
            else:
                over = 0
            count += 1
            if progress is not None and count % every == 0:
                progress(self.fraction_read())
            yield row
        self.rows_read = count
        if progress is not None:
            progress(1.0)

    def fraction_read(self) -> float:
        if self._size is None:
            return 0.0
        try:
            return min(1.0, self._raw.tell() / self._size)
        except (OSError, ValueError):
            return 0.0


def parse_trace(lines: Iterable[str], name: str = "trace") -> Rows:
    """Rows of (x, y, z) in g from text lines; :class:`InputError` names a malformed line."""
    data = "".join(lines).encode("utf-8")
    with TraceReader(name, rate=BOARD_RATE_HZ, stream=io.BytesIO(data)) as reader:
        return list(reader)


def _looks_numeric(fields: Sequence[str]) -> bool:
    for field in fields:
        try:
            float(field)
            return True
        except ValueError:
            pass
    return False


def read_trace(path: Path | str) -> Rows:
    """Every row of a trace file (``-`` for standard input), in memory: for short traces."""
    with TraceReader(path, rate=BOARD_RATE_HZ) as reader:
        return list(reader)


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


def _milli_g(value: float) -> int:
    mg = int(round(value * 1000.0))
    return -_INT16_MAX if mg < -_INT16_MAX else _INT16_MAX if mg > _INT16_MAX else mg


def resample_stream(rows: Iterable[Row], rate_in: float,
                    rate_out: float = BOARD_RATE_HZ) -> Iterator[Row]:
    """:func:`resample` over a stream: the same output, holding only one output period."""
    check_rate(rate_in)
    if rate_in == rate_out:
        yield from rows
        return
    if rate_in > rate_out:
        yield from _downsample(rows, rate_in / rate_out, rate_out / rate_in)
    else:
        yield from _upsample(rows, rate_in, rate_out)


def _downsample(rows: Iterable[Row], step: float, ratio: float) -> Iterator[Row]:
    # output k is the mean of input rows [round(k*step), max(lo+1, round((k+1)*step))), for
    # k < int(n_in * ratio), exactly as resample() computes it
    window: list[Row] = []
    base = 0           # input index of window[0]
    k = 0
    n = 0
    lo = 0
    hi = max(1, int(round(step)))
    for row in rows:
        window.append(row)
        n += 1
        while n >= hi and n * ratio >= k + 1:
            part = window[lo - base:hi - base]
            yield _mean(part)
            k += 1
            lo = int(round(k * step))
            hi = max(lo + 1, int(round((k + 1) * step)))
            if lo > base:
                del window[:lo - base]
                base = lo
    n_out = int(n * ratio)
    while k < n_out:
        part = window[lo - base:min(n, hi) - base]
        yield _mean(part)
        k += 1
        lo = int(round(k * step))
        hi = max(lo + 1, int(round((k + 1) * step)))


def _mean(part: list[Row]) -> Row:
    sx = sy = sz = 0.0
    for x, y, z in part:
        sx += x
        sy += y
        sz += z
    count = len(part)
    return (sx / count, sy / count, sz / count)


def _upsample(rows: Iterable[Row], rate_in: float, rate_out: float) -> Iterator[Row]:
    k = 0
    n = 0
    previous: Row | None = None
    for row in rows:
        n += 1
        if previous is not None:
            # outputs between input n-2 (previous) and n-1 (row)
            while True:
                position = k * rate_in / rate_out
                i = int(position)
                if i != n - 2:
                    break
                frac = position - i
                x0, y0, z0 = previous
                x1, y1, z1 = row
                yield (x0 + (x1 - x0) * frac, y0 + (y1 - y0) * frac, z0 + (z1 - z0) * frac)
                k += 1
        previous = row
    n_out = int(n * rate_out / rate_in)
    while previous is not None and k < n_out:
        position = k * rate_in / rate_out
        frac = position - int(position)
        x0, y0, z0 = previous
        yield (x0 + (x0 - x0) * frac, y0 + (y0 - y0) * frac, z0 + (z0 - z0) * frac)
        k += 1


def board_stream(rows: Iterable[Row], rate_in: float) -> Iterator[tuple[int, int, int]]:
    """What a board delivers, as a stream: (x, y, z) integer milli-g at 25 Hz."""
    for x, y, z in resample_stream(rows, rate_in, BOARD_RATE_HZ):
        yield _milli_g(x), _milli_g(y), _milli_g(z)


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
