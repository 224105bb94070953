"""Turn the core's typed errors into Temporal retry decisions, in one place.

Retryable failures keep their class name as the ApplicationError type (visible in the UI), with
`next_retry_delay` where the service told us how long to wait. Non-retryable ones get one of the
`contracts` types, which the workflow turns into NEEDS_ATTENTION.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities import contracts
from creatorflow.addresses import AddressUnusableError
from creatorflow.metrics import MeterMetrics
from creatorflow.shipping import errors as shipping
from creatorflow.shipping import parcels
from creatorflow.shipping.errors import count_shipping_error
from creatorflow.store.shops import ShopNotFoundError
from creatorflow.store.warehouses import WarehouseUnknownError
from creatorflow.tiktok import errors as tiktok
from creatorflow.tiktok.errors import count_tiktok_error

# After 105002 the shop workflow refreshes the token; give it a moment before the next attempt.
TOKEN_REFRESH_GRACE = timedelta(seconds=15)
SHIPPING_RATE_LIMIT_DELAY = timedelta(seconds=2)
# Shippo has no server-side duplicate check: a buy whose answer was lost may still be in progress there,
# so the look-before-buying retry waits long enough for it to land (docs/reference/shipping.md §3).
AMBIGUOUS_PURCHASE_DELAY = timedelta(seconds=10)


@contextmanager
def activity_errors() -> Iterator[None]:
    try:
        yield
    except tiktok.TikTokError as exc:
        count_tiktok_error(MeterMetrics(activity.metric_meter()), exc)
        raise from_tiktok(exc) from exc
    except shipping.ShippingError as exc:
        count_shipping_error(MeterMetrics(activity.metric_meter()), exc)
        raise from_shipping(exc) from exc
    except ShopNotFoundError as exc:  # not connected (or deleted): retrying cannot help
        raise ApplicationError(
            f"shop {exc} is not connected", type=contracts.SHOP_AUTHORIZATION, non_retryable=True
        ) from exc
    except WarehouseUnknownError as exc:  # read from TikTok just before: a person must look
        raise _give_up(exc, contracts.WAREHOUSE_UNKNOWN) from exc
    except AddressUnusableError as exc:  # the warehouse's address, as TikTok gives it
        raise _give_up(exc, contracts.ADDRESS_INVALID) from exc


def from_tiktok(exc: tiktok.TikTokError) -> ApplicationError:
    if isinstance(exc, tiktok.RateLimitedError):
        return _retry(exc, next_retry_delay=timedelta(seconds=exc.retry_after))
    if isinstance(exc, tiktok.TokenExpiredError):
        return _retry(exc, next_retry_delay=TOKEN_REFRESH_GRACE)
    if exc.retryable:
        return _retry(exc)
    if isinstance(exc, tiktok.AuthError):
        return _give_up(exc, contracts.SHOP_AUTHORIZATION)
    if isinstance(exc, tiktok.BusinessError):
        return _give_up(exc, contracts.TIKTOK_REFUSED)
    return _give_up(exc, contracts.TIKTOK_CONTRACT)


def from_shipping(exc: shipping.ShippingError) -> ApplicationError:
    if isinstance(exc, shipping.RateLimitedError):
        return _retry(exc, next_retry_delay=SHIPPING_RATE_LIMIT_DELAY)
    if exc.ambiguous:
        return _retry(exc, next_retry_delay=AMBIGUOUS_PURCHASE_DELAY)
    if exc.retryable:
        return _retry(exc)
    if isinstance(exc, shipping.InvalidAddressError):
        return _give_up(exc, contracts.ADDRESS_INVALID)
    if isinstance(exc, shipping.NoEligibleRateError):
        return _give_up(exc, contracts.NO_ELIGIBLE_RATE)
    if isinstance(exc, parcels.PackageUnknownError):
        return _give_up(exc, contracts.PACKAGE_UNKNOWN)
    if isinstance(exc, parcels.ItemTooLargeError):
        return _give_up(exc, contracts.ITEM_TOO_LARGE)
    if isinstance(exc, parcels.SplitNeededError | shipping.ParcelTooHeavyError):
        return _give_up(exc, contracts.SPLIT_NEEDED)
    if isinstance(exc, shipping.PurchaseRejectedError):
        return _give_up(exc, contracts.PURCHASE_REJECTED)
    return _give_up(exc, contracts.SHIPPING_CONTRACT)


def _retry(exc: Exception, next_retry_delay: timedelta | None = None) -> ApplicationError:
    return ApplicationError(str(exc), type=type(exc).__name__, next_retry_delay=next_retry_delay)


def _give_up(exc: Exception, error_type: str) -> ApplicationError:
    return ApplicationError(str(exc), type=error_type, non_retryable=True)
