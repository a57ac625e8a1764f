"""The whole device, end to end: the real ``firmware/main.py`` under MicroPython on the
simulated board, fed with generated traces (and, where ../shared is present, with long sits
built by chaining real HAPT sitting bouts).

Every test runs the firmware as the simulator does (``unsit.lab.simulation``) and reads back the
log the firmware wrote with the firmware's own log code.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from unsit import cli
from unsit.errors import UnsitError
from unsit.lab import tracegen as tg
from unsit.lab.simulation import (SimulationResult, board_bytes, read_board, read_log,
                                  run_firmware, simulate, summarise)
from unsit.lab.trace import to_board_samples
from unsit_firmware.logic import events, patterns, records

MONDAY_9 = int(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc).timestamp())
HOUR_S = 3600


def run_script(script: str, tmp_path: Path, start: int | None = MONDAY_9,
               settings: dict[str, int] | None = None) -> SimulationResult:
    trace = tg.generate(script)
    return simulate(trace.board_samples(), start, workdir=tmp_path, settings=settings)


def test_one_reminder_after_an_hour_of_sitting_heeded_when_the_wearer_gets_up(
        tmp_path: Path) -> None:
    result = run_script("stand 5m\nsit 63m\nwalk 5m", tmp_path)
    assert len(result.reminders) == 1
    (reminder,) = result.reminders
    assert abs(reminder.t_s - (300 + HOUR_S)) <= 30
    assert reminder.repeat == 0 and reminder.minutes_sat == 60
    assert reminder.heeded
    assert 150 <= reminder.seconds_to_get_up <= 210       # got up 3 min later
    # the wearer felt the first pattern: its pulses, at the reminder's time
    steps = patterns.steps(patterns.for_reminder(0))
    felt = [p for p in result.pulses if abs(p.t_s - reminder.t_s) < 5]
    assert len(felt) == len(steps)
    for pulse, (on_ms, _, percent) in zip(felt, steps):
        assert abs(pulse.on_ms - on_ms) <= 40              # one 40 ms sample of resolution
        assert pulse.percent == patterns.drive_percent(percent, 70)
    assert result.boots == 1 and result.faults == 0
    # every second of the trace is in the log's minutes
    assert abs(sum(result.totals_s.values()) - result.trace_s) <= 2
    assert result.totals_s["sitting"] == pytest.approx(63 * 60, abs=90)


def test_repeats_escalate_and_stop_at_the_cap(tmp_path: Path) -> None:
    result = run_script("stand 3m\nsit 115m\nwalk 3m", tmp_path)
    assert [r.repeat for r in result.reminders] == [0, 1, 2, 3]          # 1 + max_repeats
    assert [r.minutes_sat for r in result.reminders] == [60, 70, 80, 90]
    for r in result.reminders:
        assert abs(r.t_s - (180 + r.minutes_sat * 60)) <= 30
        assert not r.heeded                                 # up only 25 min after the last
    per_reminder = [len([p for p in result.pulses if 0 <= p.t_s - r.t_s < 5])
                    for r in result.reminders]
    assert per_reminder == sorted(per_reminder) and per_reminder[0] < per_reminder[-1]


def test_a_fifty_minute_stand_up_rhythm_gets_no_reminder(tmp_path: Path) -> None:
    result = run_script("stand 3m\n" + "sit 50m\nwalk 3m\n" * 3, tmp_path)
    assert result.reminders == [] and result.suppressed == []
    assert result.totals_s["sitting"] == pytest.approx(150 * 60, abs=180)


@pytest.mark.slow
@pytest.mark.parametrize("script", [
    "stand 8h                       # a standing desk",
    "stand 2m\nlie 8h side back     # in bed",
    "stand 1m\ndesk 8h face up      # a clip left on a desk",
], ids=["standing-desk", "lying", "clip-on-desk"])
def test_eight_hours_without_sitting_get_no_reminder(script: str, tmp_path: Path) -> None:
    result = run_script(script, tmp_path)
    assert result.reminders == [] and result.suppressed == []
    assert result.totals_s["sitting"] < 120
    assert result.board["watchdog_feeds"] >= 8 * HOUR_S      # fed every (virtual) second


def test_a_clip_on_a_desk_is_logged_as_not_worn_not_as_sitting(tmp_path: Path) -> None:
    result = run_script("stand 3m\ndesk 20m face up\nwalk 3m", tmp_path)
    assert result.totals_s["sitting"] < 30
    assert result.totals_s["not_worn"] >= 19 * 60
    assert any(180 <= t <= 180 + 120 for t in result.not_worn_recognised)


def test_quiet_hours_hold_in_the_wearers_local_time(tmp_path: Path) -> None:
    # 21:30 in UTC+1: the hour of sitting ends at 22:35 local, inside the quiet hours
    start = int(datetime(2026, 3, 2, 20, 30, tzinfo=timezone.utc).timestamp())
    result = run_script("stand 5m\nsit 75m", tmp_path, start, {"utc_offset_min": 60})
    assert result.reminders == [] and result.pulses == []
    assert [s.reason for s in result.suppressed] == ["quiet hours", "quiet hours"]
    assert abs(result.suppressed[0].t_s - (300 + HOUR_S)) <= 30


def test_a_double_tap_snoozes_the_repeat(tmp_path: Path) -> None:
    result = run_script("stand 3m\nsit 61m\ntap\nsit 14m\nwalk 3m", tmp_path)
    assert len(result.reminders) == 1
    (snooze,) = result.snoozes
    assert snooze.minutes == 20 and abs(snooze.t_s - (180 + 61 * 60)) <= 5
    assert [(s.reason, s.minutes_sat) for s in result.suppressed] == [("snoozed", 70)]
    # the tap is acknowledged with one short tick
    ack = [p for p in result.pulses if abs(p.t_s - snooze.t_s) < 2]
    assert len(ack) == len(patterns.steps(patterns.SNOOZE_ACK))


def test_a_bad_setting_is_refused_and_the_old_value_kept(tmp_path: Path) -> None:
    with pytest.raises(UnsitError, match="sit_limit_min must be between"):
        run_script("sit 1m", tmp_path / "host", settings={"sit_limit_min": 5})
    # on the device: a damaged settings file keeps the defaults for the bad lines only
    storage = tmp_path / "dev" / "storage"
    storage.mkdir(parents=True)
    (storage / "settings.txt").write_text("sit_limit_min 5\nno_such_setting 3\nrepeat_min 15\n")
    trace = tg.generate("stand 3m\nsit 80m")
    run_firmware(trace.board_samples(), tmp_path / "dev", MONDAY_9)
    result = summarise(read_log(storage), trace.seconds, MONDAY_9)
    assert [r.minutes_sat for r in result.reminders] == [60, 75]


def test_after_a_power_cut_the_clip_carries_on_from_its_saved_state(tmp_path: Path) -> None:
    # The power is cut during a short stand inside a long sitting bout (30 s: not a break).
    # The restarted clip's detector and coach carry on from their last save (the detector
    # knows the wearer's postures, the coach the sitting it had counted).
    trace = tg.generate("stand 5m\nsit 40m\nstand 40s\nsit 30m\nwalk 3m")
    samples = trace.board_samples()
    cut = (45 * 60 + 5) * 25 + 17
    run_firmware(samples, tmp_path, MONDAY_9, env={"UNSIT_SIM_CUT_AT": str(cut)})
    run_firmware(samples, tmp_path, MONDAY_9, offset=cut, reset_cause=events.RESET_WATCHDOG)
    log = read_log(tmp_path / "storage")
    result = summarise(log, trace.seconds, MONDAY_9)
    assert result.boots == 2
    boots = [values[0] for _, kind, _, _, values in log if kind == events.BOOT]
    assert boots == [events.RESET_POWER_ON, events.RESET_WATCHDOG]
    seqs = [seq for seq, *_ in log]
    assert seqs == sorted(set(seqs))
    # Sitting counted before the cut was kept (up to the last save, at most 5 min before),
    # so the reminder comes after about an hour of sitting in all, within the second sit.
    (reminder,) = result.reminders
    second_sit = 45 * 60 + 40
    assert second_sit + 20 * 60 - 60 <= reminder.t_s <= second_sit + 25 * 60 + 60
    assert 55 <= reminder.minutes_sat <= 60


def test_a_failed_accelerometer_read_is_one_sensor_fault_and_sampling_goes_on(
        tmp_path: Path) -> None:
    trace = tg.generate("stand 5m\nsit 62m\nwalk 3m")
    env = {"UNSIT_SIM_FAULT_AT": str(30 * 60 * 25)}
    result = simulate(trace.board_samples(), MONDAY_9, workdir=tmp_path, env=env)
    assert result.faults == 0
    assert [cause for _, cause in result.sensor_faults] == [events.SENSOR_NO_ANSWER]
    (reminder,) = result.reminders
    assert abs(reminder.t_s - (300 + HOUR_S)) <= 30
    board, _ = read_board(tmp_path)
    assert board["samples"] == len(trace.samples)


def test_an_accelerometer_gone_for_ten_minutes_is_one_episode_without_resets(
        tmp_path: Path) -> None:
    trace = tg.generate("stand 5m\nsit 30m\nwalk 3m")
    env = {"UNSIT_SIM_FAULT_AT": str(10 * 60 * 25), "UNSIT_SIM_FAIL_MS": str(10 * 60 * 1000)}
    result = simulate(trace.board_samples(), MONDAY_9, workdir=tmp_path, env=env)
    assert result.faults == 0 and result.watchdog_resets == []
    assert [cause for _, cause in result.sensor_faults] == [events.SENSOR_NO_ANSWER]
    ended = [values for _, kind, _, _, values in read_log(tmp_path / "storage")
             if kind == events.SENSOR_OK]
    assert len(ended) == 1 and ended[0][0] == events.SENSOR_NO_ANSWER
    assert 10 <= ended[0][1] <= 11      # minutes, on the board's clock


def test_simulate_command_json_on_a_50_hz_text_trace(tmp_path: Path, capsys) -> None:
    path = tmp_path / "sit.txt"
    tg.generate("stand 3m\nsit 62m\nwalk 4m", 50.0).write_text(path)
    code = cli.main(["simulate", str(path), "--rate", "50", "--start",
                     "2026-03-02T09:00:00+01:00", "--json"])
    assert code == 0
    out = json.loads(capsys.readouterr().out)
    assert len(out["reminders"]) == 1
    assert abs(out["reminders"][0]["t_s"] - (180 + HOUR_S)) <= 30
    assert out["reminders"][0]["heeded"] is True
    assert out["totals_s"]["sitting"] == pytest.approx(62 * 60, abs=90)


def test_simulate_command_text_output(tmp_path: Path, capsys) -> None:
    path = tmp_path / "sit.txt"
    tg.generate("stand 2m\nsit 61m\nwalk 2m", 25.0).write_text(path)
    assert cli.main(["simulate", str(path), "--rate", "25"]) == 0
    out = capsys.readouterr().out
    assert "Reminders (1):" in out
    assert "after 60 min sitting" in out and "heeded: up after" in out
    assert "Totals: " in out and "sitting 1 h 0" in out


@pytest.mark.parametrize("argv, message", [
    (["--rate", "25", "--start", "yesterday"], "not an ISO-8601 time"),
    (["--rate", "5"], "rate must be from 10 to 200 Hz"),
    (["--rate", "1e9"], "rate must be from 10 to 200 Hz, not 1e+09"),
])
def test_simulate_command_refuses_bad_input(tmp_path: Path, capsys, argv, message) -> None:
    path = tmp_path / "t.txt"
    path.write_text("0 0 1\n" * 100)
    assert cli.main(["simulate", str(path), *argv]) == 2
    assert message in capsys.readouterr().err


def test_an_hour_of_real_sitting_built_from_chained_hapt_bouts(hapt_dir: Path,
                                                               tmp_path: Path) -> None:
    """BUILT BY CHAINING: real HAPT bouts of one person (experiment 1) put end to end:
    walking bouts (2 min, so the clip learns the wearer), one standing bout, then the same
    person's sitting bouts repeated for 62 minutes, then walking again."""
    labels = np.loadtxt(hapt_dir / "labels.txt", dtype=int)
    rows = labels[labels[:, 0] == 1]
    acc = np.fromstring((hapt_dir / "acc_exp01_user01.txt").read_text(), sep=" ").reshape(-1, 3)

    def bouts(activity: int) -> list[np.ndarray]:
        return [acc[s - 1:e] for _, _, a, s, e in rows if a == activity]

    def chain(parts: list[np.ndarray], seconds: float) -> np.ndarray:
        out, total, i = [], 0, 0
        while total < seconds * 50:
            part = parts[i % len(parts)]
            out.append(part)
            total += len(part)
            i += 1
        return np.concatenate(out)[:int(seconds * 50)]

    lead_in = np.concatenate([chain(bouts(1), 120), bouts(5)[0]])
    sitting = chain(bouts(4), 62 * 60)
    after = chain(bouts(1), 120)
    rows_g = [tuple(r) for r in np.concatenate([lead_in, sitting, after]).tolist()]
    samples = board_bytes(to_board_samples(rows_g, 50.0))
    result = simulate(samples, MONDAY_9, workdir=tmp_path)
    (reminder,) = result.reminders
    sat_down_s = len(lead_in) / 50
    assert abs(reminder.t_s - (sat_down_s + HOUR_S)) <= 30
    assert reminder.heeded


def test_a_clip_moved_on_the_belt_is_logged_as_a_calibration(tmp_path: Path) -> None:
    before = tg.generate("mount front\nseed 4\nstand 1m\nwalk 3m\nsit 5m\nwalk 2m")
    after = tg.generate("mount front upside-down\nseed 5\nstand 1m\nwalk 3m\nsit 5m\nwalk 2m")
    simulate(before.board_samples() + after.board_samples(), MONDAY_9, workdir=tmp_path)
    log = read_log(tmp_path / "storage")
    moved = [(t - MONDAY_9, values) for _, kind, t, _, values in log
             if kind == events.CALIBRATION]
    assert len(moved) == 1, moved
    t_s, (degrees, clip_moved, *_) = moved[0]
    assert 11 * 60 < t_s < 11 * 60 + 4 * 60       # learnt while walking after the move
    assert clip_moved == 1 and 150 <= degrees <= 180  # upside down: half a turn


def test_minutes_fall_on_whole_utc_minutes_from_boot_to_the_end(tmp_path: Path) -> None:
    trace = tg.generate("stand 2m\nsit 10m\nwalk 2m")
    simulate(trace.board_samples(), MONDAY_9, workdir=tmp_path)
    minutes = [(t, sum(values[:5])) for _, kind, t, _, values in read_log(tmp_path / "storage")
               if kind == records.MINUTE]
    assert len(minutes) >= 14
    assert all(t % 60 == 0 for t, _ in minutes), minutes[:2] + minutes[-2:]
    assert [t for t, _ in minutes] == sorted({t for t, _ in minutes})   # no two share a minute


def test_a_start_outside_the_clips_clock_is_refused(tmp_path: Path, capsys) -> None:
    path = tmp_path / "t.txt"
    tg.generate("stand 1m", 25.0).write_text(path)
    assert cli.main(["simulate", str(path), "--rate", "25", "--start", "1900-01-01T00:00"]) == 2
    assert "outside the clip's clock" in capsys.readouterr().err


def test_a_negative_demo_seed_is_one_line(capsys) -> None:
    with pytest.raises(SystemExit) as stop:
        cli.main(["demo", "--seed", "-5"])
    assert stop.value.code == 2
    assert "--seed: must be from 0" in capsys.readouterr().err


def test_the_whole_app_runs_in_a_small_heap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    # A guard against the app's RAM growing: 160 KiB on the 64-bit unix port, compiling every
    # module from source (it fails at 128 KiB today). A 32-bit board loading .mpy files needs
    # less (hardware.md, "RAM").
    from unsit.lab import simulation

    monkeypatch.setattr(simulation, "HEAPSIZE", "160K")
    trace = tg.generate("stand 2m\nsit 62m\nwalk 3m")
    result = simulate(trace.board_samples(), MONDAY_9, workdir=tmp_path)
    assert len(result.reminders) == 1 and result.faults == 0 and result.boots == 1
