"""The payload codec: what rotating keys and reading old, unencrypted histories need."""

from __future__ import annotations

import pytest
from temporalio.api.common.v1 import Payload

from creatorflow.crypto import DecryptionError, Keyring
from workers.codec import KEY_ID, EncryptionCodec

OLD = Keyring.generate_spec("k1")
NEW = Keyring.generate_spec("k2")
ORDER = Payload(metadata={"encoding": b"json/plain"}, data=b'{"recipient": "Ada Buyer, 1 Main St"}')


async def test_payloads_are_sealed_with_the_active_key_and_opened_after_rotation() -> None:
    [sealed] = await EncryptionCodec(Keyring.parse(OLD)).encode([ORDER])
    assert b"Ada" not in sealed.SerializeToString()
    assert sealed.metadata[KEY_ID] == b"k1"

    rotated = EncryptionCodec(Keyring.parse(f"{NEW},{OLD}"))
    assert await rotated.decode([sealed]) == [ORDER]
    [resealed] = await rotated.encode([ORDER])
    assert resealed.metadata[KEY_ID] == b"k2"


async def test_a_payload_sealed_with_a_retired_key_is_a_clear_error() -> None:
    [sealed] = await EncryptionCodec(Keyring.parse(OLD)).encode([ORDER])
    with pytest.raises(DecryptionError, match="no key 'k1'"):
        await EncryptionCodec(Keyring.parse(NEW)).decode([sealed])


async def test_payloads_from_before_encryption_pass_through() -> None:
    assert await EncryptionCodec(Keyring.parse(NEW)).decode([ORDER]) == [ORDER]
