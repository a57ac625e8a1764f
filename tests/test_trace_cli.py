"""``unsit trace``: a day script in, a trace that analyze reads out; mistakes name the line."""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest

from unsit.cli import main
from unsit.commands.trace import EXAMPLE
from unsit.lab import tracegen

ROOT = Path(__file__).resolve().parents[1]


def test_writes_a_trace_that_analyze_reads(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "day.script"
    script.write_text("seed 3\nmount side\nstand 1m\nsit 2m\nwalk 1m cadence 2\n")
    out = tmp_path / "day.txt.gz"
    assert main(["trace", str(script), "-o", str(out), "--rate", "50"]) == 0
    assert capsys.readouterr().err.strip() == (
        f"wrote 12000 samples (4 min at 50 Hz) to {out}")
    lines = gzip.open(out, "rt").read().splitlines()
    assert lines[0].startswith("# unsit trace of") and lines[1] == "x y z"
    assert len(lines) == 2 + 4 * 60 * 50
    assert main(["analyze", str(out), "--rate", "50"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert rows[0] == "second,state,steps" and len(rows) == 1 + 4 * 60
    states = [row.split(",")[1] for row in rows[1:]]
    assert states[200] == "walking" and "sitting" in states[80:170]


def test_same_seed_same_trace_and_seed_option(capsys: pytest.CaptureFixture[str],
                                              tmp_path: Path) -> None:
    script = tmp_path / "s"
    script.write_text("stand 10s\n")
    texts = []
    for seed in ("1", "1", "2"):
        assert main(["trace", str(script), "--seed", seed]) == 0
        texts.append(capsys.readouterr().out)
    assert texts[0] == texts[1] != texts[2]


@pytest.mark.parametrize("text, message", [
    ("sit 5m\nwalk 5m cadence\n",
     "line 2: 'cadence' needs a value (expected: walk DURATION [cadence STEPS-PER-S])"),
    ("sit 5m cadence 2\n", "line 1: sit has no option 'cadence' (expected: sit DURATION"),
    ("\n\nlie 1m side up\n", "line 3: lie side must be one of back, front, left, right, not 'up'"),
    ("walk 5m cadence fast\n", "line 1: walk cadence must be a number, not 'fast'"),
    ("wearer sit_delta_deg\n", "line 1: expected: wearer PROPERTY VALUE"),
    ("sit forever\n", "line 1: not a duration: 'forever' (try 90s, 45m, 8h or 1h30m)"),
    ("jog 5m\n", "line 1: unknown line 'jog' (postures: sit, stand, walk, lie, desk"),
    ("# only a comment\n", "the script has no postures"),
])
def test_a_mistake_is_one_line_naming_the_line(text: str, message: str, tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "day.script"
    script.write_text(text)
    out = tmp_path / "out.txt"
    assert main(["trace", str(script), "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"unsit trace: error: {script}")
    assert message in err
    assert not out.exists()


def test_bad_rate_missing_file_and_unwritable_output(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    script = tmp_path / "s"
    script.write_text("stand 10s\n")
    assert main(["trace", str(script), "--rate", "500"]) == 2
    assert "rate must be from 10 to 200 Hz, not 500" in capsys.readouterr().err
    assert main(["trace", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err == f"unsit trace: error: {tmp_path / 'nope'}: no such file\n"
    assert main(["trace", str(script), "-o", str(tmp_path / "no" / "x")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_help_shows_an_example_that_parses(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["trace", "--help"])
    assert "example script" in capsys.readouterr().out
    script = "\n".join(line for line in EXAMPLE.splitlines()
                       if line.startswith("  ") and not line.strip().startswith("unsit"))
    assert tracegen.parse_script(script).seconds > 2 * 3600


def test_the_docs_script_and_the_example_option_parse(capsys: pytest.CaptureFixture[str]
                                                      ) -> None:
    doc = (ROOT / "docs" / "tracegen.md").read_text()
    block = re.search(r"## Day scripts.*?```\n(.*?)```", doc, re.S)
    assert block is not None
    assert len(tracegen.parse_script(block.group(1)).segments) == 7
    assert main(["trace", "--example"]) == 0
    assert tracegen.parse_script(capsys.readouterr().out).seconds > 8 * 3600
