"""The AES block primitive the shared session logic needs, on CPython (``cryptography``).

On the device ``cryptolib.aes(key, 1)`` (ECB) is injected; here the same interface,
``aes_ecb(key).encrypt(block_in, block_out)``, so both interpreters run identical logic.
"""

from __future__ import annotations

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class AesEcb:
    """One AES key; ``encrypt`` writes the encryption of 16-byte blocks into ``out``."""

    def __init__(self, key: bytes) -> None:
        self._encryptor = Cipher(algorithms.AES(bytes(key)), modes.ECB()).encryptor()

    def encrypt(self, data: bytes | bytearray | memoryview, out: bytearray | memoryview) -> None:
        out[:] = self._encryptor.update(bytes(data))


def aes_ecb(key: bytes) -> AesEcb:
    return AesEcb(key)
