"""TikTok Shop request and webhook signatures (docs/reference/tiktok-shop-api.md §2.1 and §7.1).

Both our client and the emulator use these functions; the reference's test vectors pin them down.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

# Query parameters that never take part in the request signature.
UNSIGNED_PARAMS = frozenset({"sign", "access_token", "x-tts-access-token"})


def string_to_sign(path: str, query: Mapping[str, str], body: bytes, content_type: str) -> bytes:
    """`path + sorted(key+value) [+ raw body]`, before the secret is wrapped around it.

    The body is appended as the exact bytes sent, except for multipart uploads.
    """
    params = "".join(f"{key}{query[key]}" for key in sorted(query) if key not in UNSIGNED_PARAMS)
    signed = (path + params).encode()
    if not content_type.lower().startswith("multipart/form-data"):
        signed += body
    return signed


def sign_request(
    app_secret: str,
    path: str,
    query: Mapping[str, str],
    body: bytes = b"",
    content_type: str = "application/json",
) -> str:
    """Lowercase hex HMAC-SHA256 of `secret + string_to_sign + secret`, keyed with the app secret."""
    secret = app_secret.encode()
    message = secret + string_to_sign(path, query, body, content_type) + secret
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def sign_webhook(app_key: str, app_secret: str, body: bytes) -> str:
    """The `Authorization` header TikTok puts on a webhook: HMAC-SHA256(secret, app_key + raw body)."""
    return hmac.new(app_secret.encode(), app_key.encode() + body, hashlib.sha256).hexdigest()


def signatures_match(expected: str, received: str | None) -> bool:
    """Constant-time comparison, so a forger learns nothing from response times."""
    if not received:
        return False
    return hmac.compare_digest(expected.encode(), received.strip().encode())
