"""Sending a request and unwrapping TikTok's `{code, message, request_id, data}` envelope.

The body decides success (`code == 0`), never the HTTP status alone; transport failures become
`TransientError` so callers see one family of exceptions.
"""

from __future__ import annotations

from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from creatorflow.tiktok.errors import RateLimitedError, TransientError, error_for

M = TypeVar("M", bound=BaseModel)

DEFAULT_RETRY_AFTER = 1.0


class Envelope(BaseModel):
    code: int
    message: str = ""
    request_id: str = ""
    data: Any = None


async def send(http: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    try:
        return await http.send(request)
    except httpx.TimeoutException as exc:
        raise TransientError(f"TikTok request timed out: {request.method} {request.url.path}") from exc
    except httpx.TransportError as exc:
        raise TransientError(f"TikTok unreachable: {request.method} {request.url.path}: {exc}") from exc


def unwrap(response: httpx.Response, model: type[M]) -> M:
    """The envelope's `data` as `model`, or the typed error the envelope describes."""
    status = response.status_code
    try:
        envelope = Envelope.model_validate_json(response.content)
    except ValidationError as exc:
        if status == 429:
            raise _rate_limited("rate limited", None, None, response) from exc
        if status >= 500:
            raise TransientError(f"TikTok answered HTTP {status}", http_status=status) from exc
        raise TransientError(
            f"TikTok answered HTTP {status} without an envelope: {response.text[:200]!r}", http_status=status
        ) from exc
    if envelope.code != 0 or status == 429:
        if status == 429 or envelope.code == 36009002:
            raise _rate_limited(envelope.message, envelope.code, envelope.request_id, response)
        raise error_for(
            envelope.code, envelope.message or "error", request_id=envelope.request_id, http_status=status
        )
    return model.model_validate(envelope.data or {})


def _rate_limited(
    message: str, code: int | None, request_id: str | None, response: httpx.Response
) -> RateLimitedError:
    try:
        retry_after = float(response.headers.get("retry-after", DEFAULT_RETRY_AFTER))
    except ValueError:
        retry_after = DEFAULT_RETRY_AFTER
    return RateLimitedError(
        message or "rate limited",
        retry_after=retry_after,
        code=code,
        request_id=request_id,
        http_status=response.status_code,
    )
