"""The protocol service answering a host in-process, over a loopback port (both interpreters)."""

import asyncio

import logfs
from app_parts import Clock, Parts
from logic import events, frame, patterns, protocol, records

T0 = 1767225600


class Keys:
    """The BLE service's key count, as STATUS reads it."""

    def key_count(self):
        return 2


class Loopback:
    """Both ends of a byte pipe: the host writes ``to_device``, reads ``from_device``."""

    def __init__(self):
        self.to_device = bytearray()
        self.from_device = bytearray()

    def read_nowait(self, buf):
        n = min(len(buf), len(self.to_device))
        buf[:n] = self.to_device[:n]
        self.to_device[:n] = b""
        return n

    async def read_some(self, buf):
        while True:
            n = self.read_nowait(buf)
            if n:
                return n
            await asyncio.sleep(0.005)

    def write(self, data):
        self.from_device.extend(data)


class Host:
    def __init__(self, service, port):
        self.service = service
        self.port = port
        self.decoder = frame.Decoder()
        self.tag = 0

    def ask(self, request):
        self.service.feed(frame.encode(request))
        return self.answers()

    def answers(self):
        got = self.decoder.feed(bytes(self.port.from_device))
        self.port.from_device[:] = b""
        return [protocol.unpack_response(p) for p in got]

    def one(self, request):
        answers = self.ask(request)
        assert len(answers) == 1, answers
        return answers[0]


def make(name):
    path = logfs.fresh_dir(name)
    device = Parts(path, Clock(ms=7000), segment_records=16, batch=4)
    port = Loopback()
    service = device.service(port)
    return path, device, Host(service, port)


def test_hello_reports_device_and_log():
    path, device, host = make("svc-hello")
    device.log.append_event(events.BOOT, 1, 1)     # in RAM: hello flushes it
    cmd, tag, status, body = host.one(protocol.hello_request(5))
    assert (cmd, tag, status) == (protocol.HELLO, 5, protocol.OK)
    info = protocol.unpack_info(body)
    assert info["device_id"] == "5157a1e0"
    assert (info["first_seq"], info["next_seq"], info["acked"], info["dropped"]) == (1, 2, 0, 0)
    assert info["clock"] is None and info["battery_mv"] == 3950 and info["charging"]
    assert info["boot"] == 1 and info["uptime_s"] == 7
    logfs.remove(path)


def test_sync_session_set_time_read_ack():
    path, device, host = make("svc-sync")
    log = device.log
    log.append_event(events.BOOT, 1, 1)
    for i in range(40):
        device.clock.ms += 60000
        log.append_minute((0, 60, 0, 0, 0), i)
    cmd, tag, status, body = host.one(protocol.set_time_request(1, T0, 120))
    assert status == protocol.OK and protocol.unpack_set_time(body) is None
    assert device.clock.time() == T0 and device.settings.get("utc_offset_min") == 120
    assert device.changed == [9]

    got = []
    seq = 1
    while True:
        cmd, tag, status, body = host.one(protocol.read_request(2, seq, 16))
        assert status == protocol.OK
        start, count, nxt, data = protocol.unpack_read(body)
        assert start == seq and count <= 16
        got += [records.unpack(data, i * 16) for i in range(count)]
        seq = nxt
        if count == 0:
            break
    assert [r[0] for r in got] == list(range(1, 44))
    assert [r[1] for r in got[-2:]] == [events.CLOCK_LINK, events.TIME_SET]
    assert got[-1][4] == (0, 1024 + 120)
    cmd, tag, status, body = host.one(protocol.ack_request(3, 43))
    assert protocol.unpack_ack(body) == 43 and log.acked == 43
    cmd, tag, status, body = host.one(protocol.set_time_request(4, T0 + 100, 120))
    assert protocol.unpack_set_time(body) == T0
    logfs.remove(path)


def test_settings_get_set_and_errors():
    path, device, host = make("svc-settings")
    cmd, tag, status, body = host.one(protocol.get_settings_request(1))
    pairs = protocol.unpack_settings(body)
    assert len(pairs) == 11 and tuple(pairs[0]) == (1, 60)
    cmd, tag, status, body = host.one(protocol.set_setting_request(2, 1, 45))
    assert status == protocol.OK and tuple(protocol.unpack_setting(body)) == (1, 45)
    assert device.settings.get("sit_limit_min") == 45 and device.changed == [1]
    cmd, tag, status, body = host.one(protocol.get_settings_request(3, 1))
    assert [tuple(p) for p in protocol.unpack_settings(body)] == [(1, 45)]
    cmd, tag, status, body = host.one(protocol.set_setting_request(4, 1, 500))
    assert status == protocol.OUT_OF_RANGE and tuple(protocol.unpack_range_error(body)) == (10, 240)
    assert device.settings.get("sit_limit_min") == 45
    assert host.one(protocol.set_setting_request(5, 99, 1))[2] == protocol.UNKNOWN_SETTING
    assert host.one(protocol.get_settings_request(6, 99))[2] == protocol.UNKNOWN_SETTING
    cmd, tag, status, body = host.one(protocol.set_setting_request(7, 1, 45))
    assert status == protocol.OK and device.changed == [1]   # the same value: nothing logged
    device.log.flush()
    buf = bytearray(16 * 4)
    start, count, nxt = device.log.read_into(1, buf)
    uptime_7s_boot_1 = records.uptime_time(1, 7)
    assert count == 2
    # old -> new: the value it had (60), over USB, then the value it has now
    assert records.unpack(buf)[1:] == (
        events.SETTING_WAS, uptime_7s_boot_1, True, (1 | events.CHANGED_USB << 8, 60))
    assert records.unpack(buf, 16)[1:] == (
        events.SETTING_CHANGED, uptime_7s_boot_1, True, (1, 45))
    logfs.remove(path)


def test_setting_changed_over_ble_and_negative_values_in_16_bits():
    path, device, host = make("svc-settings-ble")
    answer = host.service.handle(protocol.set_setting_request(1, 9, -300), b"\x01" * 8)
    assert protocol.unpack_response(bytes(answer))[2] == protocol.OK
    answer = host.service.handle(protocol.set_setting_request(2, 9, 120), b"\x01" * 8)
    device.log.flush()
    buf = bytearray(16 * 4)
    start, count, nxt = device.log.read_into(1, buf)
    got = [records.unpack(buf, 16 * i)[4] for i in range(count)]
    assert got == [(9 | events.CHANGED_BLE << 8, 0), (9, 0x10000 - 300),
                   (9 | events.CHANGED_BLE << 8, 0x10000 - 300), (9, 120)]
    logfs.remove(path)


def test_status_and_internal_errors():
    path, device, host = make("svc-status")
    for i in range(5):
        device.log.append_minute((0, 60, 0, 0, 0), 0)
    device.log.flush()
    device.log.ack(2)
    device.log.append_event(events.BOOT, 1, 1)     # in RAM: not yet on flash
    device.clock.ms += 3600 * 1000
    cmd, tag, status, body = host.one(protocol.status_request(7))
    got = protocol.unpack_status(body)
    runtime = got.pop("runtime")
    assert runtime.split()[0] in ("micropython", "cpython") and runtime.count(".") == 2
    assert got == {
        "state": 1, "minutes_sat": 42, "snooze_min_left": 0,
        "flags": protocol.STATUS_CHARGING, "battery_mv": 3950,
        "log_records": 5, "log_capacity": (1024 * 1024 // (16 * 16) - 1) * 16,
        "unsynced": 3, "appended": 6, "over_s": 3600, "paired": None, "board": "test board"}
    device.settings.set("enabled", 0)
    device.settings.set("utc_offset_min", 60)
    device.settings.set("weekday_mask", 0x1F)         # Monday to Friday
    device.clock.set_time(T0 + 22 * 3600 + 30 * 60)   # Thu 2026-01-01 23:30 local: quiet
    host.service.keys = Keys()
    got = protocol.unpack_status(host.one(protocol.status_request(8))[3])
    assert got["flags"] == (protocol.STATUS_CHARGING | protocol.STATUS_CLOCK_SET
                            | protocol.STATUS_REMINDERS_OFF | protocol.STATUS_QUIET)
    assert got["paired"] == 2
    device.clock.set_time(T0 + 2 * 86400 + 12 * 3600)  # Saturday noon: a day off
    got = protocol.unpack_status(host.one(protocol.status_request(9))[3])
    assert got["flags"] & (protocol.STATUS_QUIET | protocol.STATUS_DAY_OFF) == \
        protocol.STATUS_DAY_OFF
    device.broken = True
    assert host.one(protocol.status_request(10))[2] == protocol.INTERNAL
    assert host.service.faults == 1
    device.broken = False
    assert host.one(protocol.status_request(11))[2] == protocol.OK
    assert host.one(protocol.pack_request(protocol.STATUS, 12, b"\x00"))[2] == \
        protocol.MALFORMED
    logfs.remove(path)


def test_buzz_plays_a_pattern_and_refuses_unknown_ones():
    path, device, host = make("svc-buzz")
    device.settings.set("motor_percent", 40)
    cmd, tag, status, body = host.one(protocol.buzz_request(3, patterns.REMINDER_1))
    assert (cmd, tag, status) == (protocol.BUZZ, 3, protocol.OK)
    assert tuple(protocol.unpack_buzz(body)) == (
        patterns.REMINDER_1, 40, patterns.duration_ms(patterns.REMINDER_1))
    assert device.felt == [patterns.REMINDER_1]
    for bad in (0, patterns.COUNT, 255):
        cmd, tag, status, body = host.one(protocol.buzz_request(4, bad))
        assert status == protocol.OUT_OF_RANGE
        assert tuple(protocol.unpack_range_error(body)) == (1, patterns.COUNT - 1)
    assert host.one(protocol.pack_request(protocol.BUZZ, 5))[2] == protocol.MALFORMED
    assert device.felt == [patterns.REMINDER_1]
    logfs.remove(path)


def test_unknown_malformed_and_garbage_get_errors_and_service_goes_on():
    path, device, host = make("svc-bad")
    assert host.one(protocol.pack_request(0x42, 1)) == (0x42, 1, protocol.UNKNOWN_COMMAND, b"")
    assert host.one(b"\x01")[:3] == (protocol.BAD_REQUEST, 0, protocol.MALFORMED)
    assert host.one(b"\x03\x02\x01")[2] == protocol.MALFORMED     # READ with a short body
    assert host.one(b"\x00\x09hello")[2] == protocol.UNKNOWN_COMMAND
    assert host.one(b"\x90\x09")[2] == protocol.UNKNOWN_COMMAND   # response-shaped
    assert host.one(protocol.hello_request(1, 0))[2] == protocol.UNSUPPORTED_VERSION
    host.service.feed(b"\x03\x03\r\n>>> garbage" + b"\x7f" * 3000 + b"\x00")
    assert host.answers() == []
    assert host.one(protocol.status_request(2))[2] == protocol.OK
    # deterministic pseudo-random requests: every one gets exactly one answer
    x = 12345
    for i in range(300):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        n = x % 12
        payload = bytes(((x >> (k % 24)) + k * 37) & 0xFF for k in range(n))
        answers = host.ask(payload)
        assert len(answers) == 1, payload   # even an empty payload is answered
    logfs.remove(path)


def test_run_loop_serves_a_port_until_cancelled():
    path, device, host = make("svc-loop")
    port = host.port

    async def session():
        task = asyncio.create_task(host.service.run())
        port.to_device.extend(b"noise" + frame.encode(protocol.hello_request(1)))
        port.to_device.extend(frame.encode(protocol.status_request(2)))
        for i in range(200):
            await asyncio.sleep(0.005)
            if port.from_device.count(b"\x00") >= 4:
                break
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass

    asyncio.run(session())
    answers = host.answers()
    assert [(a[0], a[1], a[2]) for a in answers] == [
        (protocol.HELLO, 1, protocol.OK), (protocol.STATUS, 2, protocol.OK)]
    logfs.remove(path)
