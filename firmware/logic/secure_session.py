"""The authenticated, encrypted session that carries protocol frames over Bluetooth LE.

Records (the unit this layer exchanges; the link below carries them length-prefixed):

    HELLO      0x01 who[8] host_nonce[16]                           host -> device
    CHALLENGE  0x02 device_id[4] device_nonce[16]                   device -> host
    AUTH       0x03 HMAC(K, "unsit/auth/host" host_id hn dn)[32]    host -> device
    WELCOME    0x04 HMAC(K, "unsit/auth/device" host_id hn dn)[32]  device -> host
    PAIR       0x05 host_id[8] dh_public[256]                       host -> device
    PAIRED     0x06 device_id[4] dh_public[256]                     device -> host
    DATA       0x10 seq u32 LE | AES-128-CTR(frame) | tag[16]       both ways, after WELCOME
    ERROR      0x7F code u8                                          device -> host, then hang up

K is the pairing key. ``who = HMAC(K, "unsit/who" hn)[:8]`` names the host for this session
only: the device finds the key it matches among its few keys, and a listener learns no
identifier that links one session to the next (the host id is never sent after pairing).
Per session, ``master = HMAC(K, "unsit/session" hn dn)`` and for each
direction an AES key ``HMAC(master, "enc h2d")[:16]`` and a MAC key ``HMAC(master, "mac h2d")``
("d2h" the other way). The DATA tag is ``HMAC(mac_key, 0x10 seq ciphertext)[:16]``
(encrypt-then-MAC); ``seq`` starts at 0 and must arrive exactly in order, so a replayed,
dropped or reordered record ends the session. A fresh device nonce per session makes a
recorded session useless later. Any failure sends one ERROR and the device hangs up.
"""

from .aes_ctr import AesCtr
from .hmac_sha256 import Hmac, equal, hmac_sha256
from .pairing import DH_SIZE, HOST_ID_SIZE, KeyAgreement

from .compat import const

HELLO = const(0x01)
CHALLENGE = const(0x02)
AUTH = const(0x03)
WELCOME = const(0x04)
PAIR = const(0x05)
PAIRED = const(0x06)
DATA = const(0x10)
ERROR = const(0x7F)

# ERROR codes
NOT_PAIRED = const(1)      # the host id is not in the key store
BAD_AUTH = const(2)        # wrong key: the challenge answer did not verify
WINDOW_CLOSED = const(3)   # pairing over BLE while no pairing window is open
BAD_RECORD = const(4)      # a DATA record failed its integrity check
OUT_OF_ORDER = const(5)    # a DATA record replayed, dropped or reordered
UNEXPECTED = const(6)      # a record not valid in this state (e.g. data before auth)
ALREADY_PAIRED = const(7)  # pairing over BLE for a host id that already has a key

ERROR_TEXT = {
    NOT_PAIRED: "this computer is not paired with the device",
    BAD_AUTH: "the device refused this computer's key",
    WINDOW_CLOSED: "pairing refused: open the pairing window on the device first",
    BAD_RECORD: "a damaged or forged record was rejected",
    OUT_OF_ORDER: "a replayed or out-of-order record was rejected",
    UNEXPECTED: "unexpected record",
    ALREADY_PAIRED: "pairing refused: the device already has a key for this computer "
                    "(forget it first, or pair over USB)",
}

NONCE_SIZE = const(16)
MAC_SIZE = const(32)
TAG_SIZE = const(16)
_SEQ_SIZE = const(4)
DATA_OVERHEAD = 1 + _SEQ_SIZE + TAG_SIZE

_IDLE = const(0)
_CHALLENGED = const(1)
_OPEN = const(2)
_CLOSED = const(3)


class SessionError(Exception):
    """A session failure; ``code`` is one of the ERROR codes."""

    def __init__(self, code, text=None):
        super().__init__(text or ERROR_TEXT.get(code, "session error %d" % code))
        self.code = code


def error_record(code):
    return bytes((ERROR, code))


class Channel:
    """Both directions' keys and counters of one authenticated session."""

    def __init__(self, aes_ecb, key, host_nonce, device_nonce, is_device):
        master = Hmac(hmac_sha256(key, b"unsit/session", host_nonce, device_nonce))
        out_dir, in_dir = (b"d2h", b"h2d") if is_device else (b"h2d", b"d2h")
        self._out_ctr = AesCtr(aes_ecb, master.digest(b"enc ", out_dir)[:16], 1 if is_device else 0)
        self._in_ctr = AesCtr(aes_ecb, master.digest(b"enc ", in_dir)[:16], 0 if is_device else 1)
        self._out_mac = Hmac(master.digest(b"mac ", out_dir))
        self._in_mac = Hmac(master.digest(b"mac ", in_dir))
        self._out_seq = 0
        self._in_seq = 0

    def seal(self, frame):
        """A DATA record carrying ``frame``, encrypted and tagged."""
        n = len(frame)
        record = bytearray(1 + _SEQ_SIZE + n + TAG_SIZE)
        record[0] = DATA
        seq = self._out_seq
        record[1:5] = seq.to_bytes(4, "little")
        body = memoryview(record)[5:5 + n]
        self._out_ctr.crypt_into(seq, frame, body)
        record[5 + n:] = self._out_mac.digest(memoryview(record)[:5 + n])[:TAG_SIZE]
        self._out_seq = seq + 1
        return bytes(record)

    def open(self, record):
        """The frame in a DATA record; ``SessionError`` if forged, damaged or replayed."""
        if len(record) < DATA_OVERHEAD or record[0] != DATA:
            raise SessionError(BAD_RECORD)
        view = memoryview(record)
        end = len(record) - TAG_SIZE
        if not equal(self._in_mac.digest(view[:end])[:TAG_SIZE], view[end:]):
            raise SessionError(BAD_RECORD)
        seq = int.from_bytes(bytes(view[1:5]), "little")
        if seq != self._in_seq:
            raise SessionError(OUT_OF_ORDER)
        self._in_seq = seq + 1
        frame = bytearray(end - 5)
        self._in_ctr.crypt_into(seq, view[5:end], frame)
        return bytes(frame)


class DeviceSession:
    """The device's side of one connection: answers handshake records, opens and seals frames.

    ``keystore`` is a :class:`logic.pairing.KeyStore` (``key_for``, ``add``, ``entries``),
    ``window`` a ``PairingWindow``,
    ``aes_ecb`` the block cipher factory, ``urandom(n)`` a source of random bytes.
    """

    def __init__(self, device_id, keystore, window, aes_ecb, urandom):
        self._device_id = bytes.fromhex(device_id) if isinstance(device_id, str) else device_id
        self._keys = keystore
        self._window = window
        self._aes = aes_ecb
        self._urandom = urandom
        self.reset()

    def reset(self):
        """Forget the connection's state (a new connection starts here)."""
        self._state = _IDLE
        self._channel = None
        self._key = None
        self._host_id = None
        self._host_nonce = None
        self._device_nonce = None

    @property
    def authenticated(self):
        return self._state == _OPEN

    @property
    def host_id(self):
        """The authenticated host's id (8 bytes), or None before WELCOME."""
        return self._host_id if self._state == _OPEN else None

    @property
    def closed(self):
        """True after a failure: the link must be dropped once the ERROR record is sent."""
        return self._state == _CLOSED

    def seal(self, frame):
        if self._state != _OPEN:
            raise SessionError(UNEXPECTED, "session not authenticated")
        return self._channel.seal(frame)

    def on_record(self, record, now_ms, via_usb=False):
        """Handle one record from the host. Returns ``(reply_record, frame)``, either ``None``.

        ``frame`` is a protocol frame the host sent in a DATA record; ``reply_record`` must be
        sent back. After a failure the reply is an ERROR and :attr:`closed` is True.
        """
        try:
            return self._handle(record, now_ms, via_usb)
        except SessionError as failure:
            self._state = _CLOSED
            self._channel = None
            return error_record(failure.code), None

    def _handle(self, record, now_ms, via_usb):
        kind = record[0] if record else -1
        if self._state == _OPEN and kind == DATA:
            return None, self._channel.open(record)
        if self._state == _IDLE and kind == HELLO and len(record) == 1 + HOST_ID_SIZE + NONCE_SIZE:
            who = bytes(record[1:1 + HOST_ID_SIZE])
            self._host_nonce = bytes(record[1 + HOST_ID_SIZE:])
            for host_id, key in self._keys.entries():
                if equal(session_name(key, self._host_nonce), who):
                    self._host_id = host_id
                    self._key = key
                    break
            else:
                raise SessionError(NOT_PAIRED)
            self._device_nonce = self._urandom(NONCE_SIZE)
            self._state = _CHALLENGED
            return bytes((CHALLENGE,)) + self._device_id + self._device_nonce, None
        if self._state == _CHALLENGED and kind == AUTH and len(record) == 1 + MAC_SIZE:
            expected = hmac_sha256(self._key, b"unsit/auth/host", self._host_id,
                                   self._host_nonce, self._device_nonce)
            if not equal(expected, record[1:]):
                raise SessionError(BAD_AUTH)
            self._channel = Channel(self._aes, self._key, self._host_nonce,
                                    self._device_nonce, True)
            self._state = _OPEN
            proof = hmac_sha256(self._key, b"unsit/auth/device", self._host_id,
                                self._host_nonce, self._device_nonce)
            return bytes((WELCOME,)) + proof, None
        if self._state == _IDLE and kind == PAIR and len(record) == 1 + HOST_ID_SIZE + DH_SIZE:
            if not via_usb and not self._window.is_open(now_ms):
                raise SessionError(WINDOW_CLOSED)
            host_id = bytes(record[1:1 + HOST_ID_SIZE])
            if not via_usb and self._keys.key_for(host_id) is not None:
                # Over the air a second PAIR for a known host would replace the wearer's
                # own key (the id is the host's choice): only the cable may do that.
                raise SessionError(ALREADY_PAIRED)
            mine = KeyAgreement(self._urandom(32))
            try:
                key = mine.shared_key(bytes(record[1 + HOST_ID_SIZE:]), host_id)
            except ValueError:
                raise SessionError(UNEXPECTED)
            self._keys.add(host_id, key)
            self._window.close()
            return bytes((PAIRED,)) + self._device_id + mine.public, None
        if kind == DATA:
            raise SessionError(UNEXPECTED, "data before authentication")
        raise SessionError(UNEXPECTED)


class HostSession:
    """The host's side: builds handshake records, checks the device's answers, seals frames."""

    def __init__(self, host_id, aes_ecb, urandom):
        self.host_id = bytes(host_id)
        self._aes = aes_ecb
        self._urandom = urandom
        self.channel = None
        self.device_id = None

    def hello(self, key):
        """The HELLO record, naming this host for this session only with its ``key``."""
        self._host_nonce = self._urandom(NONCE_SIZE)
        return bytes((HELLO,)) + session_name(key, self._host_nonce) + self._host_nonce

    def answer(self, challenge, key):
        """The AUTH record for a CHALLENGE (``SessionError`` if the device sent an ERROR)."""
        check_error(challenge)
        if challenge[0] != CHALLENGE or len(challenge) != 1 + 4 + NONCE_SIZE:
            raise SessionError(UNEXPECTED)
        self.device_id = bytes(challenge[1:5]).hex()
        self._device_nonce = bytes(challenge[5:])
        self._key = bytes(key)
        return bytes((AUTH,)) + hmac_sha256(self._key, b"unsit/auth/host", self.host_id,
                                            self._host_nonce, self._device_nonce)

    def welcome(self, record):
        """Check the device's proof of the key; afterwards :attr:`channel` seals and opens."""
        check_error(record)
        proof = hmac_sha256(self._key, b"unsit/auth/device", self.host_id,
                            self._host_nonce, self._device_nonce)
        if record[0] != WELCOME or not equal(proof, record[1:]):
            raise SessionError(BAD_AUTH, "the device could not prove it holds the key")
        self.channel = Channel(self._aes, self._key, self._host_nonce, self._device_nonce,
                               False)

    def pair_request(self):
        self._agreement = KeyAgreement(self._urandom(32))
        return bytes((PAIR,)) + self.host_id + self._agreement.public

    def paired(self, record):
        """The pairing key from a PAIRED record (``SessionError`` on ERROR)."""
        check_error(record)
        if record[0] != PAIRED or len(record) != 1 + 4 + DH_SIZE:
            raise SessionError(UNEXPECTED)
        self.device_id = bytes(record[1:5]).hex()
        try:
            return self._agreement.shared_key(bytes(record[5:]), self.host_id)
        except ValueError:
            raise SessionError(UNEXPECTED)


def session_name(key, host_nonce):
    """The host's name in one session's HELLO: unlinkable without the key."""
    return hmac_sha256(key, b"unsit/who", host_nonce)[:HOST_ID_SIZE]


def check_error(record):
    """Raise the ``SessionError`` an ERROR record reports; anything else passes."""
    if not record:
        raise SessionError(UNEXPECTED, "empty record")
    if record[0] == ERROR:
        raise SessionError(record[1] if len(record) > 1 else UNEXPECTED)
