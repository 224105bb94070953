"""The after-sales policy's decisions, as pure functions of a request and what the order already did."""

from __future__ import annotations

from decimal import Decimal

import pytest

from creatorflow.aftersales import (
    CANCELLATION_NEEDS_DECISION,
    RETURN_NEEDS_DECISION,
    RETURN_NEEDS_INSPECTION,
    Act,
    AfterSaleRequest,
    AfterSalesPolicy,
    decide_cancellation,
    decide_return,
    reject_decision,
)

POLICY = AfterSalesPolicy(auto_refund_under=Decimal("25"), auto_return_under=Decimal("100"))


def cancellation(status: str = "CANCELLATION_REQUEST_PENDING") -> AfterSaleRequest:
    return AfterSaleRequest(kind="cancellation", request_id="c1", request_type="BUYER_CANCEL", status=status)


def request(kind: str, amount: str, status: str = "RETURN_OR_REFUND_REQUEST_PENDING") -> AfterSaleRequest:
    return AfterSaleRequest(
        kind="return",
        request_id="r1",
        request_type=kind,
        status=status,
        amount=Decimal(amount),
        currency="USD",
    )


def test_a_pending_cancellation_is_approved_until_the_package_leaves() -> None:
    assert decide_cancellation(POLICY, cancellation(), handed_over=False).act is Act.APPROVE
    late = decide_cancellation(POLICY, cancellation(), handed_over=True)
    assert (late.act, late.reason) == (Act.ASK_OPERATOR, CANCELLATION_NEEDS_DECISION)
    by_hand = AfterSalesPolicy(auto_approve_cancellations=False)
    assert decide_cancellation(by_hand, cancellation(), handed_over=False).act is Act.ASK_OPERATOR
    settled = cancellation("CANCELLATION_REQUEST_COMPLETE")
    assert decide_cancellation(POLICY, settled, handed_over=False).act is Act.NOTHING


@pytest.mark.parametrize(
    ("kind", "amount", "act", "decision"),
    [
        ("REFUND", "24.99", Act.APPROVE, "APPROVE_REFUND"),
        ("REFUND", "25.00", Act.ASK_OPERATOR, ""),  # "under" is strict
        ("RETURN_AND_REFUND", "99.99", Act.APPROVE, "APPROVE_RETURN"),
        ("RETURN_AND_REFUND", "150.00", Act.ASK_OPERATOR, ""),
        ("REPLACEMENT", "1.00", Act.ASK_OPERATOR, ""),  # never decided alone
    ],
)
def test_new_requests_are_approved_only_under_their_threshold(
    kind: str, amount: str, act: Act, decision: str
) -> None:
    decided = decide_return(POLICY, request(kind, amount), has_return_label=False, return_delivered=False)
    assert (decided.act, decided.decision) == (act, decision)
    if act is Act.ASK_OPERATOR:
        assert decided.reason == RETURN_NEEDS_DECISION


def test_an_approved_return_gets_a_label_then_waits_for_it_to_arrive() -> None:
    def step(status: str, label: bool, delivered: bool, policy: AfterSalesPolicy = POLICY) -> Act:
        r = request("RETURN_AND_REFUND", "40", status)
        return decide_return(policy, r, has_return_label=label, return_delivered=delivered).act

    assert step("AWAITING_BUYER_SHIP", label=False, delivered=False) is Act.BUY_RETURN_LABEL
    assert step("AWAITING_BUYER_SHIP", label=True, delivered=False) is Act.NOTHING
    buyer_pays = AfterSalesPolicy(seller_pays_return_shipping=False)
    assert step("AWAITING_BUYER_SHIP", label=False, delivered=False, policy=buyer_pays) is Act.NOTHING
    assert step("BUYER_SHIPPED_ITEM", label=True, delivered=False) is Act.NOTHING
    assert step("BUYER_SHIPPED_ITEM", label=True, delivered=True) is Act.APPROVE
    # The buyer used their own label: nobody but a person can say the item arrived.
    own_label = decide_return(
        buyer_pays,
        request("RETURN_AND_REFUND", "40", "BUYER_SHIPPED_ITEM"),
        has_return_label=False,
        return_delivered=False,
    )
    assert (own_label.act, own_label.reason) == (Act.ASK_OPERATOR, RETURN_NEEDS_INSPECTION)
    assert step("RETURN_OR_REFUND_REQUEST_COMPLETE", label=True, delivered=True) is Act.REFUNDED
    assert step("REFUND_OR_RETURN_REQUEST_REJECT", label=False, delivered=False) is Act.CLOSED
    assert step("RETURN_OR_REFUND_REQUEST_CANCEL", label=False, delivered=False) is Act.CLOSED


def test_a_rejection_names_the_step_it_refuses() -> None:
    assert reject_decision(request("REFUND", "5")) == "REJECT_REFUND"
    assert reject_decision(request("RETURN_AND_REFUND", "5")) == "REJECT_RETURN"
    assert (
        reject_decision(request("RETURN_AND_REFUND", "5", "BUYER_SHIPPED_ITEM")) == "REJECT_RECEIVED_PACKAGE"
    )
