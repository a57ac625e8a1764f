"""The trace generator: its script format, its physics, and its statistics against real HAPT data.

The HAPT comparisons compute each statistic on every labelled bout of the real recordings
(waist-worn phones, 50 Hz) and check that the generated trace's figure lies within the range
the real people span.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest

from unsit.errors import InputError
from unsit.lab import motionstats as ms
from unsit.lab import tracegen as tg
from unsit.lab.trace import read_trace

RATE = 50.0


def _bouts(trace: tg.Trace, script: tg.DayScript, kind: str, margin_s: float = 10.0):
    """The samples of every segment of ``kind``, without the movement at its start."""
    out = []
    for start, seg in tg.segments_table(script):
        if seg.kind == kind:
            a = int((start + margin_s) * trace.rate_hz)
            b = int((start + seg.seconds) * trace.rate_hz)
            out.append(trace.samples[a:b])
    return out


@pytest.fixture(scope="module")
def hapt_stats() -> dict[str, list[float]]:
    hapt_dir = Path(os.environ.get("UNSIT_SHARED_DATA", "")) / "hapt"
    if not (hapt_dir / "labels.txt").is_file():
        pytest.skip(f"HAPT data not found at {hapt_dir} (a fresh clone has no ../shared)")
    labels = np.loadtxt(hapt_dir / "labels.txt", dtype=int)
    stats: dict[str, list[float]] = {"tilt": [], "gait": [], "walk_sd": [], "sit_res": [],
                                     "stand_res": []}
    for exp in sorted(set(labels[:, 0])):
        rows = labels[labels[:, 0] == exp]
        user = rows[0, 1]
        text = (hapt_dir / f"acc_exp{exp:02d}_user{user:02d}.txt").read_text()
        acc = np.fromstring(text, sep=" ").reshape(-1, 3)
        bouts: dict[int, list[np.ndarray]] = {}
        for _, _, activity, start, end in rows:
            bouts.setdefault(activity, []).append(acc[start - 1:end])
        stats["tilt"].append(ms.tilt_between_deg(np.concatenate(bouts[4]),
                                                 np.concatenate(bouts[5])))
        for bout in bouts.get(1, []):
            stats["gait"].append(ms.step_frequency_hz(bout, RATE))
            stats["walk_sd"].append(ms.magnitude_sd_mg(bout))
        stats["sit_res"] += [ms.residual_mg(b, RATE) for b in bouts[4]]
        stats["stand_res"] += [ms.residual_mg(b, RATE) for b in bouts[5]]
    return stats


@pytest.fixture(scope="module")
def generated() -> tuple[tg.Trace, tg.DayScript]:
    script = tg.parse_script("mount side turned 40\nstand 3m\nsit 3m\nstand 2m\nsit 2m\n"
                             "walk 2m\ndesk 2m\nlie 2m")
    return tg.generate(script, RATE), script


def test_sit_stand_tilt_difference_lies_within_hapt_people(hapt_stats, generated) -> None:
    trace, script = generated
    tilt = ms.tilt_between_deg(np.concatenate(_bouts(trace, script, "sit")),
                               np.concatenate(_bouts(trace, script, "stand")))
    real = hapt_stats["tilt"]
    assert min(real) <= tilt <= max(real), (tilt, min(real), max(real))
    # and near the middle of the real spread, as the default wearer should be
    assert abs(tilt - float(np.median(real))) < 8.0, (tilt, np.median(real))


def test_wearers_drawn_across_the_hapt_tilt_range(hapt_stats) -> None:
    real = hapt_stats["tilt"]
    for delta in (min(real) + 3, max(real) - 3):
        script = tg.parse_script(f"wearer sit_delta_deg {delta}\nstand 2m\nsit 2m")
        trace = tg.generate(script, RATE)
        tilt = ms.tilt_between_deg(np.concatenate(_bouts(trace, script, "sit")),
                                   np.concatenate(_bouts(trace, script, "stand")))
        assert min(real) <= tilt <= max(real)
        assert abs(tilt - delta) < 4.0


def test_gait_frequency_and_strength_match_hapt_walking(hapt_stats, generated) -> None:
    trace, script = generated
    (walk,) = _bouts(trace, script, "walk")
    freq = ms.step_frequency_hz(walk, RATE)
    low, high = np.percentile(hapt_stats["gait"], [5, 95])
    assert low <= freq <= high, (freq, low, high)
    assert abs(freq - script.wearer.cadence_hz) < 0.08
    sd = ms.magnitude_sd_mg(walk)
    low, high = np.percentile(hapt_stats["walk_sd"], [5, 95])
    assert low <= sd <= high, (sd, low, high)


def test_small_motion_of_still_postures_matches_hapt_and_a_desk_is_stiller(
        hapt_stats, generated) -> None:
    trace, script = generated
    for kind, key in (("sit", "sit_res"), ("stand", "stand_res")):
        residual = np.mean([ms.residual_mg(b, RATE) for b in _bouts(trace, script, kind)])
        low, high = np.percentile(hapt_stats[key], [5, 95])
        assert low <= residual <= high, (kind, residual, low, high)
    (desk,) = _bouts(trace, script, "desk")
    # a table does not breathe: less motion than any real person sitting still
    assert ms.residual_mg(desk, RATE) < min(hapt_stats["sit_res"])


def test_desk_noise_is_the_chips_noise_density() -> None:
    trace = tg.generate("desk 10m", 25.0)
    still = trace.samples[100:]
    expected = tg.NOISE_DENSITY_G_PER_RTHZ * math.sqrt(25.0 / 2)
    measured = still.std(axis=0)
    assert np.all(np.abs(measured - expected) < 0.25 * expected), (measured, expected)
    assert abs(np.linalg.norm(still.mean(axis=0)) - 1.0) < 0.05


@pytest.mark.parametrize("mount", ["front", "side", "back"])
@pytest.mark.parametrize("upside_down", [False, True])
def test_standing_gravity_follows_the_mounting(mount: str, upside_down: bool) -> None:
    m = tg.mount_matrix(mount, upside_down)
    gravity = m @ np.array([0.0, 0.0, 1.0])
    # the clip's y axis points up its face: +1 g on y standing, -1 g upside down
    assert gravity == pytest.approx([0.0, -1.0 if upside_down else 1.0, 0.0], abs=1e-9)
    # z points out of the face, away from the body
    outward = {"front": [1, 0, 0], "side": [0, -1, 0], "back": [-1, 0, 0]}[mount]
    assert m[2] == pytest.approx(outward, abs=1e-9)
    assert np.linalg.det(m) == pytest.approx(1.0)


def test_lying_puts_gravity_across_the_body() -> None:
    script = tg.parse_script("mount front\nstand 1m\nlie 2m side back\nlie 2m side left")
    trace = tg.generate(script, 25.0)
    stand, back, left = (trace.samples[int(a * 25) + 250:int(b * 25)] for a, b in
                         ((0, 60), (60, 180), (180, 300)))
    assert ms.tilt_between_deg(stand, back) > 75
    assert ms.tilt_between_deg(stand, left) > 75
    assert ms.tilt_between_deg(back, left) > 75


def test_sit_down_is_a_movement_between_still_postures() -> None:
    trace = tg.generate("stand 1m\nsit 1m", 25.0)
    magnitude = np.linalg.norm(trace.samples, axis=1)
    around = magnitude[60 * 25 - 10:60 * 25 + 80]
    before = magnitude[20 * 25:50 * 25]
    assert around.max() - around.min() > 0.3        # the body drops and is caught
    assert before.max() - before.min() < 0.15


def test_double_tap_is_two_spikes_a_quarter_second_apart() -> None:
    trace = tg.generate("sit 30s\ntap\nsit 30s", 25.0)
    z = trace.samples[:, 2] - np.median(trace.samples[:, 2])
    spikes = np.flatnonzero(np.abs(z) > 0.5)
    assert trace.taps_s == [30.0]
    assert len(spikes) == 2 and 0.2 <= (spikes[1] - spikes[0]) / 25.0 <= 0.4
    assert spikes[0] == 30 * 25


def test_same_seed_same_trace_and_text_round_trip(tmp_path: Path) -> None:
    a = tg.generate(tg.office_day(3)[:400], 25.0)
    b = tg.generate(tg.office_day(3)[:400], 25.0)
    assert np.array_equal(a.samples, b.samples)
    path = tmp_path / "day.txt"
    a.write_text(path)
    rows = np.array(read_trace(path))
    assert rows.shape == a.samples.shape
    assert np.abs(rows - a.samples).max() < 6e-5


def test_board_samples_are_int16_milli_g() -> None:
    trace = tg.generate("stand 10s", 25.0)
    raw = np.frombuffer(trace.board_samples(), dtype="<i2").reshape(-1, 3)
    assert np.abs(raw - trace.samples * 1000).max() <= 0.5
    with pytest.raises(ValueError):
        tg.generate("stand 10s", 50.0).board_samples()


def test_office_day_is_a_whole_working_day() -> None:
    script = tg.parse_script(tg.office_day())
    assert 8 * 3600 <= script.seconds <= 10.5 * 3600
    kinds = {seg.kind for seg in script.segments}
    assert {"sit", "stand", "walk", "desk", "tap"} <= kinds


@pytest.mark.parametrize("line, message", [
    ("sit forever", "line 1: not a duration"),
    ("dance 5m", "line 1: unknown line"),
    ("mount belt", "line 1: mount must be one of"),
    ("walk 5m cadence", "line 1:"),
])
def test_bad_script_lines_are_named(line: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        tg.parse_script(line)


def test_durations() -> None:
    assert tg.parse_duration("90s") == 90
    assert tg.parse_duration("1h30m") == 5400
    assert tg.parse_duration("2.5m") == 150
