"""AES-256-GCM with key ids, for tokens at rest (and, later, workflow payloads).

A keyring holds every key that may still have encrypted something; the first is the one new data is
encrypted with. Rotating = putting a new key first and keeping the old ones until nothing uses them.
Ciphertext layout: `key_id_len(1) | key_id | nonce(12) | ciphertext+tag`.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class DecryptionError(Exception):
    """Unknown key id, or the ciphertext (or its associated data) was tampered with."""


class Keyring:
    def __init__(self, keys: dict[str, bytes], active: str) -> None:
        if active not in keys:
            raise ValueError(f"active key {active!r} is not in the keyring")
        for key_id, key in keys.items():
            if len(key) != 32:
                raise ValueError(f"key {key_id!r} must be 32 bytes (AES-256), got {len(key)}")
            if not 0 < len(key_id.encode()) < 256:
                raise ValueError("key ids must be 1..255 bytes")
        self._aead = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self.active = active

    @classmethod
    def parse(cls, spec: str) -> Keyring:
        """`id1:base64key[,id2:base64key...]`; the first key is the active one."""
        keys: dict[str, bytes] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key_id, sep, encoded = part.partition(":")
            if not sep:
                raise ValueError("each key must be written as id:base64")
            keys[key_id] = base64.b64decode(encoded, validate=True)
        if not keys:
            raise ValueError("no encryption key given")
        return cls(keys, active=next(iter(keys)))

    @staticmethod
    def generate_spec(key_id: str = "k1") -> str:
        return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"

    def encrypt(self, plaintext: bytes, associated_data: bytes = b"") -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        key_id = self.active.encode()
        sealed = self._aead[self.active].encrypt(nonce, plaintext, associated_data)
        return bytes([len(key_id)]) + key_id + nonce + sealed

    def decrypt(self, blob: bytes, associated_data: bytes = b"") -> bytes:
        key_id, nonce, sealed = self.split(blob)
        aead = self._aead.get(key_id)
        if aead is None:
            raise DecryptionError(f"no key {key_id!r} in the keyring")
        try:
            return aead.decrypt(nonce, sealed, associated_data)
        except InvalidTag as exc:
            raise DecryptionError("ciphertext or associated data was altered") from exc

    @staticmethod
    def split(blob: bytes) -> tuple[str, bytes, bytes]:
        if len(blob) < 2:
            raise DecryptionError("ciphertext too short")
        id_len = blob[0]
        key_id = blob[1 : 1 + id_len].decode(errors="replace")
        nonce = blob[1 + id_len : 1 + id_len + NONCE_BYTES]
        return key_id, nonce, blob[1 + id_len + NONCE_BYTES :]
