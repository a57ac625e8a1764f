"""The BLE session's cryptography and handshake give identical bytes on both interpreters.

Known-answer vectors come from RFC 4231 (HMAC-SHA256) and from an independent AES-CTR
(the ``cryptography`` package, checked under CPython only) so a shared mistake cannot pass.
"""

import os

from logic.aes_ctr import AesCtr
from logic.hmac_sha256 import Hmac, equal, hmac_sha256
from logic.pairing import KeyAgreement, KeyStore, PairingWindow
from logic.record_stream import RecordAssembler, prefixed
from logic import secure_session as ss
from portable import MICROPYTHON, heap_locked, raises

MICROPYTHON_HEAPSIZE = "1M"

CTR_KEY = bytes(range(16))
CTR_PLAIN = bytes(range(40))
# AES-128-CTR of CTR_PLAIN with the counter layout of aes_ctr.py (seq 7, direction 1).
CTR_CIPHER = bytes.fromhex(
    "c1623185bfa75c139e1378a9891c54e7b8037ae02a139a7a7584989b7bf98a6f"
    "0bc191e5ffc9c580")


def aes_ecb():
    if MICROPYTHON:
        import cryptolib

        return lambda key: cryptolib.aes(key, 1)
    from unsit.links.aes_block import aes_ecb as host_aes

    return host_aes


def counter_urandom(seed):
    """Deterministic 'random' bytes so runs on both interpreters can be compared."""
    state = [seed]

    def urandom(n):
        out = bytearray(n)
        for i in range(n):
            state[0] = (state[0] * 1103515245 + 12345) & 0x7FFFFFFF
            out[i] = state[0] >> 16 & 0xFF
        return bytes(out)
    return urandom


def test_hmac_matches_rfc4231():
    # RFC 4231 test cases 1, 2 and 6 (a key longer than the block)
    assert hmac_sha256(b"\x0b" * 20, b"Hi There") == bytes.fromhex(
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    assert hmac_sha256(b"Jefe", b"what do ya want ", b"for nothing?") == bytes.fromhex(
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    assert Hmac(b"\xaa" * 131).digest(
        b"Test Using Larger Than Block-Size Key - Hash Key First") == bytes.fromhex(
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")


def test_equal_compares_whole_macs():
    assert equal(b"abcd", b"abcd")
    assert not equal(b"abcd", b"abce")
    assert not equal(b"abc", b"abcd")


def test_ctr_known_answer():
    if not MICROPYTHON:
        from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

        counter = (7).to_bytes(4, "little") + b"\x01" + bytes(11)
        ref = Cipher(algorithms.AES(CTR_KEY), modes.CTR(counter)).encryptor().update(CTR_PLAIN)
        assert ref == CTR_CIPHER, ref.hex()
    ctr = AesCtr(aes_ecb(), CTR_KEY, 1)
    out = bytearray(len(CTR_PLAIN))
    assert bytes(ctr.crypt_into(7, CTR_PLAIN, out)) == CTR_CIPHER
    back = bytearray(len(CTR_PLAIN))
    assert bytes(ctr.crypt_into(7, CTR_CIPHER, back)) == CTR_PLAIN


_RUN = "".join("%02x" % b for b in os.urandom(4))  # test runs may overlap on one machine


def scratch(name):
    """A key-store path outside the repository, distinct per interpreter and per run."""
    return "/tmp/unsit-test-%s-%s-%s" % ("mpy" if MICROPYTHON else "cpy", _RUN, name)


def test_ctr_allocates_nothing_per_message():
    ctr = AesCtr(aes_ecb(), CTR_KEY, 1)
    out = bytearray(len(CTR_PLAIN))
    with heap_locked():
        ctr.crypt_into(7, CTR_PLAIN, out)
    assert bytes(out) == CTR_CIPHER


def make_pair(tmp_name, window_open=True):
    path = scratch(tmp_name)
    try:
        os.remove(path)
    except OSError:
        pass
    store = KeyStore(path)
    window = PairingWindow(1000)
    if window_open:
        window.open(0)
    device = ss.DeviceSession("0a1b2c3d", store, window, aes_ecb(), counter_urandom(1))
    host = ss.HostSession(b"HOST0001", aes_ecb(), counter_urandom(2))
    return device, host, store, window


def pair_and_open(device, host):
    reply, _ = device.on_record(host.pair_request(), 10)
    key = host.paired(reply)
    device.reset()
    challenge, _ = device.on_record(host.hello(key), 20)
    welcome, _ = device.on_record(host.answer(challenge, key), 20)
    host.welcome(welcome)
    return key


def test_pairing_then_session_carries_frames_both_ways():
    device, host, store, _ = make_pair("_ks_a.bin")
    key = pair_and_open(device, host)
    assert store.key_for(b"HOST0001") == key and len(key) == 32
    assert host.device_id == "0a1b2c3d"
    assert device.authenticated
    for frame in (b"", b"x", bytes(range(200))):
        record = host.channel.seal(frame)
        assert frame == b"" or frame not in record
        assert device.on_record(record, 30) == (None, frame)
        assert host.channel.open(device.seal(frame + b"!")) == frame + b"!"
    os.remove(scratch("_ks_a.bin"))


def test_session_bytes_are_the_same_on_both_interpreters():
    device, host, _, _ = make_pair("_ks_b.bin")
    key = pair_and_open(device, host)
    record = host.channel.seal(b"status please")
    # Fixed randomness: identical under CPython and MicroPython, or the interpreters disagree.
    assert hmac_sha256(key, record).hex()[:16] == SESSION_KAT
    os.remove(scratch("_ks_b.bin"))


SESSION_KAT = "484f9bc2977c31c8"


def test_unpaired_host_gets_one_error():
    device, host, _, _ = make_pair("_ks_c.bin", window_open=False)
    reply, frame = device.on_record(host.hello(bytes(32)), 0)
    assert reply == bytes((ss.ERROR, ss.NOT_PAIRED)) and frame is None
    assert device.closed
    with raises(ss.SessionError) as refused:
        host.answer(reply, bytes(32))
    assert refused.value.code == ss.NOT_PAIRED


def test_wrong_key_is_refused():
    device, host, _, _ = make_pair("_ks_d.bin")
    key = pair_and_open(device, host)
    device.reset()
    challenge, _ = device.on_record(host.hello(key), 0)
    wrong = bytes(b ^ 1 for b in key)
    reply, _ = device.on_record(host.answer(challenge, wrong), 0)
    assert reply == bytes((ss.ERROR, ss.BAD_AUTH)) and device.closed
    os.remove(scratch("_ks_d.bin"))


def test_tampered_replayed_and_early_records_end_the_session():
    device, host, _, _ = make_pair("_ks_e.bin")
    pair_and_open(device, host)
    good = host.channel.seal(b"first")
    assert device.on_record(good, 0) == (None, b"first")
    assert device.on_record(good, 0)[0] == bytes((ss.ERROR, ss.OUT_OF_ORDER))
    device, host, _, _ = make_pair("_ks_e.bin")
    pair_and_open(device, host)
    bad = bytearray(host.channel.seal(b"second"))
    bad[6] ^= 0x01
    assert device.on_record(bytes(bad), 0)[0] == bytes((ss.ERROR, ss.BAD_RECORD))
    assert device.closed
    device.reset()
    assert device.on_record(host.channel.seal(b"x"), 0)[0] == bytes((ss.ERROR, ss.UNEXPECTED))
    os.remove(scratch("_ks_e.bin"))


def test_a_recorded_session_cannot_be_replayed():
    device, host, _, _ = make_pair("_ks_f.bin")
    key = pair_and_open(device, host)
    device.reset()
    hello = host.hello(key)
    challenge, _ = device.on_record(hello, 0)
    auth = host.answer(challenge, key)
    device.reset()  # a later connection: the attacker replays hello and auth
    device.on_record(hello, 0)
    reply, _ = device.on_record(auth, 0)
    assert reply == bytes((ss.ERROR, ss.BAD_AUTH))
    os.remove(scratch("_ks_f.bin"))


def test_pairing_needs_the_window_except_over_usb():
    device, host, store, window = make_pair("_ks_g.bin", window_open=False)
    reply, _ = device.on_record(host.pair_request(), 0)
    assert reply == bytes((ss.ERROR, ss.WINDOW_CLOSED)) and len(store) == 0
    device.reset()
    window.open(0)
    assert not window.is_open(1000)  # expired after its duration
    reply, _ = device.on_record(host.pair_request(), 1000)
    assert reply[1] == ss.WINDOW_CLOSED
    device.reset()
    reply, _ = device.on_record(host.pair_request(), 5, via_usb=True)
    assert host.paired(reply) == store.key_for(b"HOST0001")
    os.remove(scratch("_ks_g.bin"))


def test_window_closes_after_one_pairing():
    device, host, _, window = make_pair("_ks_h.bin")
    device.on_record(host.pair_request(), 10)
    assert not window.is_open(11)
    os.remove(scratch("_ks_h.bin"))


def test_key_store_persists_caps_and_forgets():
    path = scratch("_ks_i.bin")
    try:
        os.remove(path)
    except OSError:
        pass
    store = KeyStore(path)
    for i in range(6):
        store.add(b"HOST000" + str(i).encode(), bytes([i]) * 32)
    again = KeyStore(path)
    assert len(again) == 4
    assert again.key_for(b"HOST0000") is None
    assert again.key_for(b"HOST0005") == b"\x05" * 32
    again.forget(b"HOST0005")
    assert KeyStore(path).key_for(b"HOST0005") is None
    again.forget()
    assert len(KeyStore(path)) == 0


def test_key_agreement_rejects_degenerate_values():
    mine = KeyAgreement(bytes(range(32)))
    with raises(ValueError):
        mine.shared_key(bytes(256), b"HOST0001")
    with raises(ValueError):
        mine.shared_key((1).to_bytes(256, "big"), b"HOST0001")


def test_record_stream_reassembles_split_and_joined_packets():
    records = [b"a", bytes(300), b"", bytes(range(256)) * 4]
    stream = b"".join(prefixed(r) for r in records)
    assembler = RecordAssembler(1100)
    got = []
    for size in (1, 7, 20, 244):
        assembler.clear()
        got = []
        pos = 0
        while pos < len(stream):
            chunk = stream[pos:pos + size]
            taken = 0
            while taken < len(chunk):
                taken += assembler.feed(chunk[taken:])
                record = assembler.next_record()
                while record is not None:
                    got.append(record)
                    record = assembler.next_record()
            pos += size
        assert got == records
    assembler.clear()
    assembler.feed(b"\xff\xff")
    with raises(ValueError):
        assembler.next_record()
