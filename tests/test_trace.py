"""Trace files: parsing, errors with line numbers, resampling and scaling to board samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from unsit.errors import InputError
from unsit.lab.trace import parse_trace, read_trace, resample, to_board_samples, to_milli_g


def test_whitespace_commas_header_and_comments() -> None:
    text = [
        "# recorded on a belt\n",
        "x,y,z\n",
        "0.1 0.2 0.97\n",
        "\n",
        "0.1,0.2,0.98  # trailing note\n",
        "-1e-3\t0.5 , 0.5\n",
    ]
    assert parse_trace(text) == [(0.1, 0.2, 0.97), (0.1, 0.2, 0.98), (-0.001, 0.5, 0.5)]


def test_malformed_line_is_named() -> None:
    with pytest.raises(InputError, match=r"line 3: expected three numbers") as error:
        parse_trace(["0 0 1\n", "0 0 1\n", "0 oops 1\n"])
    assert error.value.exit_code == 2


def test_only_one_header_line_is_allowed() -> None:
    with pytest.raises(InputError, match="line 2"):
        parse_trace(["x y z\n", "a b c\n", "0 0 1\n"])


def test_wrong_column_count_and_nan_are_errors() -> None:
    with pytest.raises(InputError, match="line 2"):
        parse_trace(["0 0 1\n", "0 0\n"])
    with pytest.raises(InputError, match="line 1"):
        parse_trace(["nan 0 1\n"])


def test_missing_and_binary_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_trace(tmp_path / "absent.txt")
    binary = tmp_path / "b.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(InputError, match="not a text file"):
        read_trace(binary)


def test_downsampling_averages_each_output_period() -> None:
    rows = [(float(i), 0.0, 1.0) for i in range(100)]  # 2 s at 50 Hz
    out = resample(rows, 50, 25)
    assert len(out) == 50
    assert out[0] == (0.5, 0.0, 1.0)
    assert out[49] == (98.5, 0.0, 1.0)


def test_upsampling_interpolates() -> None:
    rows = [(float(i), 0.0, 0.0) for i in range(20)]  # 1 s at 20 Hz
    out = resample(rows, 20, 25)
    assert len(out) == 25
    assert out[1][0] == pytest.approx(0.8)
    assert out[5][0] == pytest.approx(4.0)


def test_rate_below_ten_hz_is_refused() -> None:
    with pytest.raises(InputError, match="from 10 to 200 Hz"):
        resample([(0.0, 0.0, 1.0)] * 10, 5)


def test_milli_g_rounds_and_clamps() -> None:
    samples = to_milli_g([(0.0004, -0.0006, 1.0), (40.0, -40.0, 0.0)])
    assert list(samples) == [0, -1, 1000, 32767, -32767, 0]
    assert samples.typecode == "h"


def test_board_samples_are_25_hz_interleaved() -> None:
    rows = [(0.0, 0.0, 1.0)] * 500  # 10 s at 50 Hz
    samples = to_board_samples(rows, 50)
    assert len(samples) == 250 * 3
    assert list(samples[:3]) == [0, 0, 1000]
