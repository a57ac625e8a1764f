"""The protocol's key requests, FORGET and FORGET_ALL, and who may make them (both interpreters).

The service is the firmware's own (``app.service``) over the real key store; the holder of
the keys stands in for ``app.ble_service.BleService``, whose radio cannot run here (the same
requests go through the real BleService end to end in tests/ble/test_ble_forget.py).
"""

import logfs
from app_parts import Parts
from logic import protocol
from logic.pairing import KeyStore
from logic.protocol import ProtocolError
from portable import raises

MICROPYTHON_HEAPSIZE = "512K"

ME = b"HOST0001"
OTHER = b"HOST0002"


class Keys:
    """The pairing keys as the service sees them (docs: app/service.py), on a real KeyStore."""

    def __init__(self, path):
        self.keys = KeyStore(path)

    def forget_host(self, host_id):
        return self.keys.forget(host_id) > 0

    def forget_all(self):
        return self.keys.forget()

    def key_count(self):
        return len(self.keys)

    def pair_over_usb(self, record):
        raise AssertionError("pairing is not what these tests ask for")


def service_on(path, with_ble=True):
    """The protocol service (no port: ``handle`` is called directly, as the BLE service
    does), holding two keys unless ``with_ble`` is False."""
    parts = Parts(path)
    if with_ble:
        parts.keys = Keys(path + "/keys.bin")
        parts.keys.keys.add(ME, b"\x01" * 32)
        parts.keys.keys.add(OTHER, b"\x02" * 32)
    return parts.service()


def answer(service, request, peer=None):
    cmd, tag, status, body = protocol.unpack_response(bytes(service.handle(request, peer)))
    assert cmd == request[0] and tag == request[1]
    return status, body


def test_codec_round_trips_and_refuses_bad_bodies():
    request = protocol.forget_request(7, ME)
    assert request == bytes((protocol.FORGET, 7)) + ME
    cmd, tag, body = protocol.unpack_request(request)
    assert protocol.unpack_forget_request(body) == ME
    for bad in (b"", ME[:7], ME + b"\x00"):
        with raises(ProtocolError) as refused:
            protocol.unpack_forget_request(bad)
        assert refused.value.code == protocol.MALFORMED
    with raises(ValueError):
        protocol.forget_request(7, b"short")
    assert protocol.unpack_forget(protocol.pack_forget(True, 3)) == (True, 3)
    assert protocol.unpack_forget(protocol.pack_forget(0, 0) + b"\x09") == (False, 0)
    with raises(ProtocolError):
        protocol.unpack_forget(b"\x01")
    assert protocol.forget_all_request(9) == bytes((protocol.FORGET_ALL, 9))
    with raises(ProtocolError):
        protocol.unpack_forget_all_request(b"\x00")
    assert protocol.unpack_forget_all(protocol.pack_forget_all(4)) == 4
    assert protocol.SINCE[protocol.FORGET] == protocol.SINCE[protocol.FORGET_ALL] == 1


def test_over_usb_any_host_can_be_forgotten_and_all_keys_reset():
    path = logfs.fresh_dir("keys-usb")
    service = service_on(path)
    assert answer(service, protocol.forget_request(1, OTHER)) == (protocol.OK, b"\x01\x01")
    assert answer(service, protocol.forget_request(2, OTHER)) == (protocol.OK, b"\x00\x01")
    assert KeyStore(path + "/keys.bin").key_for(ME) == b"\x01" * 32
    assert answer(service, protocol.forget_all_request(3)) == (protocol.OK, b"\x01")
    assert len(KeyStore(path + "/keys.bin")) == 0
    assert answer(service, protocol.forget_all_request(4)) == (protocol.OK, b"\x00")
    logfs.remove(path)


def test_over_ble_a_host_forgets_only_itself_and_cannot_reset_or_pair():
    path = logfs.fresh_dir("keys-ble")
    service = service_on(path)
    refused = (protocol.NOT_ALLOWED, b"")
    assert answer(service, protocol.forget_request(1, OTHER), ME) == refused
    assert answer(service, protocol.forget_all_request(2), ME) == refused
    assert answer(service, protocol.pack_request(protocol.PAIR, 3, b"\x05"), ME) == refused
    assert len(KeyStore(path + "/keys.bin")) == 2
    assert answer(service, protocol.forget_request(4, ME), ME) == (protocol.OK, b"\x01\x01")
    store = KeyStore(path + "/keys.bin")
    assert store.key_for(ME) is None and store.key_for(OTHER) == b"\x02" * 32
    assert answer(service, protocol.forget_request(5, ME), b"") == refused  # no peer known
    logfs.remove(path)


def test_without_bluetooth_key_requests_are_not_allowed_and_bodies_checked_first():
    path = logfs.fresh_dir("keys-none")
    service = service_on(path, with_ble=False)
    refused = (protocol.NOT_ALLOWED, b"")
    assert answer(service, protocol.forget_request(1, ME)) == refused
    assert answer(service, protocol.forget_all_request(2)) == refused
    malformed = protocol.pack_request(protocol.FORGET, 3, b"\x01")
    assert answer(service, malformed) == (protocol.MALFORMED, b"")
    logfs.remove(path)
