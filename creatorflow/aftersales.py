"""After-sales as plain data: the seller's policy, the cancellation and return requests TikTok holds for an
order, and the pure decisions the order workflow acts on (docs/reference/tiktok-shop-api.md §5.6, §7.4).

Nothing here knows about Temporal; `OrderWorkflow` asks `decide_cancellation` / `decide_return` what to do
next and does it through activities, so every rule is unit-testable without a server.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from creatorflow.tiktok.models import Cancellation, ReturnRequest

# TikTok's statuses (§5.6). The cancellation "rejected or withdrawn" status is spelled two ways.
CANCEL_PENDING = "CANCELLATION_REQUEST_PENDING"
CANCEL_DONE = frozenset({"CANCELLATION_REQUEST_SUCCESS", "CANCELLATION_REQUEST_COMPLETE"})
RETURN_PENDING = "RETURN_OR_REFUND_REQUEST_PENDING"
AWAITING_BUYER_SHIP = "AWAITING_BUYER_SHIP"
BUYER_SHIPPED_ITEM = "BUYER_SHIPPED_ITEM"
RETURN_DONE = frozenset({"RETURN_OR_REFUND_REQUEST_SUCCESS", "RETURN_OR_REFUND_REQUEST_COMPLETE"})
RETURN_CLOSED = frozenset(
    {
        "REFUND_OR_RETURN_REQUEST_REJECT",
        "REJECT_RECEIVE_PACKAGE",
        "RETURN_OR_REFUND_REQUEST_CANCEL",
        "RETURN_OR_REFUND__REQUEST_CANCELLED",  # the spelling in TikTok's trigger list (§7.4)
    }
)

REFUND_ONLY = "REFUND"
RETURN_AND_REFUND = "RETURN_AND_REFUND"

# AttentionReason values for requests that wait for an operator's approve / reject.
CANCELLATION_NEEDS_DECISION = "CancellationNeedsDecision"
RETURN_NEEDS_DECISION = "ReturnNeedsDecision"
RETURN_NEEDS_INSPECTION = "ReturnNeedsInspection"
DECISION_REASONS = frozenset({CANCELLATION_NEEDS_DECISION, RETURN_NEEDS_DECISION, RETURN_NEEDS_INSPECTION})


class AfterSalesPolicy(BaseModel):
    """What the seller lets CreatorFlow decide alone; everything else waits for an operator."""

    model_config = ConfigDict(frozen=True)

    # Approve a buyer's cancellation request while the package has not left with a carrier; a bought label
    # is refunded (voided) first.
    auto_approve_cancellations: bool = True
    # Refund-only requests strictly under this amount are approved at once.
    auto_refund_under: Decimal = Field(default=Decimal("25.00"), ge=0)
    # Return-and-refund requests strictly under this amount are approved (the buyer sends the item back).
    auto_return_under: Decimal = Field(default=Decimal("100.00"), ge=0)
    # Buy the buyer a prepaid return label (customer -> our warehouse) when a return is approved.
    seller_pays_return_shipping: bool = True


class AfterSaleRequest(BaseModel):
    """A cancellation or return/refund request, as much of it as decisions and analytics need."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["cancellation", "return"]
    request_id: str
    request_type: str  # BUYER_CANCEL | CANCEL | REFUND | RETURN_AND_REFUND | REPLACEMENT
    status: str
    role: str = ""
    reason: str = ""
    amount: Decimal | None = None
    currency: str = ""
    create_time: int = 0
    update_time: int = 0


def from_cancellation(cancellation: Cancellation) -> AfterSaleRequest:
    c = cancellation
    return _request("cancellation", c.cancel_id, c.cancel_type, c.cancel_status, c.cancel_reason, c)


def from_return(request: ReturnRequest) -> AfterSaleRequest:
    r = request
    return _request("return", r.return_id, r.return_type, r.return_status, r.return_reason, r)


def _request(
    kind: Literal["cancellation", "return"],
    request_id: str,
    request_type: str,
    status: str,
    reason: str,
    source: Cancellation | ReturnRequest,
) -> AfterSaleRequest:
    money = source.refund_amount
    return AfterSaleRequest(
        kind=kind,
        request_id=request_id,
        request_type=request_type,
        status=status,
        role=source.role,
        reason=reason,
        amount=(money.refund_total or money.amount) if money else None,
        currency=money.currency if money else "",
        create_time=source.create_time,
        update_time=source.update_time,
    )


def latest(requests: list[AfterSaleRequest]) -> AfterSaleRequest | None:
    """The request that matters now: the newest by update time (TikTok allows one open at a time)."""
    return max(requests, key=lambda r: (r.update_time, r.create_time, r.request_id), default=None)


class Act(StrEnum):
    NOTHING = "NOTHING"  # nothing for us to do (yet)
    APPROVE = "APPROVE"  # send `decision` to TikTok
    ASK_OPERATOR = "ASK_OPERATOR"  # park with `reason` until an operator approves or rejects
    BUY_RETURN_LABEL = "BUY_RETURN_LABEL"
    REFUNDED = "REFUNDED"  # TikTok completed the refund
    CLOSED = "CLOSED"  # rejected, withdrawn, or the package refused: the order goes on as before


class Decision(BaseModel):
    model_config = ConfigDict(frozen=True)

    act: Act
    decision: str = ""  # TikTok's `decision` value for APPROVE
    reason: str = ""  # AttentionReason for ASK_OPERATOR
    why: str = ""


def decide_cancellation(
    policy: AfterSalesPolicy, request: AfterSaleRequest, *, handed_over: bool
) -> Decision:
    """A buyer's pending cancellation: approve while the package has not left, else ask an operator."""
    if request.status != CANCEL_PENDING:
        return Decision(act=Act.NOTHING, why=f"cancellation is {request.status}")
    if handed_over:
        return Decision(
            act=Act.ASK_OPERATOR,
            reason=CANCELLATION_NEEDS_DECISION,
            why="the package is already with the carrier",
        )
    if not policy.auto_approve_cancellations:
        return Decision(
            act=Act.ASK_OPERATOR, reason=CANCELLATION_NEEDS_DECISION, why="policy: cancellations by hand"
        )
    return Decision(act=Act.APPROVE, why="not handed over yet: approved by policy")


def decide_return(
    policy: AfterSalesPolicy,
    request: AfterSaleRequest,
    *,
    has_return_label: bool,
    return_delivered: bool,
) -> Decision:
    """The next step of a return or refund request, from its TikTok status and what we did so far."""
    status, amount = request.status, request.amount
    if status in RETURN_DONE:
        return Decision(act=Act.REFUNDED, why="TikTok completed the refund")
    if status in RETURN_CLOSED:
        return Decision(act=Act.CLOSED, why=f"request {status}")
    if status == RETURN_PENDING:
        limits = {REFUND_ONLY: policy.auto_refund_under, RETURN_AND_REFUND: policy.auto_return_under}
        limit = limits.get(request.request_type)
        if limit is None:
            return Decision(
                act=Act.ASK_OPERATOR,
                reason=RETURN_NEEDS_DECISION,
                why=f"{request.request_type} requests are decided by hand",
            )
        if amount is None or amount >= limit:
            return Decision(
                act=Act.ASK_OPERATOR,
                reason=RETURN_NEEDS_DECISION,
                why=f"{request.request_type} of {amount} {request.currency} is not under {limit}",
            )
        return Decision(
            act=Act.APPROVE, decision=approve_decision(request), why=f"under {limit}: approved by policy"
        )
    if status == AWAITING_BUYER_SHIP:
        if policy.seller_pays_return_shipping and not has_return_label:
            return Decision(act=Act.BUY_RETURN_LABEL, why="policy: the seller pays return shipping")
        return Decision(act=Act.NOTHING, why="waiting for the buyer to ship")
    if status == BUYER_SHIPPED_ITEM:
        if return_delivered:
            return Decision(
                act=Act.APPROVE, decision=approve_decision(request), why="our return label was delivered"
            )
        if has_return_label:
            return Decision(act=Act.NOTHING, why="the return is on its way")
        return Decision(
            act=Act.ASK_OPERATOR,
            reason=RETURN_NEEDS_INSPECTION,
            why="the buyer shipped with their own label: confirm receipt by hand",
        )
    return Decision(act=Act.ASK_OPERATOR, reason=RETURN_NEEDS_DECISION, why=f"unhandled status {status}")


def reject_decision(request: AfterSaleRequest) -> str:
    """TikTok's reject `decision` for a return in its current status."""
    if request.status == BUYER_SHIPPED_ITEM:
        return "REJECT_RECEIVED_PACKAGE"
    return "REJECT_REFUND" if request.request_type == REFUND_ONLY else "REJECT_RETURN"


def approve_decision(request: AfterSaleRequest) -> str:
    """TikTok's approve `decision` for a return in its current status (an operator's approval)."""
    if request.status == BUYER_SHIPPED_ITEM:
        return "APPROVE_RECEIVED_PACKAGE"
    return "APPROVE_REFUND" if request.request_type == REFUND_ONLY else "APPROVE_RETURN"
