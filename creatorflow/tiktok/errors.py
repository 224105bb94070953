"""Typed TikTok Shop errors, chosen from the envelope `code` and the HTTP status.

Callers decide what to do from the type alone (reference/tiktok-shop-api.md §4):

- `TransientError` (and `RateLimitedError`): retry later; `retryable` is True.
- `TokenExpiredError`: refresh the shop's access token, then retry.
- `AuthorizationGoneError` (token endpoints): the auth code or refresh token is used, unknown or expired.
- `InvalidTokenError`, `ScopeError`: the seller must re-authorize or grant the scope; retrying is futile.
- `SignatureError`, `RequestError`: our request is wrong (bug or misconfiguration); do not retry.
- `BusinessError` (and `PackageAlreadyShippedError`, `DuplicateTrackingNumberError`,
  `LabelAlreadyPurchasedError`, `NoShippingServiceError`): TikTok refused the operation on its merits; the
  code, message and request_id say why.
- `DocumentLinkExpiredError`: a shipping document's `doc_url` (valid 24 hours) no longer serves the file.
"""

from __future__ import annotations

from typing import ClassVar

from creatorflow.metrics import TIKTOK_API_ERRORS, Metrics

RATE_LIMITED = 36009002
INTERNAL_ERROR = 36009003
INVALID_REQUEST = 36009004  # many "invalid/missing" cases; the message tells them apart
REQUEST_TIMEOUT = 36009007
TOKEN_INVALID_FOR_SHOP = 101000
TOKEN_EXPIRED = 105002
SCOPE_MISSING = 105005
INVALID_SIGN = 106001
MISSING_SHOP_CIPHER = 106013
# Token endpoints; TikTok documents none, these were seen live by a third party (reference §3.2, §10).
REFRESH_TOKEN_EXPIRED = 36004001  # "rt has expired"
AUTH_RECORD_NOT_FOUND = 36004005  # "can not find related auth record": unknown, used or expired
PACKAGE_ALREADY_SHIPPED = frozenset({21011040, 21008099, 11006021})
DUPLICATE_TRACKING_NUMBER = 21011025
# Create Packages (create-packages.spec.json, reference §5.3): 21022025 "A shipping label has already been
# purchased.", 21008042 "seller already print shipping label".
LABEL_ALREADY_PURCHASED = frozenset({21022025, 21008042})
# Get Eligible Shipping Service / Create Packages: 21011037 and 11021009 "no available shipping services for
# this request" (modify the package weight or check the recipient address).
NO_SHIPPING_SERVICE = frozenset({21011037, 11021009})

_CONTRACT_CODES = frozenset({MISSING_SHOP_CIPHER, 36009009, 36009010, 36009014, 36009022, 36009023, 36009033})


class TikTokError(Exception):
    """Anything TikTok Shop answered with other than success, or a transport failure."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        self.message = message
        self.code = code
        self.request_id = request_id
        self.http_status = http_status
        details = ", ".join(
            f"{name}={value}"
            for name, value in (("code", code), ("http", http_status), ("request_id", request_id))
            if value is not None
        )
        super().__init__(f"{message} ({details})" if details else message)


class TransientError(TikTokError):
    """5xx, 36009003 internal error, timeouts, dropped connections: the same call may succeed later."""

    retryable = True


class RateLimitedError(TransientError):
    """HTTP 429 / 36009002. `retry_after` is how long to wait before the next call, in seconds."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float,
        code: int | None = None,
        request_id: str | None = None,
        http_status: int | None = None,
    ) -> None:
        super().__init__(message, code=code, request_id=request_id, http_status=http_status)
        self.retry_after = retry_after


class AuthError(TikTokError):
    """The shop's credentials do not allow this call."""


class TokenExpiredError(AuthError):
    """105002: refresh the access token and call again."""


class AuthorizationGoneError(AuthError):
    """The auth code or refresh token is used, unknown or expired: only a new authorization helps."""


class InvalidTokenError(AuthError):
    """Unknown or revoked access token, or a token that does not cover this shop."""


class ScopeError(AuthError):
    """105005: the app lacks the API scope; the seller must grant it."""


class SignatureError(TikTokError):
    """106001: our `sign` did not match; a wrong app secret or a signing bug."""


class RequestError(TikTokError):
    """The request broke the API contract (missing/unexpected cipher, bad path, stale timestamp...)."""


class BusinessError(TikTokError):
    """TikTok refused the operation itself (invalid order status, not found, ...)."""


class PackageAlreadyShippedError(BusinessError):
    """The package is already shipped: after an ambiguous ship call, this means the first one worked."""


class DuplicateTrackingNumberError(BusinessError):
    """The tracking number is already used by another package."""


class LabelAlreadyPurchasedError(BusinessError):
    """The order already has a TikTok Shipping label: look it up and use it, never buy a second."""


class NoShippingServiceError(BusinessError):
    """TikTok offers no shipping service for this package and address: TikTok Shipping cannot quote it."""


class DocumentLinkExpiredError(TikTokError):
    """A shipping document's `doc_url` is expired or unknown (403/404/410): ask for the document again,
    which a retry of the call that fetched the link does."""

    retryable = True


def error_for(code: int, message: str, *, request_id: str | None, http_status: int | None) -> TikTokError:
    """The typed error for a non-zero envelope code."""
    cls: type[TikTokError]
    if code in (INTERNAL_ERROR, REQUEST_TIMEOUT) or (http_status is not None and http_status >= 500):
        cls = TransientError
    elif code == TOKEN_EXPIRED:
        cls = TokenExpiredError
    elif code in (REFRESH_TOKEN_EXPIRED, AUTH_RECORD_NOT_FOUND):
        cls = AuthorizationGoneError
    elif code == TOKEN_INVALID_FOR_SHOP or (code == INVALID_REQUEST and _mentions_token(message)):
        cls = InvalidTokenError
    elif code == SCOPE_MISSING:
        cls = ScopeError
    elif code == INVALID_SIGN:
        cls = SignatureError
    elif code == INVALID_REQUEST or code in _CONTRACT_CODES:
        cls = RequestError
    elif code in PACKAGE_ALREADY_SHIPPED:
        cls = PackageAlreadyShippedError
    elif code == DUPLICATE_TRACKING_NUMBER:
        cls = DuplicateTrackingNumberError
    elif code in LABEL_ALREADY_PURCHASED:
        cls = LabelAlreadyPurchasedError
    elif code in NO_SHIPPING_SERVICE:
        cls = NoShippingServiceError
    else:
        cls = BusinessError
    return cls(message, code=code, request_id=request_id, http_status=http_status)


def _mentions_token(message: str) -> bool:
    lowered = message.lower()
    return "access_token" in lowered or "access-token" in lowered


def count_tiktok_error(metrics: Metrics, exc: TikTokError) -> None:
    """By TikTok's code, or by HTTP status where TikTok's answer had none (`http_none`: no answer at all)."""
    code = str(exc.code) if exc.code is not None else f"http_{exc.http_status or 'none'}"
    metrics.add(TIKTOK_API_ERRORS, code=code, error=type(exc).__name__)
