"""The pure power policy (``hw.power``) on virtual time, under both interpreters.

No real sleeps: every call is handed its tick. A week of wakes runs against a model of the
BLE controller and of the peripheral's advertising that follows the policy as the BLE task
does (``app.ble_service.follow_radio`` with ``hw.ble_peripheral``'s ``power``).
"""

from hw.power import (DISCOVERY_EVERY_MS, DISCOVERY_MS, TICKS_PERIOD, PowerPolicy, ticks_add,
                      ticks_diff)
from portable import heap_locked

MICROPYTHON_TIMEOUT = 600

WEEK_MS = 7 * 24 * 3600 * 1000


def test_ticks_wrap_as_micropython_ticks():
    near = TICKS_PERIOD - 10
    assert ticks_add(near, 30) == 20
    assert ticks_diff(20, near) == 30 and ticks_diff(near, 20) == -30
    assert ticks_diff(5, 5) == 0


def test_boot_usb_host_and_asked_keep_it_awake_with_the_radio_only_where_useful():
    p = PowerPolicy(1000, boot_awake_ms=120000, host_quiet_ms=60000, discovery=(0, 0))
    assert p.reason == "boot" and p.radio                 # findable after a start
    assert not p.update(1000 + 119999) and p.radio
    assert p.update(1000 + 120000) and not p.radio         # boot over: sleep, controller off
    p.host_byte(200000)
    assert not p.update(200001) and p.reason == "usb host" and not p.radio   # USB needs no BLE
    assert p.update(260000)
    p.keep_awake(300000, 500)
    assert not p.update(300499) and p.reason == "asked" and not p.radio
    assert p.update(300500)
    assert not p.update(400000, charging=True) and p.reason == "usb power" and p.radio
    assert not p.update(400001, button=True) and p.reason == "button" and not p.radio
    assert not p.update(400002, pattern=True) and p.reason == "pattern"
    assert p.update(400003)


def test_pairing_window_and_a_connected_host_hold_the_controller_on():
    p = PowerPolicy(0, boot_awake_ms=0, discovery=(0, 0))
    assert p.update(10) and not p.radio
    p.radio_for(100, 60000)                                # the pairing window opens
    assert not p.update(100) and p.reason == "pairing" and p.radio
    assert not p.update(30000, connected=True) and p.reason == "ble link" and p.radio
    assert not p.update(90000, connected=True) and p.radio  # window over, host still there
    assert p.update(90001) and not p.radio                  # host gone: off, sleep again


def test_discovery_windows_on_schedule_and_none_where_the_radio_is_separate():
    p = PowerPolicy(0, boot_awake_ms=0, discovery=(300000, 3500))
    opened = []
    for t in range(0, 3600 * 1000, 500):                    # an hour, a decision every 0.5 s
        p.update(t)
        if p.reason == "discovery" and (not opened or t - opened[-1] > 3500):
            opened.append(t)
        assert p.radio == (p.reason == "discovery")
    assert opened == [300000 * k for k in range(1, 12)]
    pico = PowerPolicy(0, radio_in_mcu=False, boot_awake_ms=0, discovery=(300000, 3500))
    for t in range(0, 900000, 1000):
        assert pico.update(t) and pico.radio               # sleeps with its radio chip on
    assert pico.windows == 0


def test_the_policy_survives_a_ticks_wrap():
    start = TICKS_PERIOD - 400000
    p = PowerPolicy(start, boot_awake_ms=0, discovery=(300000, 3500))
    seen = 0
    t = start
    for _ in range(2000):                                   # 2000 s across the wrap
        t = ticks_add(t, 1000)
        p.update(t)
        if p.reason == "discovery":
            seen += 1
    assert p.windows == 6 and 18 <= seen <= 24               # 3-4 decisions per window


def test_a_decision_allocates_nothing_even_across_the_wrap():
    # On a 32-bit port ticks near the wrap are close to the largest small int: the policy's
    # arithmetic must stay below it (a long int would allocate at every wake).
    start = TICKS_PERIOD - 2000
    p = PowerPolicy(start, boot_awake_ms=60000, host_quiet_ms=1000)
    times = [ticks_add(start, 997 * k) for k in range(8)]
    p.host_byte(times[1])
    p.radio_for(times[2], 500)
    p.keep_awake(times[3], 500)
    with heap_locked():
        for t in times:
            p.update(t, False, False, False, False)
    assert p.reason == "boot" and p.radio


class Controller:
    """The BLE controller and the peripheral as the BLE task drives them: ``active`` on or
    off, advertising whenever on and not connected (``hw.ble_peripheral.power``)."""

    def __init__(self):
        self.on = False
        self.advertising = False
        self.connected = False
        self.switches = 0

    def follow(self, wanted):
        if wanted and not self.on:
            self.on = True
            self.switches += 1
        elif not wanted and self.on and not self.connected:
            self.on = False
            self.switches += 1
        self.advertising = self.on and not self.connected


def _simulated(days_ms, host_every_ms=0, pair_at_ms=-1):
    """Drive the policy one wake a second for ``days_ms`` as the board does: decide, let the
    BLE task follow, sleep only if allowed. Returns counters; raises on a broken rule."""
    p = PowerPolicy(0, boot_awake_ms=120000)            # the firmware's discovery schedule
    assert (DISCOVERY_EVERY_MS, DISCOVERY_MS) == (300000, 1500)
    radio = Controller()
    sleeps = 0
    windows_seen = 0
    window_advertised = 0
    in_window = False
    links = 0
    link_until = -1
    t = 0
    while t < days_ms:
        if pair_at_ms >= 0 and t == pair_at_ms:
            p.radio_for(t, 60000)
        connected = radio.connected
        allowed = p.update(t, connected=connected)
        radio.follow(p.radio)
        window = p.reason == "discovery"
        if window and not in_window:
            windows_seen += 1
            if radio.advertising:
                window_advertised += 1
            # a host that syncs now and then connects in the window and stays 20 s
            if host_every_ms and windows_seen % (host_every_ms // 300000) == 0:
                radio.connected = True
                radio.advertising = False
                links += 1
                link_until = t + 20000
        in_window = window
        if radio.connected and t >= link_until:
            radio.connected = False
            radio.advertising = radio.on
        if allowed:
            if radio.on:
                raise AssertionError("light sleep with the controller on at %d ms" % t)
            sleeps += 1
        t += 1000
    return p, radio, sleeps, windows_seen, window_advertised, links


def test_a_simulated_week_never_sleeps_with_the_controller_on_and_advertises_in_every_window():
    p, radio, sleeps, windows, advertised, links = _simulated(WEEK_MS, host_every_ms=3600000)
    assert windows == p.windows == (WEEK_MS - 1000) // 300000   # one every 5 minutes
    assert advertised == windows                                # findable in every one
    assert links == windows // 12                               # a sync an hour
    assert sleeps > 590000                                      # thousands of sleeps
    assert radio.switches <= 2 * windows + 2                    # on and off once per window
    assert not radio.on                                         # back in low power


def test_a_pairing_window_after_a_day_of_sleeping_has_the_controller_on():
    day = 24 * 3600 * 1000
    p, radio, sleeps, windows, advertised, links = _simulated(day + 60000, pair_at_ms=day)
    assert sleeps > 80000 and advertised == windows
    assert p.reason == "pairing" and radio.on and radio.advertising
