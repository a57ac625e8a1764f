"""Pairing: this computer's key ring, and pairing or forgetting a clip over USB or Bluetooth
LE (docs/ble.md).
"""
