"""The tests' payload and token key. Fixed, so recorded histories (tests/replay) stay decryptable."""

from __future__ import annotations

import base64

from creatorflow.crypto import Keyring

TEST_KEYS = "test1:" + base64.b64encode(bytes(range(32))).decode()
TEST_KEYRING = Keyring.parse(TEST_KEYS)
