"""The error codes the TikTok Shop emulator answers with, and the exception that carries one to the envelope.

Codes in `Code` come from docs/reference/tiktok-shop-api.md §4 (common errors and endpoint-specific codes),
except the token-endpoint codes 36004001/36004005, which were seen live by a third party
(EcomPHP/tiktokshop-php PR #15), because TikTok documents none for those endpoints.

Where TikTok documents no code for a failure at all, the emulator answers with an `EmulatorCode`: its numbers
all start with 99, so nobody mistakes them for TikTok's. A client should treat them as it treats any
non-retryable business error.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Protocol, TypeVar


class Code(IntEnum):
    """TikTok's own codes (reference §4, §5.3, §5.6)."""

    SUCCESS = 0
    TOO_MANY_REQUESTS = 36009002
    INTERNAL_ERROR = 36009003
    INVALID_REQUEST = (
        36009004  # credentials, timestamp, unexpected identifier, bad parameters: read the message
    )
    REQUEST_TIMEOUT = 36009007
    INVALID_PATH = 36009009
    INVALID_METHOD = 36009010
    INVALID_VERSION = 36009014
    INVALID_CONTENT_TYPE = 36009022
    TOKEN_NOT_FOR_SHOP = 101000
    EXPIRED_CREDENTIALS = 105002
    INVALID_SIGN = 106001
    MISSING_SHOP_CIPHER = 106013
    REFRESH_TOKEN_EXPIRED = 36004001  # [3P] "rt has expired"
    AUTH_RECORD_NOT_FOUND = 36004005  # [3P] "can not find related auth record"
    NOT_TIKTOK_SHIPPING = 21008017
    # Get Eligible Shipping Service and Create Packages (TikTok's specs of those pages, reference §5.3).
    INVALID_PARAMETERS = 21001001
    SHIPPING_SERVICE_NOT_FOUND = 21004008
    FULFILLED_BY_PLATFORM = 21008025
    ACTION_NOT_ALLOWED = 21011003
    ORDERS_ALREADY_SHIPPED = 21011006
    NO_SHIPPING_SERVICE = 21011037
    LABEL_ALREADY_PURCHASED = 21022025
    NOT_SELLERS_ORDER = 21008111
    TIKTOK_DELIVERY_OPTION = 21008117
    DUPLICATE_TRACKING_NUMBER = 21011025
    PACKAGE_ALREADY_SHIPPED = 21011040
    INVALID_ORDER_STATUS = 25001003


class EmulatorCode(IntEnum):
    """Codes for failures TikTok documents no code for (the emulator's choice; all start with 99)."""

    ORDER_NOT_READY_TO_SHIP = 99021001
    UNKNOWN_SHIPPING_PROVIDER = 99021002
    LINE_ITEMS_REQUIRED = 99021003
    DOCUMENT_NOT_READY = 99021004
    SHIPPED_BY_TIKTOK = 99021005
    PACKAGE_NOT_SHIPPED = 99021006  # update the tracking of a package never marked shipped
    PACKAGE_COLLECTED = 99021007  # update the tracking of a package the carrier already has
    FULFILLED_BY_TIKTOK = 99021008  # an FBT order: TikTok's fulfillment center ships it, not the seller
    SPLIT_NOT_ALLOWED = 99021009  # Get Order Split Attributes says can_split false
    COMBINE_NOT_ALLOWED = 99021010  # the orders are not combinable (peers.md §4.7)
    WAREHOUSE_NOT_FOUND = 99022001
    DELIVERY_OPTION_NOT_FOUND = 99022002
    PRODUCT_NOT_FOUND = 99012001
    PRODUCT_NOT_ACTIVE = 99012002
    SKU_NOT_IN_PRODUCT = 99012003
    INVALID_INVENTORY = 99012004
    PRODUCT_STATUS_LOCKED = 99012005  # activate or deactivate a product in a status only TikTok changes
    WEBHOOK_ADDRESS_REFUSED = 99009001  # TikTok's rules are documented (reference §6), its code is not
    AFTERSALE_NOT_FOUND = 99025001
    DECISION_NOT_APPLICABLE = 99025002


class ApiError(Exception):
    """A failed Open API call: becomes `{code, message, request_id, data}` with the HTTP status for `code`."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class ShopOwned(Protocol):
    shop_id: str


Owned = TypeVar("Owned", bound=ShopOwned)


def owned_by(shop_id: str, found: Owned | None, code: int, message: str) -> Owned:
    """`found` if it belongs to the calling shop; someone else's object is treated as no object at all."""
    if found is None or found.shop_id != shop_id:
        raise ApiError(code, message)
    return found


def invalid_request(message: str) -> ApiError:
    """36009004, TikTok's catch-all for a request it will not even look at; the message says why."""
    return ApiError(Code.INVALID_REQUEST, message)


class UnknownObject(LookupError):
    """The admin API was given an id that names nothing in the world."""


class Conflict(Exception):
    """The admin API asked for a change the current state does not allow (e.g. deliver an unpaid order)."""
