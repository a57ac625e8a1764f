"""Pairing: the wearer's pairing window and gesture, the key agreement, the device's key store.

Pairing gives a host a 32-byte secret shared with the device. Over USB it is always allowed
(the cable is physical access); over Bluetooth only while a window the wearer opened on the
device is running. The wearer's gesture (docs/ble.md, "The pairing gesture"): switching the
clip on opens the window for ``BOOT_WINDOW_MS`` (``opens_at_boot``: a power-on start, never a
watchdog, software or deep-sleep one), and on boards with a button holding it for
``LONG_PRESS_MS`` opens it for ``WINDOW_MS`` (``LongPress``). The secret comes from a
finite-field Diffie-Hellman exchange (RFC 3526 group 14, 2048-bit, 256-bit exponents) so a
passive listener during the window learns nothing; an active man-in-the-middle during the
window is not prevented (see docs/ble.md).

The key store is one small binary file of ``host_id (8) | key (32)`` entries, replaced
atomically (write a temporary file, then rename).
"""

import os

from .events import RESET_POWER_ON
from .hmac_sha256 import hmac_sha256

from .compat import const

HOST_ID_SIZE = const(8)
KEY_SIZE = const(32)
MAX_HOSTS = const(4)
WINDOW_MS = const(60000)        # how long a pairing window opened by the button stays open
BOOT_WINDOW_MS = const(120000)  # how long it stays open after the clip is switched on
LONG_PRESS_MS = const(3000)     # how long the button must be held to open it
DH_SIZE = const(256)      # bytes of a public value

_ENTRY = HOST_ID_SIZE + KEY_SIZE

# RFC 3526, 2048-bit MODP group (id 14), generator 2.
_P = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183"
    "995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF", 16)
_G = 2


def opens_at_boot(reset_cause):
    """Whether starting with this reset cause (an ``events.RESET_*`` code) is the wearer's
    gesture: switching the clip on (ESP32 boards also report their EN/RESET button as a
    power-on). A watchdog, software (``machine.reset()``, a crash) or deep-sleep start
    happens without the wearer, and ``RESET_HARD`` is also what hw/boards.py reports for a
    cause it does not know, so none of these opens the window."""
    return reset_cause == RESET_POWER_ON


class LongPress:
    """A button held for ``hold_ms``: ``update(pressed, now_ms)`` is True once per press.

    Fed with the button's level every few tens of ms while it is down; a release (or a
    bounce) starts the count again, so only one steady press of ``hold_ms`` counts.
    """

    def __init__(self, hold_ms=LONG_PRESS_MS):
        self.hold_ms = hold_ms
        self._down_ms = None
        self._fired = False

    def update(self, pressed, now_ms):
        if not pressed:
            self._down_ms = None
            self._fired = False
            return False
        if self._down_ms is None:
            self._down_ms = now_ms
        if self._fired or ((now_ms - self._down_ms) & 0x3FFFFFFF) < self.hold_ms:
            return False
        self._fired = True
        return True


class PairingWindow:
    """Open for a while after the wearer's gesture; closes after one pairing."""

    def __init__(self, duration_ms=WINDOW_MS):
        self.duration_ms = duration_ms
        self._opened_ms = None
        self._open_for = duration_ms

    def open(self, now_ms, duration_ms=None):
        """Open (or reopen) the window for ``duration_ms`` (default: ``duration_ms`` given
        at construction) from ``now_ms``."""
        self._opened_ms = now_ms
        self._open_for = self.duration_ms if duration_ms is None else duration_ms

    def close(self):
        self._opened_ms = None

    def is_open(self, now_ms):
        """``now_ms`` is a ticks-like counter; differences are taken modulo 2**30 as ticks do."""
        if self._opened_ms is None:
            return False
        elapsed = (now_ms - self._opened_ms) & 0x3FFFFFFF
        if elapsed >= self._open_for:
            self._opened_ms = None
            return False
        return True


class KeyAgreement:
    """One side of the Diffie-Hellman exchange; ``secret`` is 32 random bytes (urandom)."""

    def __init__(self, secret):
        self._x = int.from_bytes(secret, "big")
        self.public = pow(_G, self._x, _P).to_bytes(DH_SIZE, "big")

    def shared_key(self, peer_public, host_id):
        """The pairing key both sides derive; ``ValueError`` for a degenerate peer value."""
        y = int.from_bytes(peer_public, "big")
        if len(peer_public) != DH_SIZE or y <= 1 or y >= _P - 1:
            raise ValueError("bad public value")
        shared = pow(y, self._x, _P).to_bytes(DH_SIZE, "big")
        return hmac_sha256(shared, b"unsit/pair", bytes(host_id))


class KeyStore:
    """The paired hosts' keys, kept in the file at ``path``."""

    def __init__(self, path):
        self.path = path
        self._entries = []  # [(host_id bytes, key bytes)], oldest first
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError:
            data = b""
        for pos in range(0, len(data) - _ENTRY + 1, _ENTRY):
            self._entries.append((data[pos:pos + HOST_ID_SIZE],
                                  data[pos + HOST_ID_SIZE:pos + _ENTRY]))

    def __len__(self):
        return len(self._entries)

    def key_for(self, host_id):
        """The key paired with ``host_id`` or ``None``."""
        host_id = bytes(host_id)
        for entry in self._entries:
            if entry[0] == host_id:
                return entry[1]
        return None

    def entries(self):
        """``[(host_id, key)]`` of every paired host (at most ``MAX_HOSTS``)."""
        return list(self._entries)

    def add(self, host_id, key):
        """Store (or replace) a host's key; the oldest host is dropped beyond ``MAX_HOSTS``."""
        host_id = bytes(host_id)
        self._entries = [e for e in self._entries if e[0] != host_id]
        self._entries.append((host_id, bytes(key)))
        while len(self._entries) > MAX_HOSTS:
            self._entries.pop(0)
        self._save()

    def forget(self, host_id=None):
        """Remove one host's key, or every key (factory reset) when ``host_id`` is None.

        Returns how many keys were removed (0 or 1 for one host).
        """
        before = len(self._entries)
        if host_id is None:
            self._entries = []
        else:
            host_id = bytes(host_id)
            self._entries = [e for e in self._entries if e[0] != host_id]
        removed = before - len(self._entries)
        if removed or host_id is None:
            self._save()
        return removed

    def _save(self):
        if not self._entries:
            try:
                os.remove(self.path)
            except OSError:
                pass
            return
        tmp = self.path + ".tmp"
        with open(tmp, "wb") as f:
            for host_id, key in self._entries:
                f.write(host_id)
                f.write(key)
        try:
            os.rename(tmp, self.path)
        except OSError:  # FAT will not rename over an existing file
            os.remove(self.path)
            os.rename(tmp, self.path)
