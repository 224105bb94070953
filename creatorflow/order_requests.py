"""What an operator asks of an order (the order workflow's updates, `names.OrderMessage`): here, so the
CLI, the API and tests can build a request without importing the workflow."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from creatorflow.domain import Address, Provider


class _Request(BaseModel):
    model_config = ConfigDict(frozen=True)


class RetryRequest(_Request):
    """Operator: try again after fixing the cause; optionally with a corrected recipient address."""

    address: Address | None = None


class HoldRequest(_Request):
    reason: str = "held by operator"


class ReshipRequest(_Request):
    """Operator: buy a new label with this provider (and service, if given); refunds the old one."""

    provider: Provider
    service: str | None = None


class CancelRequest(_Request):
    reason: str = "SELLER_CANCEL"


class ApproveRequest(_Request):
    """Operator: approve the cancellation or return request the order waits on."""

    comment: str = ""


class RejectRequest(_Request):
    """Operator: reject it, with TikTok's reject reason code (from Get Reject Reasons)."""

    reason: str
    comment: str = ""
