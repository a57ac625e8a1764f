"""The robustness study's building blocks: prepared HAPT experiments score exactly as
`unsit eval` does, detector variants are honoured, and angles scale as the chords mean."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from unsit import evaluate
from unsit.lab import hapt
from unsit_firmware.logic import detector as det
from unsit_firmware.logic import states

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_detector_robustness.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_detector_robustness", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def two_experiments(hapt_dir: Path, tmp_path: Path) -> Path:
    """Experiments 1 and 2 (subject 1) of the real data in a folder of their own."""
    for name in ("acc_exp01_user01.txt", "acc_exp02_user01.txt"):
        shutil.copy(hapt_dir / name, tmp_path / name)
    lines = [line for line in (hapt_dir / "labels.txt").read_text().splitlines()
             if line.split()[:1] in (["1"], ["2"])]
    (tmp_path / "labels.txt").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_prepared_experiments_score_as_eval_does(two_experiments: Path) -> None:
    prepared = evaluate.board_experiments(two_experiments, seed=3)
    assert [(e.experiment, e.user) for e in prepared] == [(1, 1), (2, 1)]
    ours = evaluate.score_detector(prepared)
    theirs = evaluate.evaluate(two_experiments, seed=3, baselines=False).per_subject["unsit"]
    assert {u: s.matrix for u, s in ours.items()} == {u: s.matrix for u, s in theirs.items()}
    assert ours[1].seconds() > 400

    made: list[int] = []

    def make(rate_hz: int) -> det.Detector:
        made.append(rate_hz)
        return det.Detector(rate_hz)

    again = evaluate.score_detector(prepared, make)
    assert made == [25, 25] and again[1].matrix == ours[1].matrix


def test_rule_variants_change_what_is_said(two_experiments: Path) -> None:
    bench = _bench()
    prepared = evaluate.board_experiments(two_experiments, seed=0)
    shipped = evaluate.score_detector(prepared)[1]
    no_bed = evaluate.score_detector(prepared, bench.NoOutOfBed)[1]
    walk_only = evaluate.score_detector(prepared, bench.UprightFromWalking)[1]
    lying = evaluate.TRUTH_CODES.index(states.LYING)
    assert shipped.lying_recall() > 0.95
    # Upright only from walking: HAPT's still postures all come before its walks.
    assert walk_only.matrix[lying][states.LYING] == 0
    assert no_bed.lying_recall() == shipped.lying_recall()
    # Standing still right after getting up from lying: sitting with the rule, not without.
    spliced = bench.stand_after_lying(prepared, hapt.read_bouts(two_experiments))
    assert len(spliced) == 2
    standing = evaluate.TRUTH_CODES.index(states.STANDING)
    with_rule = evaluate.score_detector(spliced)[1].matrix[standing]
    without = evaluate.score_detector(spliced, bench.NoOutOfBed)[1].matrix[standing]
    assert sum(with_rule) == sum(without) > 20
    assert with_rule[states.SITTING] > 0.5 * sum(with_rule)
    assert without[states.SITTING] < 0.1 * sum(without)


def test_angles_scale_as_the_chords_mean() -> None:
    bench = _bench()
    bench.check_constants()   # the study knows every constant the detector has
    assert bench.chord_degrees(det._LIE_CHORD) == pytest.approx(68.0, abs=0.01)
    assert bench.chord_degrees(det._SAME_CHORD) == pytest.approx(3.0, abs=0.01)
    assert abs(bench.degrees_chord(30.0) - det._MOVED_CHORD) <= 1
    assert bench.chord_degrees(bench.scaled("_LIE_CHORD", "chord", 1.25)) == \
        pytest.approx(85.0, abs=0.01)
    assert bench.scaled("_STEP_LOW", "int", 0.75) == -30
    assert bench.scaled("_TABLE_DRIFT", "int", 1.25) == 3   # 2.5 rounds half up
