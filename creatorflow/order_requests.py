"""What an operator asks of an order (the order workflow's updates, `names.OrderMessage`): here, so the
CLI, the API and tests can build a request without importing the workflow."""

from __future__ import annotations

from creatorflow.domain import Address, Message, Provider


class RetryRequest(Message):
    """Operator: try again after fixing the cause; optionally with a corrected recipient address."""

    address: Address | None = None


class HoldRequest(Message):
    reason: str = "held by operator"


class ReshipRequest(Message):
    """Operator: buy a new label with this provider (and service, if given); refunds the old one."""

    provider: Provider
    service: str | None = None


class CancelRequest(Message):
    reason: str = "SELLER_CANCEL"


class ApproveRequest(Message):
    """Operator: approve the cancellation or return request the order waits on."""

    comment: str = ""


class RejectRequest(Message):
    """Operator: reject it, with TikTok's reject reason code (from Get Reject Reasons)."""

    reason: str
    comment: str = ""
