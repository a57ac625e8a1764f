"""The serial transport on real pyserial: frames round-trip, noise between frames (REPL text,
tracebacks, line garbage) is skipped, and a silent line times out."""

from __future__ import annotations

import asyncio
import os
import random

import pytest
from fault_relay import raw_pty
from hypothesis import given, settings
from hypothesis import strategies as st
from unsit_firmware.logic import frame

from unsit.links.transport import LinkTimeout, SerialTransport, TransportError


@settings(max_examples=40, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=frame.MAX_PAYLOAD), min_size=1, max_size=4))
def test_any_message_round_trips_through_a_loopback_port(messages: list[bytes]) -> None:
    async def echo() -> list[bytes]:
        # pyserial's loop:// port sends back what is written: each request is its own reply.
        async with SerialTransport("loop://") as link:
            return [await link.request(m, timeout=2) for m in messages]

    assert asyncio.run(echo()) == messages


def test_noise_between_frames_is_skipped() -> None:
    master, slave, path = raw_pty()
    rng = random.Random(5)
    wanted = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))) for _ in range(20)]
    noise = [
        b"MicroPython v1.24.1 on 2024-11-29; ESP32S3 module with ESP32S3\r\n>>> ",
        b"Traceback (most recent call last):\r\n  File \"main.py\", line 3\r\n\x00",
        bytes(rng.randrange(256) for _ in range(200)),
        b"\x00\x00\x00",
    ]
    stream = bytearray()
    for i, message in enumerate(wanted):
        stream += noise[i % len(noise)]
        stream += frame.encode(message)

    async def receive_all() -> list[bytes]:
        async with SerialTransport(path) as link:
            os.write(master, bytes(stream))
            got = []
            try:
                while True:
                    got.append(await link.receive(timeout=0.5))
            except LinkTimeout:
                return got

    try:
        got = asyncio.run(receive_all())
    finally:
        os.close(master)
        os.close(slave)
    # Every frame starts with a delimiter, which ends whatever noise came before it.
    assert got == wanted


def test_a_silent_port_times_out_with_the_port_named() -> None:
    master, slave, path = raw_pty()

    async def ask() -> None:
        async with SerialTransport(path) as link:
            await link.request(b"\x01\x01\x01", timeout=0.2)

    try:
        with pytest.raises(LinkTimeout, match=f"no answer from {path} within 0.2 s"):
            asyncio.run(ask())
    finally:
        os.close(master)
        os.close(slave)


def test_a_port_that_does_not_exist_is_a_clear_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    async def open_it() -> None:
        async with SerialTransport(str(tmp_path / "ttyACM9")):
            pass

    with pytest.raises(TransportError, match=r"^no such port .*ttyACM9; (ports found: |no serial)"
                       ) as caught:
        asyncio.run(open_it())
    assert str(caught.value).count("ttyACM9") == 1


@pytest.mark.parametrize("path", ["/dev/null", "/etc/hostname", "/tmp"])
def test_a_path_that_is_no_serial_port_says_so(path: str) -> None:
    async def open_it() -> None:
        async with SerialTransport(path):
            pass

    with pytest.raises(TransportError) as caught:
        asyncio.run(open_it())
    assert str(caught.value) == f"{path} is not a serial port"
