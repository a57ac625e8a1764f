"""The power model runs, every figure in it has a source, and the docs quote its output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def power() -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_power.py"), "--json"],
                          capture_output=True, text=True, timeout=600, check=True)
    out: dict[str, Any] = json.loads(done.stdout)
    return out


def test_bench_power_json_covers_every_build_with_sources_and_the_docs_quote_it(
        power: dict[str, Any]) -> None:
    builds = power["builds"]
    assert set(builds) >= {"B_xiao_esp32c3", "B_xiao_esp32s3", "A_m5stickc_plus2"}
    for name, build in builds.items():
        assert build["days"] > 0 and build["avg_ma"] > 0, name
        assert abs(sum(build["parts"].values()) - build["avg_ma"]) < 0.002, name
    assert all(len(source) > 20 for source in power["sources"].values())
    # the CPU time of a wake comes from a factor calibrated on published timings
    calibration = power["inputs"]["wake_instructions"]["calibration"]
    assert calibration["published"] and all("micropython" in p["source"]
                                            for p in calibration["published"])
    # hardware.md and docs/power.md quote the figures this run printed
    docs = (ROOT / "hardware.md").read_text() + (ROOT / "docs" / "power.md").read_text()
    for name in ("B_xiao_esp32c3", "B_xiao_esp32s3", "A_m5stickc_plus2"):
        assert f"{builds[name]['days']} days" in docs, name
        assert f"{builds[name]['avg_ma']:.3f} mA" in docs, name


@pytest.mark.xfail(strict=True, reason="with the calibrated cycles per instruction build B "
                   "models 19.3 days (hardware.md, 'Power budget'); strict: passing again "
                   "means the docs and this mark need updating")
def test_build_b_meets_the_21_day_floor(power: dict[str, Any]) -> None:
    assert power["builds"]["B_xiao_esp32c3"]["days"] >= 21
