"""Pairing: this computer's key ring, and pairing or forgetting a clip over USB or Bluetooth
LE (docs/ble.md).
"""

PAIR_S = 20.0   # the clip's half of the key agreement takes seconds on a small MCU
