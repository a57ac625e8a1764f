"""The power model runs, every figure in it has a source, and the docs quote its output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_power_json_covers_every_build_with_sources_and_the_docs_quote_it() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_power.py"), "--json"],
                          capture_output=True, text=True, timeout=600, check=True)
    out = json.loads(done.stdout)
    builds = out["builds"]
    assert set(builds) >= {"B_xiao_esp32c3", "B_xiao_esp32s3", "A_m5stickc_plus2"}
    for name, build in builds.items():
        assert build["days"] > 0 and build["avg_ma"] > 0, name
        assert abs(sum(build["parts"].values()) - build["avg_ma"]) < 0.002, name
    assert builds["B_xiao_esp32c3"]["days"] >= 21          # the floor for build B
    assert all(len(source) > 20 for source in out["sources"].values())
    # a wake's CPU time: cycles per instruction from published timings, each with its source
    calibration = out["inputs"]["wake_instructions"]["calibration"]
    assert {run["chip"] for run in calibration["published"]} >= {"esp32c3", "esp32"}
    assert all(len(run["source"]) > 20 and run["cpu_hz"] > 0
               for run in calibration["published"])
    # hardware.md and docs/power.md quote the figures this run printed
    docs = (ROOT / "hardware.md").read_text() + (ROOT / "docs" / "power.md").read_text()
    for name in ("B_xiao_esp32c3", "B_xiao_esp32s3", "A_m5stickc_plus2"):
        assert f"{builds[name]['days']} days" in docs, name
        assert f"{builds[name]['avg_ma']:.3f} mA" in docs, name
