"""Links to a clip: the serial transport and USB port search, Bluetooth LE (scanning and the
encrypted transport), and the protocol client that runs over either (docs/architecture.md).
"""
