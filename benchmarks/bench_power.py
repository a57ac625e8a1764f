"""The clip's power budget, part by part, for every reference build: average current and days
per charge, computed from one table of datasheet figures (each with its source) and from what
this repository measures.

Measured here, not assumed:
- the CPU work of a wake, in instructions on the board-grade 32-bit MicroPython
  (``benchmarks/wake_cost.json``, written by ``bench_wake.py``), scaled to each chip at
  160 MHz with cycles per instruction calibrated on published timings of MicroPython
  benchmarks (``bench_wake.PUBLISHED``);
- the motor's use on a typical day: the demo's office day run through the real firmware on
  the simulated board (``unsit.lab.simulation``): pulses, time on, time the patterns keep the MCU
  awake;
- the firmware's own schedule: FIFO watermark and rate, discovery windows, the idle yield
  (constants read from ``firmware/hw``).

Usage: ``.venv/bin/python benchmarks/bench_power.py [--json]``. hardware.md and
docs/power.md quote its output.
"""

from __future__ import annotations

import argparse
import ast
import json
import tempfile
from pathlib import Path
from typing import Any

from unsit.firmware import firmware_dir
from unsit.lab import tracegen
from unsit.lab.simulation import read_board, run_firmware

HERE = Path(__file__).resolve().parent
DAY_S = 86400

# One table: every figure the model uses, in mA, ms, mAh or a count, with where it comes from.
PARTS: dict[str, tuple[float, str]] = {
    # accelerometers
    "lis3dh_25hz_ma": (0.006, "LIS3DH datasheet (ST DocID17530), current by mode and ODR: "
                              "normal mode, 25 Hz: 6 uA"),
    "lis3dh_stock_breakout_ma": (0.78, "a LIS3DH breakout with its own regulator, level "
                                       "shifters and power LED: 0.78 mA measured by a user on the "
                                       "vendor's forum (not re-measured here)"),
    "mpu6886_lp_ma": (0.040, "MPU-6886 datasheet, accelerometer low-power mode with the gyro in "
                             "standby: ~40 uA at low rates (check your revision)"),
    # MCUs
    "esp32c3_light_sleep_ma": (0.130, "ESP32-C3 datasheet, current in low-power modes: light "
                                      "sleep 130 uA"),
    "esp32s3_light_sleep_ma": (0.240, "ESP32-S3 datasheet, current in low-power modes: light "
                                      "sleep 240 uA"),
    "esp32_light_sleep_ma": (0.800, "ESP32 datasheet, power consumption by power mode: light "
                                    "sleep 0.8 mA"),
    "esp32c3_run_ma": (25.0, "ESP32-C3 at 160 MHz, CPU running, radio off: 26.8 mA measured "
                             "(robdobson.com, 'Investigating ESP32-C3 power management'); "
                             "datasheet modem-sleep table ~23-28 mA"),
    "esp32c3_idle_ma": (20.0, "ESP32-C3 at 160 MHz, CPU idle: 20.1 mA measured (same article)"),
    "esp32s3_run_ma": (35.0, "ESP32-S3 datasheet, modem-sleep, 160 MHz, CPU running"),
    "esp32s3_idle_ma": (25.0, "ESP32-S3 datasheet, modem-sleep, 160 MHz, CPU idle"),
    "esp32_run_ma": (35.0, "ESP32 datasheet, modem-sleep, 160 MHz, CPU running"),
    "esp32_idle_ma": (30.0, "ESP32 datasheet, modem-sleep, 160 MHz, CPU idle"),
    # boards
    "xiao_c3_board_sleep_ma": (0.040, "XIAO ESP32-C3: its XC6210 regulator's quiescent current "
                                      "(35 uA); 45.1 uA measured in deep sleep by msfujino, Seeed "
                                      "forum 'Comparison of Sleep Currents for XIAO ESP32C6, S3, "
                                      "and C3'"),
    "xiao_s3_board_sleep_ma": (0.012, "XIAO ESP32-S3: 11.9 uA measured in deep sleep (same "
                                      "forum post)"),
    "stickc_board_ma": (1.0, "M5StickC Plus2 regulators, sleeping LCD, BM8563, battery divider: "
                             "not specified by M5Stack: an estimate, measure it"),
    "divider_ma": (0.019, "2 x 100 kOhm battery divider at 3.8 V: Ohm's law"),
    # a wake
    "wake_exit_ms": (1.0, "light-sleep exit with the CPU running: 'The wakeup latency in "
                          "Light-sleep mode is less than 1 ms' (Espressif, ESP32-C3 Wireless "
                          "Adventure, 12.2.2 Light-sleep Mode): taken at that bound; the "
                          "ESP-IDF 'Sleep Modes' page gives no figure; measure it"),
    "i2c_hz": (400000.0, "I2C fast mode, the LIS3DH's and MPU6886's top bus clock (datasheets)"),
    "i2c_overhead_bytes": (4.0, "per FIFO burst: address+W, register, address+R (+ FIFO level "
                                "read): I2C-bus specification framing"),
    "freertos_tick_ms": (10.0, "MicroPython's ESP32 port runs FreeRTOS at 100 Hz "
                               "(CONFIG_FREERTOS_HZ): a 1 ms asyncio sleep lasts up to a tick"),
    # radio
    "adv_event_mas": (0.25, "one advertising event on 3 channels with a scan response: ~2.5 ms "
                            "of radio at ~100 mA (ESP32-C3 datasheet RF current, BLE TX/RX)"),
    "sync_s_per_day": (30.0, "one BLE sync a day, connected with the CPU awake (an assumption; "
                             "a first sync of weeks of log takes longer)"),
    # motor and flash
    "motor_ma": (80.0, "coin vibration motor, 3 V rated current (C1027B-class datasheets)"),
    "flash_write_mas": (2.0, "one 4 KiB sector erase, 45 ms at ~20 mA flash plus the awake CPU "
                             "(Winbond W25Q32JV datasheet: sector erase 45 ms typical)"),
    "flash_writes_per_day": (780.0, "~200 log appends and 2 state files every 5 minutes "
                                    "(app/device.py SAVE_EVERY_S): docs/protocol.md"),
    # batteries
    "battery_b_mah": (400.0, "build B: a 400 mAh LiPo (hardware.md parts list)"),
    "battery_a_mah": (200.0, "M5StickC Plus2: 200 mAh internal battery (M5Stack product page)"),
    "usable_fraction": (0.8, "a LiPo below ~3.5 V has little left: 80 % of the rated capacity"),
}

BUILDS: dict[str, dict[str, Any]] = {
    "B_xiao_esp32c3": {
        "what": "XIAO ESP32-C3 + LIS3DH without regulator or LED + coin motor + 400 mAh",
        "accel": "lis3dh_25hz_ma", "mcu": "esp32c3", "board": "xiao_c3_board_sleep_ma",
        "divider": True, "battery": "battery_b_mah", "frame_bytes": 6, "chip_taps": True,
    },
    "B_xiao_esp32s3": {
        "what": "XIAO ESP32-S3 + LIS3DH without regulator or LED + coin motor + 400 mAh",
        "accel": "lis3dh_25hz_ma", "mcu": "esp32s3", "board": "xiao_s3_board_sleep_ma",
        "divider": True, "battery": "battery_b_mah", "frame_bytes": 6, "chip_taps": True,
    },
    "B_xiao_esp32c3_stock_breakout": {
        "what": "as B_xiao_esp32c3 with a stock LIS3DH breakout (regulator, shifters, LED)",
        "accel": "lis3dh_stock_breakout_ma", "mcu": "esp32c3",
        "board": "xiao_c3_board_sleep_ma", "divider": True, "battery": "battery_b_mah",
        "frame_bytes": 6, "chip_taps": True,
    },
    "A_m5stickc_plus2": {
        "what": "M5StickC Plus2 (MPU6886, timer wakes) + vibration unit + its 200 mAh",
        "accel": "mpu6886_lp_ma", "mcu": "esp32", "board": "stickc_board_ma",
        "divider": False, "battery": "battery_a_mah", "frame_bytes": 8, "chip_taps": False,
    },
}


def _constants(path: Path, names: tuple[str, ...],
               known: dict[str, int] | None = None) -> dict[str, int]:
    """Module-level integer constants of a firmware file (``NAME = 123`` or ``const(123)``,
    or ``NAME = OTHER`` for an ``OTHER`` in ``known``)."""
    found: dict[str, int] = {}
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and target.id in names:
                value = node.value
                if isinstance(value, ast.Call) and value.args:
                    value = value.args[0]
                if isinstance(value, ast.Name) and known and value.id in known:
                    found[target.id] = known[value.id]
                else:
                    found[target.id] = ast.literal_eval(value)
    return found


def firmware_schedule() -> dict[str, int]:
    fw = firmware_dir()
    out = _constants(fw / "logic" / "limits.py", ("RATE_HZ",))
    out.update(_constants(fw / "hw" / "boards.py", ("WATERMARK", "IDLE_YIELD_EVERY"), out))
    out.update(_constants(fw / "hw" / "power.py", ("DISCOVERY_EVERY_MS", "DISCOVERY_MS")))
    out.update(_constants(fw / "logic" / "ble_ids.py", ("ADV_SLOW_US",)))
    return out


def office_day_motor() -> dict[str, float]:
    """Motor use on the demo's office day, through the real firmware on the simulated board."""
    trace = tracegen.generate(tracegen.office_day())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run_firmware(trace.board_samples(), work, 1772442000)
        _, pulses = read_board(work)
    on_ms = sum(p.on_ms for p in pulses)
    # a pattern keeps the MCU awake from its first pulse to its last: pulses < 2 s apart
    awake_ms = 0.0
    start = end = None
    for p in pulses:
        t = p.t_s * 1000
        if end is not None and t - end < 2000:
            end = t + p.on_ms
            continue
        if start is not None and end is not None:
            awake_ms += end - start
        start, end = t, t + p.on_ms
    if start is not None and end is not None:
        awake_ms += end - start
    return {"pulses": len(pulses), "on_ms": float(on_ms), "awake_ms": awake_ms}


def model(wake: dict[str, Any], schedule: dict[str, int], motor: dict[str, float]
          ) -> dict[str, Any]:
    P = {name: value for name, (value, _) in PARTS.items()}
    wakes_per_s = schedule["RATE_HZ"] / schedule["WATERMARK"]
    every_s = schedule["DISCOVERY_EVERY_MS"] / 1000
    window_s = schedule["DISCOVERY_MS"] / 1000
    builds: dict[str, Any] = {}
    for name, b in BUILDS.items():
        mcu = b["mcu"]
        run, idle = P[f"{mcu}_run_ma"], P[f"{mcu}_idle_ma"]
        taps = "chip_taps" if b["chip_taps"] else "software_taps"
        cpu_range = wake[f"wake_{taps}_ms_160mhz"][mcu]
        cpu_ms = float(cpu_range[1])                            # the typical factor
        fifo_bytes = schedule["WATERMARK"] * b["frame_bytes"] + P["i2c_overhead_bytes"]
        i2c_ms = fifo_bytes * 9 / P["i2c_hz"] * 1000            # 9 clocks a byte (with ACK)
        # the CPU runs for the exit and the app; it idles (FreeRTOS waits on the I2C driver's
        # semaphore) while the FIFO is clocked out
        wake_mas = (P["wake_exit_ms"] + cpu_ms) * run + i2c_ms * idle
        idle_ms_per_s = P["freertos_tick_ms"] / 2 / schedule["IDLE_YIELD_EVERY"]
        window_events = window_s * 1_000_000 / schedule["ADV_SLOW_US"]
        parts = {
            "accelerometer": P[b["accel"]],
            "mcu_light_sleep": P[f"{mcu}_light_sleep_ma"],
            "board": P[b["board"]],
            "battery_divider": P["divider_ma"] if b["divider"] else 0.0,
            "wakes": wakes_per_s * wake_mas / 1000,
            "idle_yield": idle_ms_per_s / 1000 * idle,
            "discovery_windows": (window_s * idle + window_events * P["adv_event_mas"])
            / every_s,
            "ble_sync": P["sync_s_per_day"] * idle / DAY_S,
            "motor": motor["on_ms"] / 1000 * P["motor_ma"] / DAY_S,
            "awake_for_patterns": motor["awake_ms"] / 1000 * idle / DAY_S,
            "flash_writes": P["flash_writes_per_day"] * P["flash_write_mas"] / DAY_S,
        }
        avg = sum(parts.values())
        usable = P[b["battery"]] * P["usable_fraction"]
        builds[name] = {
            "what": b["what"],
            "days": round(usable / avg / 24, 1),
            "avg_ma": round(avg, 3),
            "parts": {k: round(v, 4) for k, v in parts.items()},
            "wake_ms": {"exit": P["wake_exit_ms"], "i2c": round(i2c_ms, 2),
                        "cpu": cpu_ms, "cpu_range": cpu_range,
                        "cycles_per_instruction": wake["cycles_per_instruction"][mcu]},
        }
    return builds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON only")
    parser.add_argument("--c3-cycles", type=float, metavar="K",
                        help="cycles per counted instruction on the ESP32-C3 instead of the "
                             "calibrated figure (what if a real board's wake is slower)")
    args = parser.parse_args()
    wake = json.loads((HERE / "wake_cost.json").read_text())
    if args.c3_cycles:
        for taps in ("chip_taps", "software_taps"):
            ms = round(wake[f"wake_{taps}_instructions"] * args.c3_cycles / 160_000, 2)
            wake[f"wake_{taps}_ms_160mhz"]["esp32c3"] = [ms, ms, ms]
        wake["cycles_per_instruction"]["esp32c3"] = [args.c3_cycles] * 3
    schedule = firmware_schedule()
    motor = office_day_motor()
    builds = model(wake, schedule, motor)
    # the main knob: how often a clip on battery can be found over BLE
    variants = {}
    for label, every_ms in (("discovery every 10 min", 600000), ("no discovery windows", 0)):
        changed = dict(schedule, DISCOVERY_EVERY_MS=every_ms or 1, DISCOVERY_MS=
                       schedule["DISCOVERY_MS"] if every_ms else 0)
        variants[label] = {name: {"days": b["days"], "avg_ma": b["avg_ma"]}
                           for name, b in model(wake, changed, motor).items()}
    out = {"builds": builds, "variants": variants,
           "inputs": {"schedule": schedule, "office_day_motor": motor,
                      "wake_instructions": wake},
           "sources": {name: source for name, (_, source) in PARTS.items()}}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for name, b in builds.items():
        print(f"{name}: {b['avg_ma']:.3f} mA average, {b['days']} days  ({b['what']})")
        for part, ma in b["parts"].items():
            print(f"    {part:20s} {ma:.4f} mA")
        w = b["wake_ms"]
        k = w["cycles_per_instruction"]
        print(f"    (a wake: exit {w['exit']} ms + FIFO over I2C {w['i2c']} ms + CPU {w['cpu']} "
              f"ms at {k[1]} cycles per instruction; CPU range {w['cpu_range'][0]}-"
              f"{w['cpu_range'][2]} ms at {k[0]}-{k[2]})")
    for label, results in variants.items():
        print(label + ": " + ", ".join(f"{n} {r['days']} days" for n, r in results.items()))


if __name__ == "__main__":
    main()
