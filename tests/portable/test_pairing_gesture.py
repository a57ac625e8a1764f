"""The wearer's pairing gesture and the key store's forgetting (both interpreters).

The gesture (docs/ble.md): a power-on start opens the pairing window for two minutes, a
watchdog, software or deep-sleep start does not; on boards with a button a steady 3 s press
opens it for one minute. End to end through the real device app: tests/ble/test_ble_gesture.py.
"""

import logfs
from logic import events
from logic.pairing import (BOOT_WINDOW_MS, LONG_PRESS_MS, WINDOW_MS, KeyStore, LongPress,
                           PairingWindow, opens_at_boot)

MICROPYTHON_HEAPSIZE = "512K"


def test_only_a_start_by_the_wearer_opens_the_window():
    assert opens_at_boot(events.RESET_POWER_ON)    # also the ESP32's EN/RESET button
    for cause in (events.RESET_WATCHDOG, events.RESET_SOFT, events.RESET_DEEPSLEEP,
                  events.RESET_HARD, 0, 99):       # HARD: also "unknown" (hw/boards.py)
        assert not opens_at_boot(cause), cause


def test_window_lasts_the_duration_it_was_opened_for():
    window = PairingWindow()
    assert window.duration_ms == WINDOW_MS and not window.is_open(0)
    window.open(1000, BOOT_WINDOW_MS)
    assert window.is_open(1000 + BOOT_WINDOW_MS - 1)
    assert not window.is_open(1000 + BOOT_WINDOW_MS)
    assert not window.is_open(1000)                # lapsed for good, not until ticks wrap
    window.open(5000)
    assert window.is_open(5000 + WINDOW_MS - 1) and not window.is_open(5000 + WINDOW_MS)


def test_window_across_the_ticks_wrap():
    window = PairingWindow()
    start = (1 << 30) - 1000                       # ticks_ms wraps at 2**30
    window.open(start)
    assert window.is_open(500)                     # 1.5 s later, after the wrap
    assert not window.is_open(WINDOW_MS)           # 61 s later


def feed(press, levels, start=0, step=50):
    """``levels``: 1 = pressed; returns the times (ms) at which the press fired."""
    fired = []
    t = start
    for level in levels:
        if press.update(level == 1, t & 0x3FFFFFFF):
            fired.append(t)
        t += step
    return fired


def test_a_steady_long_press_fires_once():
    press = LongPress()
    n = LONG_PRESS_MS // 50
    assert feed(press, [1] * n) == []                          # 2950 ms held: not yet
    assert feed(press, [1] * 40, start=n * 50) == [LONG_PRESS_MS]  # once, at 3000 ms
    assert feed(press, [0] + [1] * (n + 1), start=10000) == [10050 + LONG_PRESS_MS]


def test_short_presses_and_bounces_never_add_up():
    press = LongPress()
    taps = ([1] * 20 + [0]) * 10                  # ten presses of one second
    assert feed(press, taps) == []
    bouncing = [1] * 50 + [0] + [1] * 50          # 2.5 s, a bounce, 2.5 s
    assert feed(press, bouncing) == []


def test_long_press_across_the_ticks_wrap():
    press = LongPress(1000)
    assert feed(press, [1] * 30, start=(1 << 30) - 500) == [(1 << 30) + 500]


def test_forgetting_one_host_keeps_the_others_and_reports_what_went():
    path = logfs.fresh_dir("keys-forget")
    store = KeyStore(path + "/keys.bin")
    assert store.forget(b"NOBODY00") == 0          # nothing there: nothing written
    assert KeyStore(path + "/keys.bin").key_for(b"NOBODY00") is None
    store.add(b"HOST0001", b"\x01" * 32)
    store.add(b"HOST0002", b"\x02" * 32)
    assert store.forget(b"HOST0001") == 1
    again = KeyStore(path + "/keys.bin")
    assert len(again) == 1 and again.key_for(b"HOST0002") == b"\x02" * 32
    assert again.key_for(b"HOST0001") is None
    assert again.forget(b"HOST0001") == 0
    assert again.forget() == 1                     # factory reset
    assert len(KeyStore(path + "/keys.bin")) == 0
    assert again.forget() == 0
    logfs.remove(path)
