"""A serial line that misbehaves on purpose: two ptys joined by a relay thread that drops,
flips or inserts bytes.

The device end is a pty master handed to the device process (an inherited fd); the host end is
a pty slave path that the host opens with pyserial, as it would open ``/dev/ttyACM0``. The host
path stays the same while the device end can be replaced, which is what a board reset looks
like from the laptop.
"""

from __future__ import annotations

import os
import pty
import random
import select
import threading
import tty
from dataclasses import dataclass, field


@dataclass
class Faults:
    """Which faults to inject into one direction of the line, at what per-byte probability.

    Faults start after ``after`` clean bytes and stop after ``limit`` faults, so that a test
    can have a sync that meets trouble and still finishes.
    """

    drop: float = 0.0
    flip: float = 0.0
    insert: float = 0.0
    after: int = 0
    limit: int = 1_000_000
    seed: int = 0
    injected: int = 0
    seen: int = 0
    _rng: random.Random = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    def apply(self, data: bytes) -> bytes:
        out = bytearray()
        for byte in data:
            self.seen += 1
            if self.seen <= self.after or self.injected >= self.limit:
                out.append(byte)
                continue
            roll = self._rng.random()
            if roll < self.drop:
                self.injected += 1
                continue
            roll -= self.drop
            if roll < self.flip:
                self.injected += 1
                out.append(byte ^ (1 << self._rng.randrange(8)))
                continue
            roll -= self.flip
            if roll < self.insert:
                self.injected += 1
                out.append(self._rng.randrange(256))
            out.append(byte)
        return bytes(out)


def raw_pty() -> tuple[int, int, str]:
    """A pty pair with the slave in raw mode: (master fd, slave fd, slave path)."""
    master, slave = pty.openpty()
    tty.setraw(slave)
    return master, slave, os.ttyname(slave)


class FaultRelay:
    """Relays bytes between a device-side pty and a host-side pty, injecting faults.

    ``device_fd()`` gives a fresh master fd for a (new) device process to inherit;
    ``host_path`` is the stable path for pyserial.
    """

    def __init__(self, to_host: Faults | None = None, to_device: Faults | None = None) -> None:
        self.to_host = to_host
        self.to_device = to_device
        self._host_master, self._host_slave, self.host_path = raw_pty()
        self._device_side: int | None = None   # the relay's end of the device pty (a slave)
        self._lock = threading.Lock()
        self._stop_r, self._stop_w = os.pipe()
        self._thread = threading.Thread(target=self._run, name="fault relay", daemon=True)
        self._thread.start()

    def device_fd(self) -> int:
        """A new device end (a pty master fd, inheritable); the old one, if any, is dropped."""
        master, slave, _ = raw_pty()
        os.set_inheritable(master, True)
        with self._lock:
            old, self._device_side = self._device_side, slave
        if old is not None:
            os.close(old)
        os.write(self._stop_w, b"r")  # wake the relay to watch the new fd
        return master

    def close(self) -> None:
        os.write(self._stop_w, b"q")
        self._thread.join(5)
        for fd in (self._host_master, self._host_slave, self._stop_r, self._stop_w):
            os.close(fd)
        with self._lock:
            if self._device_side is not None:
                os.close(self._device_side)
                self._device_side = None

    def __enter__(self) -> FaultRelay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while True:
            with self._lock:
                device = self._device_side
            watch = [self._stop_r, self._host_master] + ([device] if device is not None else [])
            ready, _, _ = select.select(watch, [], [])
            if self._stop_r in ready:
                if os.read(self._stop_r, 1) == b"q":
                    return
                continue
            if device is not None and device in ready:
                try:
                    data = os.read(device, 4096)
                except OSError:  # the device process went away: wait for a new one
                    data = b""
                if not data:
                    with self._lock:
                        if self._device_side == device:
                            os.close(device)
                            self._device_side = None
                    continue
                if self.to_host is not None:
                    data = self.to_host.apply(data)
                _write_all(self._host_master, data)
            if self._host_master in ready:
                try:
                    data = os.read(self._host_master, 4096)
                except OSError:  # no host has the port open
                    data = b""
                if not data:
                    continue
                if self.to_device is not None:
                    data = self.to_device.apply(data)
                with self._lock:
                    device = self._device_side
                if device is not None:
                    try:
                        _write_all(device, data)
                    except OSError:
                        pass


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]
