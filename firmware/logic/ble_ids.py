"""Identifiers the device and the host agree on for Bluetooth LE, the advertising payload and
how often it is sent.

The service UUID is random (generated once for unsit); the characteristic UUIDs differ from
it in the second group. The advertising packet carries the flags and the service UUID (21 of
its 31 bytes) so scanners can filter on it; the name ``unsit-XXXX`` goes in the scan response.
Advertising intervals: docs/ble.md, "Advertising schedule".
"""

SERVICE_UUID = "5a3b0001-2f6e-4c8e-9d51-7c2a9e6b41f0"
RX_UUID = "5a3b0002-2f6e-4c8e-9d51-7c2a9e6b41f0"   # host writes records here
TX_UUID = "5a3b0003-2f6e-4c8e-9d51-7c2a9e6b41f0"   # device notifies records here
NAME_PREFIX = "unsit-"

ADV_SLOW_US = 211250    # normally (an interval Apple's accessory guidelines list)
ADV_FAST_US = 152500    # for a while after the wearer opens the pairing window

_AD_FLAGS = 0x01
_AD_UUID128_COMPLETE = 0x07
_AD_NAME_COMPLETE = 0x09
_FLAGS_GENERAL_NO_BREDR = 0x06


def device_name(device_id):
    """``unsit-`` and the last four hex digits of the device id (as ``unsit.links.client``
    names it)."""
    return NAME_PREFIX + device_id[-4:].lower()


def uuid128_le(uuid):
    """The 16 bytes of a UUID string in the little-endian order the air interface uses."""
    raw = bytes.fromhex(uuid.replace("-", ""))
    return bytes(reversed(raw))


def _field(kind, value):
    return bytes((len(value) + 1, kind)) + value


def advertising_data():
    return _field(_AD_FLAGS, bytes((_FLAGS_GENERAL_NO_BREDR,))) + _field(
        _AD_UUID128_COMPLETE, uuid128_le(SERVICE_UUID))


def scan_response_data(device_id):
    return _field(_AD_NAME_COMPLETE, device_name(device_id).encode())
