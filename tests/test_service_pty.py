"""The device's protocol service under the real MicroPython interpreter on a pty, driven by
pyserial from the host: the transport a board's USB port gives."""

from __future__ import annotations

import os
import pty
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import serial

from unsit.firmware import firmware_dir
from unsit.lab.micropython_runner import micropython_command, micropython_env
from unsit_firmware.logic import frame, protocol, records

HERE = Path(__file__).resolve().parent
MINUTES = 3000


class Link:
    def __init__(self, port: serial.Serial) -> None:
        self.port = port
        self.decoder = frame.Decoder()
        self.tag = 0

    def ask(self, request: bytes, timeout: float = 5.0) -> tuple[int, int, int, bytes]:
        self.port.write(frame.encode(request))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            data = self.port.read(self.port.in_waiting or 1)
            for payload in self.decoder.feed(data):
                return protocol.unpack_response(payload)
        raise TimeoutError("no answer")


@pytest.fixture
def device(tmp_path: Path) -> Iterator[Link]:
    with _device(tmp_path) as link:
        yield link


@contextmanager
def _device(tmp_path: Path) -> Iterator[Link]:
    master, slave = pty.openpty()
    slave_path = os.ttyname(slave)
    proc = subprocess.Popen(
        micropython_command([str(HERE / "pty_device.py"), str(master), str(tmp_path / "log"),
                             str(MINUTES)]),
        env=micropython_env([firmware_dir(), HERE / "portable"]), pass_fds=(master,), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    os.close(master)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"READY", proc.stderr.read() if proc.stderr else ""
        with serial.Serial(slave_path, timeout=0.05) as port:
            yield Link(port)
    finally:
        proc.kill()
        proc.communicate()
        os.close(slave)


def test_sync_over_a_pty(device: Link) -> None:
    device.port.write(b"\x03\r\n>>> junk before the first frame")
    cmd, tag, status, body = device.ask(protocol.hello_request(1))
    info = protocol.unpack_info(body)
    assert (info["device_id"], info["first_seq"], info["next_seq"]) == ("0badcafe", 1,
                                                                      MINUTES + 2)
    assert info["clock"] is None and info["battery_mv"] == 4012

    assert device.ask(protocol.set_time_request(2, 1767225600, 60))[2] == protocol.OK
    seq, got = 1, []
    started = time.perf_counter()
    while True:
        cmd, tag, status, body = device.ask(protocol.read_request(3, seq, 32))
        assert status == protocol.OK
        start, count, seq, data = protocol.unpack_read(body)
        got += [records.unpack(data, 16 * i) for i in range(count)]
        if count == 0:
            break
    elapsed = time.perf_counter() - started
    assert [r[0] for r in got] == list(range(1, MINUTES + 4))   # + boot, link, time set
    assert sum(1 for r in got if r[1] == records.MINUTE) == MINUTES
    assert elapsed < 30, elapsed
    cmd, tag, status, body = device.ask(protocol.ack_request(4, seq - 1))
    assert protocol.unpack_ack(body) == seq - 1
    cmd, tag, status, body = device.ask(protocol.hello_request(5))
    assert protocol.unpack_info(body)["acked"] == seq - 1
    assert device.ask(protocol.pack_request(0x55, 6))[2] == protocol.UNKNOWN_COMMAND
    assert device.ask(protocol.status_request(7))[2] == protocol.OK


def test_host_closing_and_reopening_the_port(tmp_path: Path) -> None:
    with _device(tmp_path) as link:
        assert link.ask(protocol.hello_request(1))[2] == protocol.OK
        path = link.port.port
        link.port.close()
        time.sleep(0.3)                 # the device sees the other end closed meanwhile
        with serial.Serial(path, timeout=0.05) as again:
            link2 = Link(again)
            assert link2.ask(protocol.hello_request(2), timeout=3)[2] == protocol.OK
            assert link2.ask(protocol.status_request(3))[2] == protocol.OK
