"""TikTok's response envelope `{code, message, request_id, data}`, on every answer (reference §4).

`code == 0` is success. TikTok does not document HTTP statuses for errors; the emulator answers 200 for
business errors and the statuses in `DEFAULT_HTTP_STATUS` (configurable) for gateway errors. The code also
goes in the `RESULT_CODE_HEADER`, for the call ledger (`/_admin/ledger`).
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel

from emulators.faults import RESULT_CODE_HEADER, FaultKind
from emulators.tiktok.wire_errors import Code

DEFAULT_HTTP_STATUS: dict[int, int] = {
    Code.INVALID_REQUEST: 400,  # observed live [3P]
    Code.INVALID_CONTENT_TYPE: 400,
    Code.INVALID_PATH: 404,  # observed live [3P]
    Code.INVALID_METHOD: 405,
    Code.INVALID_VERSION: 404,
    Code.TOO_MANY_REQUESTS: 429,  # documented
    Code.INTERNAL_ERROR: 500,
    Code.REQUEST_TIMEOUT: 504,
}
FAULT_CODES: dict[FaultKind, tuple[int, str]] = {
    "5xx": (Code.INTERNAL_ERROR, "Internal error, please retry."),
    "429": (Code.TOO_MANY_REQUESTS, "Too many requests. Slow down and retry."),
    "timeout": (Code.REQUEST_TIMEOUT, "Request timeout."),
}


def new_request_id() -> str:
    """Like TikTok's: a UTC timestamp followed by random hex, unique per call."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(10).upper()


def envelope(code: int, message: str, data: Any, http_status: int) -> JSONResponse:
    body = {"code": code, "message": message, "request_id": new_request_id(), "data": data}
    return JSONResponse(body, status_code=http_status, headers={RESULT_CODE_HEADER: str(code)})


def ok(data: BaseModel | None = None) -> JSONResponse:
    """Success; absent (None) fields are left out, as TikTok leaves them out."""
    payload = data.model_dump(mode="json", exclude_none=True) if data is not None else {}
    return envelope(Code.SUCCESS, "Success", payload, 200)
