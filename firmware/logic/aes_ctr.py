"""AES-CTR on an injected AES block cipher, identical on CPython and MicroPython.

MicroPython's ``cryptolib.aes`` offers ECB and CBC but (on most ports) no CTR, and CPython
has no AES in the standard library, so the block primitive is injected: ``aes_ecb(key)`` must
return an object whose ``encrypt(in16, out16)`` writes one encrypted block into ``out16``
(``cryptolib.aes(key, 1)`` does exactly this; the host adapts the ``cryptography`` package).
The counter block is ``seq (u32 LE) | direction (u8) | 9 zero bytes | block index (u16 BE)``,
which is standard CTR mode (big-endian increment) from that initial block; a (key, seq,
direction) never reuses a keystream block. A message is at most 65536 blocks (1 MiB).
"""

_BLOCK = 16


class AesCtr:
    """Encrypts or decrypts (the same operation) messages numbered by ``seq``."""

    def __init__(self, aes_ecb, key, direction):
        self._aes = aes_ecb(bytes(key))
        self._counter = bytearray(_BLOCK)
        self._counter[4] = direction
        self._stream = bytearray(_BLOCK)

    def crypt_into(self, seq, data, out):
        """XOR ``data`` with the keystream of message ``seq`` into ``out`` (same length)."""
        counter = self._counter
        stream = self._stream
        counter[0] = seq & 0xFF
        counter[1] = (seq >> 8) & 0xFF
        counter[2] = (seq >> 16) & 0xFF
        counter[3] = (seq >> 24) & 0xFF
        n = len(data)
        block = 0
        pos = 0
        while pos < n:
            counter[14] = (block >> 8) & 0xFF
            counter[15] = block & 0xFF
            self._aes.encrypt(counter, stream)
            end = pos + _BLOCK
            if end > n:
                end = n
            for i in range(pos, end):
                out[i] = data[i] ^ stream[i - pos]
            pos = end
            block += 1
        return out
