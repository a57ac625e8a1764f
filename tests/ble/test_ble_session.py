"""Who may talk to the clip over BLE, end to end: real firmware, real host code, bumble link.

The firmware (hw/ble_peripheral.py + logic/secure_session.py, an echo service) runs under the
``micropython`` interpreter; the host side is ``unsit.links.ble`` on bleak over bumble.
"""

from __future__ import annotations

import asyncio

import pytest

from ble_world import DEVICE_ID, BleWorld
from unsit.links import aes_block
from unsit.links import ble
from unsit.links import ble_scan
from unsit.links.transport import LinkLost, TransportError
from unsit.pairing import ble as ble_pairing
from unsit.pairing.keys import KeyRing, PairedDevice
from unsit_firmware.logic import secure_session as ss

NAME = "unsit-" + DEVICE_ID[-4:]


async def pair(world: BleWorld) -> tuple[KeyRing, PairedDevice]:
    keyring = KeyRing()
    device = await ble_pairing.pair(NAME, keyring, timeout=5)
    return keyring, device


async def test_pair_in_the_window_then_talk_encrypted(ble_world: BleWorld) -> None:
    bridge = await ble_world.start_firmware(window_ms=60_000)
    assert bridge.advertised_interval_us == 152_500  # fast while the window is open
    keyring, device = await pair(ble_world)
    assert device.device_id == DEVICE_ID and device.name == NAME and len(device.key) == 32
    assert KeyRing().get(DEVICE_ID) == device  # saved
    assert ble_world.keystore.stat().st_size == 40  # the device stored one host
    found = await ble_scan.scan(0.5, keyring)
    assert found[0].paired
    async with await ble.connect(None, keyring, timeout=5) as link:
        assert await link.request(b"hello", timeout=5) == b"echo:hello"
        big = await link.request(b"N" + (1000).to_bytes(2, "little"), timeout=5)
        assert big == bytes(i & 0xFF for i in range(1000))


async def test_pairing_outside_the_window_is_refused(ble_world: BleWorld) -> None:
    await ble_world.start_firmware(window_ms=0)
    with pytest.raises(ble.AccessRefused, match="pairing window"):
        await pair(ble_world)
    assert not ble_world.keystore.exists()
    assert KeyRing().devices() == []


async def test_unpaired_host_gets_an_error_and_nothing_else(ble_world: BleWorld) -> None:
    bridge = await ble_world.start_firmware(window_ms=60_000)  # even with the window open
    stranger = PairedDevice(DEVICE_ID, NAME, bytes(32), bridge.device.random_address.to_string(False))
    link = ble.BleTransport(stranger.address, stranger, b"STRANGER")
    with pytest.raises(ble.AccessRefused, match="not paired"):
        await link.open()
    await asyncio.wait_for(bridge.advertising.wait(), 5)  # the device hung up, advertises again
    assert bridge.notifications_sent == 1  # the error record, nothing else


async def test_wrong_key_is_refused(ble_world: BleWorld) -> None:
    bridge = await ble_world.start_firmware(window_ms=60_000)
    keyring, device = await pair(ble_world)
    forged = PairedDevice(device.device_id, device.name, bytes(32), device.address)
    link = ble.BleTransport(device.address, forged, keyring.host_id)
    # The HELLO names the host with the key (docs/ble.md): a wrong key names nobody it knows.
    with pytest.raises(ble.AccessRefused, match="not paired"):
        await link.open()
    await asyncio.wait_for(bridge.advertising.wait(), 5)


async def test_replayed_session_and_tampered_record_are_refused(ble_world: BleWorld) -> None:
    bridge = await ble_world.start_firmware(window_ms=60_000)
    keyring, device = await pair(ble_world)
    await asyncio.wait_for(bridge.advertising.wait(), 5)

    # A legitimate session, recorded record by record as a sniffer would see them.
    sent: list[bytes] = []
    link = ble.RecordLink(device.address, NAME)
    await link.connect()
    host = ss.HostSession(keyring.host_id, aes_block.aes_ecb, lambda n: bytes(n))
    for record in (host.hello(device.key),):
        sent.append(record)
        await link.send(record)
    auth = host.answer(await link.receive(5), device.key)
    sent.append(auth)
    await link.send(auth)
    host.welcome(await link.receive(5))
    request = host.channel.seal(b"secret status")
    assert b"secret" not in request
    sent.append(request)
    await link.send(request)
    assert host.channel.open(await link.receive(5)) == b"echo:secret status"

    # The same records again in the same session: the DATA replay ends it.
    await link.send(request)
    with pytest.raises(ss.SessionError) as replay:
        ss.check_error(await link.receive(5))
    assert replay.value.code == ss.OUT_OF_ORDER
    await link.close()
    await asyncio.wait_for(bridge.advertising.wait(), 5)

    # The whole recorded session replayed on a new connection: the fresh nonce defeats it.
    replayer = ble.RecordLink(device.address, NAME)
    await replayer.connect()
    await replayer.send(sent[0])
    challenge = await replayer.receive(5)
    assert challenge[0] == ss.CHALLENGE
    await replayer.send(sent[1])
    with pytest.raises(ss.SessionError) as refused:
        ss.check_error(await replayer.receive(5))
    assert refused.value.code == ss.BAD_AUTH
    await replayer.close()
    await asyncio.wait_for(bridge.advertising.wait(), 5)

    # A tampered record in an otherwise good session.
    async with await ble.connect(NAME, keyring, timeout=5) as transport:
        assert await transport.request(b"ok?", timeout=5) == b"echo:ok?"
        bad = bytearray(transport._session.channel.seal(b"flip me"))  # noqa: SLF001
        bad[7] ^= 0x40
        await transport._link.send(bytes(bad))  # noqa: SLF001
        with pytest.raises(ss.SessionError) as tampered:
            ss.check_error(await transport._link.receive(5))  # noqa: SLF001
        assert tampered.value.code == ss.BAD_RECORD


async def test_link_drop_mid_transfer_then_clean_reconnect(ble_world: BleWorld) -> None:
    bridge = await ble_world.start_firmware(window_ms=60_000, notify_capacity=1,
                                           notify_interval_s=0.01)
    keyring, _ = await pair(ble_world)
    async with await ble.connect(None, keyring, timeout=5) as link:
        for _ in range(3):  # back-pressure: a one-slot notify queue, nothing dropped
            assert await link.request(b"N" + (1000).to_bytes(2, "little"), 5) == bytes(
                i & 0xFF for i in range(1000))
        assert bridge.enomem_count > 0
        before = bridge.notifications_sent
        pending = asyncio.create_task(link.request(b"N" + (1000).to_bytes(2, "little"), 5))

        async def answer_under_way() -> None:
            while bridge.notifications_sent == before:
                await asyncio.sleep(0.001)

        await asyncio.wait_for(answer_under_way(), 5)
        assert not pending.done()
        await bridge.drop_link()
        with pytest.raises(TransportError):
            await pending
    await asyncio.wait_for(bridge.advertising.wait(), 5)
    async with await ble.connect(None, keyring, timeout=5) as again:
        assert await again.request(b"after", timeout=5) == b"echo:after"
    assert ble_world.firmware_alive()


async def test_bytes_an_old_host_left_unread_do_not_reach_the_next_session(
        ble_world: BleWorld) -> None:
    bridge = await ble_world.start_firmware(window_ms=60_000)
    keyring, _ = await pair(ble_world)
    async with await ble.connect(None, keyring, timeout=5) as link:
        assert await link.request(b"before", timeout=5) == b"echo:before"
        bridge.write_unread(b"\x40\x01stale")  # the start of a record, then the link drops
        await bridge.drop_link()
    await asyncio.wait_for(bridge.advertising.wait(), 5)
    async with await ble.connect(None, keyring, timeout=5) as again:
        assert await again.request(b"after", timeout=5) == b"echo:after"
    assert ble_world.firmware_alive()


async def test_a_silent_host_is_dropped_after_the_handshake_time(ble_world: BleWorld) -> None:
    bridge = await ble_world.start_firmware(handshake_ms=300)
    link = ble.RecordLink(bridge.device.random_address.to_string(False), NAME)
    await link.connect()  # and says nothing
    assert not bridge.advertising.is_set()
    with pytest.raises(LinkLost):
        await link.receive(5)  # the device hangs up: the link reports it lost
    await asyncio.wait_for(bridge.advertising.wait(), 5)
