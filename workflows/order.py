"""`OrderWorkflow`: one TikTok order, from payment to the customer's door (DESIGN.md, "Workflows").

Shape (after samples-python `message_passing/safe_message_handlers`): signal and update handlers only
record facts and intentions in `OrderState`; the main loop looks at those facts, does the next piece of
work through activities, and waits when there is nothing to do. So a hold, a cancellation or a carrier
scan that arrives mid-purchase is acted on at the next safe point, and every decision is in history.

Rules kept here:
- Never two labels: the chosen rate is in state before buying; the purchase key is derived from the
  workflow id and a generation that only an operator's reship increases; the buy activity reconciles
  with the provider before buying.
- Never lose or double-apply an event: events are deduplicated by id and ignored when older than what
  TikTok already told us; the order is always re-read from TikTok before acting on news.
- Business failures never fail the workflow: they park the order in NEEDS_ATTENTION for an operator.
- A paid order holds its stock before any label is bought; without stock it waits for an operator.
- No label while the seller's authorization is void (deauthorized, or a refresh token TikTok rejected): the
  order waits and carries on by itself once the seller authorizes the app again.
- Buyers' cancellations and returns are answered by the after-sales policy (`creatorflow.aftersales`),
  each answer under TikTok's idempotency key; what the policy does not cover waits for an operator.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from activities.metrics import MeterMetrics
    from creatorflow.aftersales import (
        AWAITING_BUYER_SHIP,
        BUYER_SHIPPED_ITEM,
        CANCEL_DONE,
        CANCEL_PENDING,
        CANCELLATION_NEEDS_DECISION,
        DECISION_REASONS,
        RETURN_CLOSED,
        RETURN_DONE,
        Act,
        AfterSaleRequest,
        Decision,
        approve_decision,
        decide_cancellation,
        decide_return,
        latest,
        reject_decision,
    )
    from creatorflow.domain import (
        Address,
        Label,
        LabelRefund,
        Provider,
        RefundStatus,
        Tracking,
        TrackingStatus,
    )
    from creatorflow.inventory import OUT_OF_STOCK, Reservation
    from creatorflow.metrics import LABEL_SPEND, LABELS_BOUGHT, LATE_SHIPMENT_RISKS, ORDER_TRANSITIONS
    from creatorflow.orders import (
        RETURN_STATES,
        TERMINAL_STATES,
        Attention,
        CarrierTrackingEvent,
        FulfillmentMode,
        FulfillmentState,
        OperatorVerdict,
        OrderInput,
        OrderMessage,
        OrderSnapshot,
        OrderState,
        RateChoice,
        TikTokOrderEvent,
        advance,
        reached,
        state_for_tiktok_status,
        state_for_tracking,
    )
    from workflows import shared

T = TypeVar("T")

RETRY_FOREVER = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))

# Before this stage an order has not left with a carrier, so holds, reships and cancels still make sense.
HANDOVER = FulfillmentState.IN_TRANSIT

# Reading TikTok's cancellation and return requests is a new command on paths released histories took
# (their cancellation events), so it is guarded (reference/temporal.md §B8).
AFTERSALES_PATCH = "aftersales-v1"
# Holding stock for a paid order is a new command on every released path.
STOCK_PATCH = "stock-reservation-v1"
# Watching TikTok's ship-by shortens waits and publishes when the order becomes at risk.
LATE_SHIPMENT_PATCH = "late-shipment-v1"
# Asking whether the seller still authorizes the app is a new command before every released purchase.
SHOP_CHECK_PATCH = "shop-authorized-before-label-v1"
# Asking again, on a timer, while parked for the shop's authorization is a new command on that parked path.
SHOP_RECHECK_PATCH = "shop-recheck-while-parked-v1"
# The reasons an order waits for its seller, not an operator.
SHOP_NOT_AUTHORIZED = (contracts.SHOP_DEAUTHORIZED, contracts.SHOP_NEEDS_REAUTHORIZATION)


class NeedsAttention(Exception):
    """Raised inside the loop to park the order for an operator."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


class RetryRequest(contracts._Message):
    """Operator: try again after fixing the cause; optionally with a corrected recipient address."""

    address: Address | None = None


class HoldRequest(contracts._Message):
    reason: str = "held by operator"


class ReshipRequest(contracts._Message):
    """Operator: buy a new label with this provider (and service, if given); refunds the old one."""

    provider: Provider
    service: str | None = None


class CancelRequest(contracts._Message):
    reason: str = "SELLER_CANCEL"


class ApproveRequest(contracts._Message):
    """Operator: approve the cancellation or return request the order waits on."""

    comment: str = ""


class RejectRequest(contracts._Message):
    """Operator: reject it, with TikTok's reject reason code (from Get Reject Reasons)."""

    reason: str
    comment: str = ""


@workflow.defn
class OrderWorkflow:
    @workflow.init
    def __init__(self, input: OrderInput) -> None:
        self.s = input.carried or OrderState(shop_id=input.shop_id, order_id=input.order_id)
        self.policy = input.policy
        self._tiktok_news = input.carried is None  # read the order from TikTok first thing
        self._aftersales_news = False
        self._wake = False
        self._published: tuple[Any, ...] = ()
        self._return_recorded: tuple[Any, ...] = ()
        self._metrics = MeterMetrics(workflow.metric_meter())  # not counted again on replay

    # --- run loop ------------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: OrderInput) -> OrderState:
        while self.s.stage not in TERMINAL_STATES:
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    OrderInput(
                        shop_id=self.s.shop_id, order_id=self.s.order_id, policy=self.policy, carried=self.s
                    )
                )
            try:
                await self._step()
            except NeedsAttention as problem:
                self._park(problem.reason, problem.message)
            await self._publish()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.s

    async def _step(self) -> None:
        if self._tiktok_news:
            await self._read_tiktok()
        if self._aftersales_news and workflow.patched(AFTERSALES_PATCH):
            await self._read_aftersales()
        if self.s.stage in TERMINAL_STATES:
            return
        if self.s.cancel_reason is not None:
            await self._cancel()
            return
        if await self._after_sales():
            return
        if self.s.held or self.s.attention is not None:
            await self._wait_while_parked()
            return
        order, stage = self.s.order, self.s.stage
        if self._needs_stock() and workflow.patched(STOCK_PATCH):
            await self._reserve_stock()
        elif order is None or stage in (FulfillmentState.AWAITING_PAYMENT, FulfillmentState.ON_HOLD):
            await self._wait_for_news(timeout=self.policy.hold_poll)
            self._tiktok_news = True
        elif self.s.refund_queue:
            await self._refund(self.s.refund_queue[0])
            self.s.refund_queue.pop(0)
        elif reached(stage, HANDOVER) or self.s.shipped_on_tiktok or order.mode is FulfillmentMode.FBT:
            await self._after_handover(stage)
        elif order.mode is FulfillmentMode.TIKTOK_SHIPPED:
            await self._arrange_tiktok_shipment()
        elif self.s.label is None:
            await self._buy_label(order)
        else:
            await self._ship_on_tiktok()

    async def _after_handover(self, stage: FulfillmentState) -> None:
        if not reached(stage, FulfillmentState.DELIVERED):
            await self._follow_package()
        else:
            await self._await_completion()

    async def _wait_for_news(self, timeout: timedelta | None) -> bool:
        """Sleep until a handler wakes us (True) or the timeout passes (False).

        A wake-up that came while we were busy elsewhere is not lost: it ends the wait at once, and the
        loop looks at the state again. No wait outlasts the moment the order becomes at risk of missing
        TikTok's ship-by, so a held or parked order is flagged in time too.
        """
        flag_at = self._late_risk_at()
        if flag_at is not None and workflow.patched(LATE_SHIPMENT_PATCH):
            until_flag = max(flag_at - workflow.now(), timedelta(seconds=1))
            timeout = until_flag if timeout is None else min(timeout, until_flag)
        try:
            await workflow.wait_condition(lambda: self._wake, timeout=timeout)
        except TimeoutError:
            return False
        self._wake = False
        return True

    def _notify(self) -> None:
        self._wake = True

    async def _wait_while_parked(self) -> None:
        """Held or parked: wait for an operator, or, parked for the shop's authorization, for the seller.

        The order asks the store again every `policy.shop_recheck` and retries by itself once the shop is
        ACTIVE again. Polling its own shop, rather than the shop's workflow sweeping its parked orders
        when the seller reconnects, needs no visibility query: those are eventually consistent, so an
        order parking while the seller reconnects could be missed by the sweep and wait for ever. The
        price is one store read per parked order and interval, and a resume up to one interval late.
        """
        attention = self.s.attention
        waits_for_seller = (
            not self.s.held
            and attention is not None
            and attention.reason in SHOP_NOT_AUTHORIZED
            and workflow.patched(SHOP_RECHECK_PATCH)
        )
        woken = await self._wait_for_news(timeout=self.policy.shop_recheck if waits_for_seller else None)
        if waits_for_seller and not woken:
            await self._recheck_shop()

    async def _recheck_shop(self) -> None:
        """Retry once the seller authorized the app again; still parked (quietly) while they have not."""
        assert self.s.attention is not None
        parked_for = self.s.attention.reason
        try:
            await self._require_authorized_shop()
        except NeedsAttention as still:
            if self.s.attention is not None and still.reason == parked_for:
                return
            raise  # parked anew: the reason changed, or an operator's retry came meanwhile
        if self.s.attention is not None:  # else an operator's retry came meanwhile
            self._resume("the seller authorized the app again: retry")

    # --- reading TikTok ------------------------------------------------------------------------

    async def _read_tiktok(self) -> None:
        self._tiktok_news = False
        snapshot: OrderSnapshot = await self._activity(
            contracts.FETCH_ORDER,
            contracts.OrderRef(shop_id=self.s.shop_id, order_id=self.s.order_id),
            OrderSnapshot,
            summary="read order from TikTok",
            **self._on(shared.TIKTOK_TASK_QUEUE),
        )
        if self.s.order is not None and snapshot.update_time < self.s.order.update_time:
            return  # an older read cannot overrule a newer one
        self.s.order = snapshot
        # The buyer asked to cancel: look at the request even if its webhook never came.
        self._aftersales_news = self._aftersales_news or snapshot.buyer_requested_cancel
        if snapshot.shipping_provider and not self.s.carrier:
            self.s.carrier = snapshot.shipping_provider
        if snapshot.tracking_number and not self.s.tracking_number:
            self.s.tracking_number = snapshot.tracking_number
        seen = state_for_tiktok_status(snapshot.tiktok_status)
        if seen is FulfillmentState.CANCELLED:
            self.s.cancel_reason = self.s.cancel_reason or "cancelled on TikTok"
        elif seen is not None:
            if reached(seen, FulfillmentState.SHIPPED) and not reached(
                self.s.stage, FulfillmentState.SHIPPED
            ):
                # Shipped before we got to it (backfill, or another tool): record, never buy.
                self.s.shipped_on_tiktok = True
            self._move(advance(self.s.stage, seen), f"TikTok says {snapshot.tiktok_status}")

    # --- seller shipping: rate, label, TikTok ----------------------------------------------------

    async def _buy_label(self, order: OrderSnapshot) -> None:
        address = self.s.address_override or order.recipient
        if address is None:
            raise NeedsAttention(
                contracts.ADDRESS_INVALID,
                order.recipient_problem or "TikTok gave no usable recipient address",
            )
        if self.s.rate is None:
            self.s.rate = await self._choose_rate(
                contracts.RateQuery(
                    reference=self._label_key(),
                    to_address=address,
                    items=order.items,
                    ship_by=order.ship_by,
                    deliver_by=order.deliver_by,
                    provider=self.s.pinned_provider,
                    service=self.s.pinned_service,
                )
            )
            await self._publish()  # the choice is in history before any money is spent
        if workflow.patched(SHOP_CHECK_PATCH):
            await self._require_authorized_shop()
        label = await self._buy(self.s.rate, self._label_key())
        self._count_label(label)
        self.s.label = label
        self.s.carrier = label.rate.carrier
        self.s.tracking_number = label.tracking_number
        self._move(
            FulfillmentState.LABEL_PURCHASED, f"label {label.tracking_number} via {label.rate.provider}"
        )
        await self._record_label(label)

    async def _choose_rate(self, query: contracts.RateQuery) -> RateChoice:
        return await self._activity(
            contracts.CHOOSE_RATE,
            query,
            RateChoice,
            summary="quote providers and choose a rate",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )

    async def _require_authorized_shop(self) -> None:
        """A seller who deauthorized the app while this order was in flight (ShopDeauthorized), or whose
        refresh token TikTok rejected (ReauthorizationRequired), parks it instead of paying for a label
        TikTok would not let us ship; the parked order asks again (`_wait_while_parked`)."""
        await self._activity(
            contracts.REQUIRE_AUTHORIZED_SHOP,
            contracts.ShopRef(shop_id=self.s.shop_id),
            type(None),
            summary="check the seller still authorizes the app",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )

    async def _buy(self, choice: RateChoice, key: str) -> Label:
        return await self._activity(
            contracts.BUY_LABEL,
            contracts.BuyLabelRequest(choice=choice, idempotency_key=key),
            Label,
            summary=f"buy {choice.rate.carrier} {choice.rate.service} label for {choice.rate.amount} "
            f"{choice.rate.currency}",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )

    async def _record_label(self, label: Label) -> None:
        await self._activity(
            contracts.RECORD_LABEL,
            contracts.LabelRecord(shop_id=self.s.shop_id, order_id=self.s.order_id, label=label),
            type(None),
            summary="record label",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )

    def _label_key(self) -> str:
        return f"{workflow.info().workflow_id}:label:{self.s.label_generation}"

    async def _ship_on_tiktok(self) -> None:
        assert self.s.label is not None
        result: contracts.ShipPackageResult = await self._activity(
            contracts.SHIP_PACKAGE,
            contracts.ShipPackageRequest(
                shop_id=self.s.shop_id,
                order_id=self.s.order_id,
                tracking_number=self.s.label.tracking_number,
                carrier=self.s.label.rate.carrier,
            ),
            contracts.ShipPackageResult,
            summary=f"mark shipped on TikTok with {self.s.label.tracking_number}",
            **self._on(shared.TIKTOK_TASK_QUEUE),
        )
        self.s.shipped_on_tiktok = True
        self.s.tiktok_package_id = result.package_id
        self._move(advance(self.s.stage, FulfillmentState.SHIPPED), "shipped on TikTok")

    async def _arrange_tiktok_shipment(self) -> None:
        label: contracts.TikTokLabel = await self._activity(
            contracts.ARRANGE_TIKTOK_SHIPMENT,
            contracts.OrderRef(shop_id=self.s.shop_id, order_id=self.s.order_id),
            contracts.TikTokLabel,
            summary="arrange TikTok shipping and fetch its label",
            **self._on(shared.TIKTOK_TASK_QUEUE),
        )
        self.s.shipped_on_tiktok = True
        self.s.tiktok_package_id = label.package_id
        self.s.tiktok_label_url = label.doc_url
        self.s.tracking_number = label.tracking_number
        self._move(advance(self.s.stage, FulfillmentState.SHIPPED), "TikTok shipping label issued")

    # --- after hand-over -----------------------------------------------------------------------

    async def _follow_package(self) -> None:
        """Carrier webhooks move the package; if none come for a while, ask the carrier (or TikTok)."""
        if await self._wait_for_news(timeout=self.policy.tracking_poll):
            return
        if self.s.label is None:
            self._tiktok_news = True  # TikTok's carrier: TikTok's status is our tracking
            return
        tracking: Tracking = await self._activity(
            contracts.TRACK_LABEL,
            self.s.label,
            Tracking,
            summary="poll carrier tracking",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )
        self._apply_tracking(tracking.status, "carrier poll")

    async def _await_completion(self) -> None:
        """Delivered: TikTok completes the order after its return window, or we do when ours ends."""
        if await self._wait_for_news(timeout=self.policy.return_window):
            return
        self._move(FulfillmentState.COMPLETED, "return window over")

    def _apply_tracking(self, status: TrackingStatus, source: str) -> None:
        self.s.tracking_status = status
        seen = state_for_tracking(status)
        if seen is not None:
            self._move(advance(self.s.stage, seen), f"{source}: {status.value}")

    # --- cancellation --------------------------------------------------------------------------

    async def _cancel(self) -> None:
        reason = self.s.cancel_reason or ""
        order_cancelled_on_tiktok = self.s.order is not None and self.s.order.tiktok_status == "CANCELLED"
        before_handover = not reached(self.s.stage, HANDOVER)
        if not order_cancelled_on_tiktok and before_handover:
            await self._activity(
                contracts.CANCEL_ORDER,
                contracts.CancelOrderRequest(shop_id=self.s.shop_id, order_id=self.s.order_id, reason=reason),
                type(None),
                summary="cancel on TikTok",
                **self._on(shared.TIKTOK_TASK_QUEUE),
            )
        if before_handover:
            for label in [*self.s.refund_queue, *([self.s.label] if self.s.label else [])]:
                await self._refund(label)
            self.s.refund_queue.clear()
        self._move(FulfillmentState.CANCELLED, reason)

    async def _refund(self, label: Label) -> None:
        if label.label_id in self.s.refunded_label_ids:
            return
        refund: LabelRefund = await self._activity(
            contracts.REFUND_LABEL,
            label,
            LabelRefund,
            summary=f"refund label {label.tracking_number}",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )
        if refund.status is RefundStatus.REJECTED:
            raise NeedsAttention(contracts.PURCHASE_REJECTED, f"provider refused to refund {label.label_id}")
        self.s.refunded_label_ids.append(label.label_id)
        await self._activity(
            contracts.RECORD_LABEL_REFUND,
            contracts.LabelRefundRecord(
                idempotency_key=label.idempotency_key,
                status="REFUNDED" if refund.status is RefundStatus.REFUNDED else "REFUND_REQUESTED",
            ),
            type(None),
            summary="record refund",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )
        self.s.note(workflow.now(), f"label {label.tracking_number} refund {refund.status.value}")

    # --- stock -----------------------------------------------------------------------------------

    def _needs_stock(self) -> bool:
        """Paid, not shipped, ours to ship from our shelf, and nothing held for it yet."""
        order = self.s.order
        return (
            order is not None
            and order.mode is not FulfillmentMode.FBT
            and self.s.stage in (FulfillmentState.ON_HOLD, FulfillmentState.READY)
            and not self.s.stock_reserved
            and not self.s.shipped_on_tiktok
        )

    async def _reserve_stock(self) -> None:
        """Hold the order's units (idempotent by order id); with none left it never ships as if it had
        them: it waits for an operator (restock, then retry; or cancel)."""
        assert self.s.order is not None
        reservation: Reservation = await self._activity(
            contracts.RESERVE_STOCK,
            contracts.StockRequest(
                shop_id=self.s.shop_id, order_id=self.s.order_id, items=self.s.order.items
            ),
            Reservation,
            summary="reserve stock",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )
        if not reservation.reserved:
            raise NeedsAttention(OUT_OF_STOCK, f"no stock left for SKU {', '.join(reservation.short)}")
        self.s.stock_reserved = True

    # --- after-sales: buyers' cancellations, refunds and returns ----------------------------------

    async def _read_aftersales(self) -> None:
        self._aftersales_news = False
        found: contracts.AfterSales = await self._activity(
            contracts.FETCH_AFTERSALES,
            contracts.OrderRef(shop_id=self.s.shop_id, order_id=self.s.order_id),
            contracts.AfterSales,
            summary="read cancellation and return requests from TikTok",
            **self._on(shared.TIKTOK_TASK_QUEUE),
        )
        self.s.cancellation = latest(found.cancellations) or self.s.cancellation
        self.s.return_request = latest(found.returns) or self.s.return_request

    async def _after_sales(self) -> bool:
        """Act on an open cancellation or return request; True when the loop has nothing else to do now."""
        cancellation, request = self.s.cancellation, self.s.return_request
        if cancellation is not None and cancellation.request_id not in self.s.finished_requests:
            return await self._answer_cancellation(cancellation)
        if request is not None and request.request_id not in self.s.finished_requests:
            return await self._follow_return(request)
        return False

    async def _answer_cancellation(self, request: AfterSaleRequest) -> bool:
        if request.status != CANCEL_PENDING:  # settled on TikTok: the order's status says the rest
            self._finish(request)
            self._tiktok_news = request.status in CANCEL_DONE
            return False
        verdict = self._verdict_for(request)
        if verdict is None and request.request_id in self.s.decided_by:
            await self._await_aftersales_news()  # answered; nothing ships until TikTok settles it
            return True
        if verdict is None:
            decision = decide_cancellation(
                self.policy.aftersales, request, handed_over=reached(self.s.stage, HANDOVER)
            )
            if not await self._approve_now(decision, request):
                return False
            approve, by = True, "policy"
        else:
            approve, by = verdict.approve, "operator"
        if approve and not reached(self.s.stage, HANDOVER):
            # Void what we bought before TikTok cancels, so no paid label outlives the order.
            for label in [*self.s.refund_queue, *([self.s.label] if self.s.label else [])]:
                await self._refund(label)
            self.s.refund_queue.clear()
        await self._send_verdict(request, approve, "", verdict, by)
        self._tiktok_news = True
        return True

    async def _await_aftersales_news(self) -> None:
        """Until TikTok or the return's carrier has news; look again now and then anyway."""
        if not await self._wait_for_news(timeout=self.policy.tracking_poll):
            self._aftersales_news = True
            await self._track_return()

    async def _follow_return(self, request: AfterSaleRequest) -> bool:
        if self.s.stage not in RETURN_STATES and request.status not in RETURN_DONE | RETURN_CLOSED:
            self.s.stage_before_return = self.s.stage
            self.s.return_rate, self.s.return_label, self.s.return_tracking_status = None, None, None
            self._move(FulfillmentState.RETURN_REQUESTED, f"buyer asks for {request.request_type}")
        received = self.s.return_tracking_status is TrackingStatus.DELIVERED
        if self.s.stage in RETURN_STATES and request.status in (AWAITING_BUYER_SHIP, BUYER_SHIPPED_ITEM):
            stage = FulfillmentState.RETURN_RECEIVED if received else FulfillmentState.RETURN_APPROVED
            self._move(stage, f"return {request.status}")
        await self._record_return(request)
        verdict = self._verdict_for(request)
        if verdict is not None:
            value = approve_decision(request) if verdict.approve else reject_decision(request)
            await self._send_verdict(request, verdict.approve, value, verdict, "operator")
            return True
        decision = decide_return(
            self.policy.aftersales,
            request,
            has_return_label=self.s.return_label is not None,
            return_delivered=received,
        )
        if decision.act is Act.REFUNDED or decision.act is Act.CLOSED:
            self._close_return(request, decision)
            return self.s.stage in TERMINAL_STATES
        if decision.act is Act.BUY_RETURN_LABEL:
            await self._buy_return_label(request)
            return True
        if decision.act is Act.APPROVE and self._key(request, decision.decision) in self.s.decisions_sent:
            decision = Decision(act=Act.NOTHING, why="answered; waiting for TikTok")
        if decision.act is Act.NOTHING:
            self._unpark_decision()  # the request moved on without an operator
            await self._await_aftersales_news()
            return True
        if not await self._approve_now(decision, request):
            return False
        await self._send_verdict(request, True, decision.decision, None, "policy")
        return True

    async def _approve_now(self, decision: Decision, request: AfterSaleRequest) -> bool:
        """True for an approval to send now; an operator's call parks the order (False once parked)."""
        attention = self.s.attention
        if decision.act is Act.ASK_OPERATOR:
            if attention is not None and attention.reason == decision.reason:
                return False  # already parked on it
            raise NeedsAttention(
                decision.reason, f"{request.kind} {request.request_id} ({request.reason}): {decision.why}"
            )
        assert decision.act is Act.APPROVE, decision
        self._unpark_decision()
        return True

    def _unpark_decision(self) -> None:
        if self.s.attention is not None and self.s.attention.reason in DECISION_REASONS:
            self.s.attention = None

    async def _send_verdict(
        self,
        request: AfterSaleRequest,
        approve: bool,
        decision: str,
        verdict: OperatorVerdict | None,
        by: str,
    ) -> None:
        key = self._key(request, decision or ("APPROVE" if approve else "REJECT"))
        await self._activity(
            contracts.DECIDE_AFTERSALE,
            contracts.AfterSaleVerdict(
                shop_id=self.s.shop_id,
                kind=request.kind,
                request_id=request.request_id,
                approve=approve,
                idempotency_key=key,
                decision=decision,
                reject_reason=verdict.reason if verdict else "",
                comment=verdict.comment if verdict else "",
            ),
            type(None),
            summary=f"{'approve' if approve else 'reject'} {request.kind} {request.request_id} {decision}",
            **self._on(shared.TIKTOK_TASK_QUEUE),
        )
        self.s.decisions_sent.append(key)
        self.s.decided_by[request.request_id] = by
        self.s.operator_verdict = None
        self.s.note(workflow.now(), f"{by}: {key.rsplit(':', 1)[-1]} {request.kind} {request.request_id}")
        self._aftersales_news = True

    def _key(self, request: AfterSaleRequest, decision: str) -> str:
        """TikTok's idempotency_key: the same decision on the same request is one call, however retried."""
        return f"{workflow.info().workflow_id}:{request.request_id}:{decision}"

    def _verdict_for(self, request: AfterSaleRequest) -> OperatorVerdict | None:
        verdict = self.s.operator_verdict
        return verdict if verdict is not None and verdict.request_id == request.request_id else None

    def _finish(self, request: AfterSaleRequest) -> None:
        self.s.finished_requests.append(request.request_id)
        if self._verdict_for(request) is not None:
            self.s.operator_verdict = None
        self._unpark_decision()
        self.s.note(workflow.now(), f"{request.kind} {request.request_id} {request.status}")

    def _close_return(self, request: AfterSaleRequest, decision: Decision) -> None:
        self._finish(request)
        order = self.s.order
        full = request.amount is None or order is None or order.total is None or request.amount >= order.total
        if decision.act is Act.REFUNDED and full:
            self._move(FulfillmentState.REFUNDED, f"refunded {request.amount} {request.currency}")
        elif self.s.stage in RETURN_STATES:
            back = self.s.stage_before_return or FulfillmentState.DELIVERED
            self._move(back, f"{request.request_type} {request.status}: {decision.why}")

    async def _buy_return_label(self, request: AfterSaleRequest) -> None:
        """A prepaid label from the buyer back to our warehouse, bought once under its own key.

        The reference has no endpoint to hand a return label to TikTok, so it stays on the order (state,
        store) for the seller to send the buyer.
        """
        order = self.s.order
        address = self.s.address_override or (order.recipient if order else None)
        if order is None or address is None:
            raise NeedsAttention(contracts.ADDRESS_INVALID, "no buyer address to send a return label from")
        key = f"{workflow.info().workflow_id}:return-label:{request.request_id}"
        if self.s.return_rate is None:
            self.s.return_rate = await self._choose_rate(
                contracts.RateQuery(reference=key, to_address=address, items=order.items, returning=True)
            )
            await self._publish()  # the choice is in history before any money is spent
        label = await self._buy(self.s.return_rate, key)
        self.s.return_label = label
        self.s.note(workflow.now(), f"return label {label.tracking_number} via {label.rate.provider}")
        await self._record_label(label)
        await self._record_return(request)

    async def _track_return(self) -> None:
        label = self.s.return_label
        if label is None or self.s.return_tracking_status is TrackingStatus.DELIVERED:
            return
        tracking: Tracking = await self._activity(
            contracts.TRACK_LABEL,
            label,
            Tracking,
            summary="poll return tracking",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )
        self.s.return_tracking_status = tracking.status

    async def _record_return(self, request: AfterSaleRequest) -> None:
        """Return analytics in the store, when something about the request changed."""
        label = self.s.return_label
        by = self.s.decided_by.get(request.request_id, "")
        seen = (request.request_id, request.status, by, label.label_id if label else "")
        if seen == self._return_recorded:
            return
        self._return_recorded = seen
        await self._activity(
            contracts.RECORD_RETURN,
            contracts.ReturnRecordUpdate(
                shop_id=self.s.shop_id,
                order_id=self.s.order_id,
                return_id=request.request_id,
                return_type=request.request_type,
                status=request.status,
                reason=request.reason,
                amount=request.amount,
                currency=request.currency,
                requested_at=request.create_time,
                refunded_at=request.update_time if request.status in RETURN_DONE else None,
                decided_by=by,
                return_label_cost=label.rate.amount if label else None,
            ),
            type(None),
            summary="record return",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )

    # --- signals: facts from TikTok and carriers ---------------------------------------------

    @workflow.signal(name=OrderMessage.TIKTOK_EVENT)
    def tiktok_event(self, event: TikTokOrderEvent) -> None:
        if not self.s.remember(event.event_id):
            return
        known = self.s.order.update_time if self.s.order else 0
        if event.kind == "status" and event.update_time < known:
            self.s.stale_ignored += 1
            return
        self._tiktok_news = True
        self._aftersales_news = self._aftersales_news or event.kind in ("cancellation", "return")
        self._notify()

    @workflow.signal(name=OrderMessage.TRACKING_EVENT)
    def tracking_event(self, event: CarrierTrackingEvent) -> None:
        if not self.s.remember(event.event_id):
            return
        if self.s.return_label is not None and event.tracking_number == self.s.return_label.tracking_number:
            self.s.return_tracking_status = event.status
            self._notify()
            return
        if self.s.tracking_number and event.tracking_number != self.s.tracking_number:
            workflow.logger.warning(
                "tracking event for %s ignored: not this order's package", event.tracking_number
            )
            return
        self._apply_tracking(event.status, f"{event.provider.value} webhook")
        self._notify()

    # --- query and operator updates ------------------------------------------------------------

    @workflow.query(name=OrderMessage.STATE)
    def state(self) -> OrderState:
        return self.s

    @workflow.update(name=OrderMessage.RETRY)
    def retry(self, request: RetryRequest) -> OrderState:
        if request.address is not None:
            self.s.address_override = request.address
        self._resume("operator: retry")
        self._notify()
        return self.s

    def _resume(self, why: str) -> None:
        """Leave NEEDS_ATTENTION and try again from a fresh read of the order."""
        if self.s.attention is not None and self.s.attention.reason in (
            contracts.NO_ELIGIBLE_RATE,
            contracts.ADDRESS_INVALID,
        ):
            self.s.rate = None
        self.s.attention = None
        self._tiktok_news = True
        self.s.note(workflow.now(), why)

    @retry.validator
    def _validate_retry(self, request: RetryRequest) -> None:
        if self.s.attention is None:
            raise ValueError(f"nothing to retry: the order is {self.s.status.value}, not NEEDS_ATTENTION")

    @workflow.update(name=OrderMessage.HOLD)
    def hold(self, request: HoldRequest) -> OrderState:
        self.s.held = True
        self.s.note(workflow.now(), f"operator: hold ({request.reason})")
        self._notify()
        return self.s

    @hold.validator
    def _validate_hold(self, request: HoldRequest) -> None:
        self._require_before_handover("hold")
        if self.s.held:
            raise ValueError("the order is already held")

    @workflow.update(name=OrderMessage.RELEASE)
    def release(self) -> OrderState:
        self.s.held = False
        self._tiktok_news = True
        self.s.note(workflow.now(), "operator: release")
        self._notify()
        return self.s

    @release.validator
    def _validate_release(self) -> None:
        if not self.s.held:
            raise ValueError("the order is not held")

    @workflow.update(name=OrderMessage.RESHIP)
    def reship(self, request: ReshipRequest) -> OrderState:
        """Buy a new label with another provider/service; the current label (if any) is refunded."""
        if self.s.label is not None:
            self.s.refund_queue.append(self.s.label)
        self.s.label = None
        self.s.rate = None
        self.s.label_generation += 1
        self.s.pinned_provider = request.provider
        self.s.pinned_service = request.service
        self.s.attention = None
        self.s.note(workflow.now(), f"operator: reship with {request.provider.value} {request.service or ''}")
        self._notify()
        return self.s

    @reship.validator
    def _validate_reship(self, request: ReshipRequest) -> None:
        self._require_before_handover("reship")
        if self.s.order is not None and self.s.order.mode is not FulfillmentMode.SELLER_SHIPPED:
            raise ValueError("only seller-shipped orders have labels we buy")
        if self.s.shipped_on_tiktok:
            raise ValueError("TikTok already has this order's tracking number; it cannot be reshipped here")

    @workflow.update(name=OrderMessage.CANCEL)
    def cancel(self, request: CancelRequest) -> OrderState:
        self.s.cancel_reason = request.reason
        self.s.note(workflow.now(), f"operator: cancel ({request.reason})")
        self._notify()
        return self.s

    @cancel.validator
    def _validate_cancel(self, request: CancelRequest) -> None:
        self._require_before_handover("cancel")

    @workflow.update(name=OrderMessage.APPROVE)
    def approve_aftersale(self, request: ApproveRequest) -> OrderState:
        return self._decide_by_hand(OperatorVerdict(request_id="", approve=True, comment=request.comment))

    @approve_aftersale.validator
    def _validate_approve(self, request: ApproveRequest) -> None:
        self._require_parked_request()

    @workflow.update(name=OrderMessage.REJECT)
    def reject_aftersale(self, request: RejectRequest) -> OrderState:
        verdict = OperatorVerdict(
            request_id="", approve=False, reason=request.reason, comment=request.comment
        )
        return self._decide_by_hand(verdict)

    @reject_aftersale.validator
    def _validate_reject(self, request: RejectRequest) -> None:
        self._require_parked_request()
        if not request.reason.strip():
            raise ValueError("a rejection needs TikTok's reject reason code")

    def _parked_request(self) -> AfterSaleRequest | None:
        attention = self.s.attention
        if attention is None or attention.reason not in DECISION_REASONS:
            return None
        if attention.reason == CANCELLATION_NEEDS_DECISION:
            return self.s.cancellation
        return self.s.return_request

    def _require_parked_request(self) -> None:
        if self._parked_request() is None:
            raise ValueError(
                f"no cancellation or return waits for a decision: the order is {self.s.status.value}"
            )

    def _decide_by_hand(self, verdict: OperatorVerdict) -> OrderState:
        request = self._parked_request()
        assert request is not None  # the validator checked
        self.s.operator_verdict = verdict.model_copy(update={"request_id": request.request_id})
        self.s.attention = None
        word = "approve" if verdict.approve else f"reject ({verdict.reason})"
        self.s.note(workflow.now(), f"operator: {word} {request.kind} {request.request_id}")
        self._notify()
        return self.s

    def _require_before_handover(self, action: str) -> None:
        if self.s.stage in TERMINAL_STATES | RETURN_STATES or reached(self.s.stage, HANDOVER):
            raise ValueError(f"cannot {action}: the order is already {self.s.stage.value}")

    # --- bookkeeping ---------------------------------------------------------------------------

    def _move(self, stage: FulfillmentState, why: str) -> None:
        if stage != self.s.stage:
            self.s.note(workflow.now(), f"{self.s.stage.value} -> {stage.value}: {why}")
            self.s.stage = stage
            self._metrics.add(ORDER_TRANSITIONS, state=stage.value)

    def _count_label(self, label: Label) -> None:
        rate = label.rate
        self._metrics.add(LABELS_BOUGHT, provider=rate.provider.value, carrier=rate.carrier)
        self._metrics.add(
            LABEL_SPEND, int(rate.amount * 100), provider=rate.provider.value, carrier=rate.carrier
        )

    # --- TikTok's ship-by ----------------------------------------------------------------------

    def _late_risk_at(self) -> datetime | None:
        """When this order becomes at risk of a late dispatch; None if that cannot or did already happen."""
        order = self.s.order
        if order is None or order.ship_by is None or self.s.late_risk_since is not None:
            return None
        if not self._awaiting_carrier():
            return None
        return order.ship_by - self.policy.late_shipment_margin

    def _watch_ship_by(self) -> None:
        flag_at, order = self._late_risk_at(), self.s.order
        if flag_at is None or order is None or workflow.now() < flag_at:
            return
        self.s.late_risk_since = workflow.now()
        self.s.note(
            workflow.now(),
            f"at risk: not with the carrier yet, TikTok's ship-by is {order.ship_by:%Y-%m-%d %H:%M} UTC",
        )
        workflow.logger.warning(
            "order at risk of late dispatch: ship-by %s, state %s", order.ship_by, self.s.status.value
        )
        self._metrics.add(LATE_SHIPMENT_RISKS, shop_id=self.s.shop_id)

    def _at_late_risk(self) -> bool:
        """Flagged, and still not with the carrier (and not over)."""
        return self.s.late_risk_since is not None and self._awaiting_carrier()

    def _awaiting_carrier(self) -> bool:
        """Not over, and no carrier scan yet: what TikTok's dispatch clock is still running on."""
        return self.s.stage not in TERMINAL_STATES and not reached(self.s.stage, HANDOVER)

    def _park(self, reason: str, message: str) -> None:
        self.s.attention = Attention(reason=reason, message=message, since=workflow.now())
        self.s.note(workflow.now(), f"needs attention: {reason}: {message}")
        # The message may quote the recipient (a carrier refusing an address): it stays in the encrypted state
        workflow.logger.warning("order needs attention: %s (the state query has the details)", reason)

    def _on(self, task_queue: str) -> dict[str, Any]:
        """Activity options: retried until they succeed or fail for a reason retrying cannot fix."""
        return {
            "task_queue": task_queue,
            "start_to_close_timeout": self.policy.activity_timeout,
            "retry_policy": RETRY_FOREVER,
        }

    async def _activity(
        self, name: str, arg: Any, result_type: type[T], *, summary: str, **options: Any
    ) -> T:
        """Run an activity; a non-retryable failure parks the order instead of failing the workflow."""
        try:
            return await workflow.execute_activity(
                name, arg, result_type=result_type, summary=summary, **options
            )
        except ActivityError as err:
            cause = err.cause
            if isinstance(cause, ApplicationError) and cause.non_retryable:
                raise NeedsAttention(cause.type or "ActivityFailed", cause.message) from err
            raise

    async def _publish(self) -> None:
        """Search attributes, UI details and the store's projection, when something visible changed."""
        if workflow.patched(LATE_SHIPMENT_PATCH):
            self._watch_ship_by()
        s, order = self.s, self.s.order
        visible = (
            self._at_late_risk(),
            s.status,
            order.tiktok_status if order else "",
            s.carrier,
            s.tracking_number,
            s.attention,
            s.return_label.tracking_number if s.return_label else "",
        )
        if visible == self._published:
            return
        self._published = visible
        updates: list[SearchAttributeUpdate[Any]] = [
            shared.SHOP_ID.value_set(s.shop_id),
            shared.ORDER_ID.value_set(s.order_id),
            shared.FULFILLMENT_STATE.value_set(s.status.value),
            shared.ATTENTION_REASON.value_set(s.attention.reason)
            if s.attention
            else shared.ATTENTION_REASON.value_unset(),
        ]
        if order is not None:
            updates += [
                shared.TIKTOK_STATUS.value_set(order.tiktok_status),
                shared.FULFILLMENT_MODE.value_set(order.mode.value),
            ]
            if order.ship_by is not None:
                updates.append(shared.SHIP_BY.value_set(order.ship_by))
        if s.carrier:
            updates.append(shared.CARRIER.value_set(s.carrier))
        if s.tracking_number:
            updates.append(shared.TRACKING_NUMBER.value_set(s.tracking_number))
        if s.label is not None:
            updates.append(shared.LABEL_COST_CENTS.value_set(int(s.label.rate.amount * 100)))
        if s.late_risk_since is not None:
            updates.append(shared.LATE_SHIPMENT_RISK.value_set(self._at_late_risk()))
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details())
        await self._activity(
            contracts.RECORD_ORDER,
            contracts.OrderRecordUpdate(
                shop_id=s.shop_id,
                order_id=s.order_id,
                state=s.status.value,
                tiktok_status=order.tiktok_status if order else "",
                tiktok_update_time=order.update_time if order else 0,
                carrier=s.carrier,
                tracking_number=s.tracking_number,
                ship_by=order.ship_by if order else None,
            ),
            type(None),
            summary="record state",
            **self._on(shared.ORDERS_TASK_QUEUE),
        )

    def _details(self) -> str:
        s = self.s
        lines = [
            f"**{s.status.value}**"
            + (f" — {s.attention.reason}: {s.attention.message}" if s.attention else "")
        ]
        if s.order is not None:
            lines.append(f"TikTok: {s.order.tiktok_status} · {s.order.mode.value}")
            if s.order.ship_by:
                risk = " — **at risk of late dispatch**" if self._at_late_risk() else ""
                lines.append(f"Ship by: {s.order.ship_by:%Y-%m-%d %H:%M} UTC{risk}")
        if s.label is not None:
            rate = s.label.rate
            lines.append(
                f"Label: {rate.carrier} {rate.service} {rate.amount} {rate.currency} ({rate.provider.value})"
            )
        if s.tracking_number:
            lines.append(
                f"Tracking: {s.tracking_number}"
                + (f" ({s.tracking_status.value})" if s.tracking_status else "")
            )
        if s.return_request is not None:
            r = s.return_request
            lines.append(f"Return: {r.request_type} {r.amount} {r.currency} · {r.status} · {r.reason}")
        if s.return_label is not None:
            lines.append(
                f"Return label: {s.return_label.tracking_number} ({s.return_label.rate.provider.value})"
            )
        lines += ["", "Recent:", *(f"- {entry}" for entry in s.history[-5:])]
        return "\n".join(lines)
