"""`OrderWorkflow` itself: its start, the run loop that does the next piece of work, and the signal, query
and update handlers (their names in `creatorflow.names.OrderMessage`)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

from workflows.order.base import HANDOVER, SHOP_NOT_AUTHORIZED, NeedsAttention
from workflows.order.patches import AFTERSALES_PATCH, PAYMENT_HOLD_PATCH, SHOP_RECHECK_PATCH, STOCK_PATCH
from workflows.order.readdress import OrderReaddress

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.aftersales import CANCELLATION_NEEDS_DECISION, DECISION_REASONS, AfterSaleRequest
    from creatorflow.metrics import MeterMetrics
    from creatorflow.names import OrderMessage
    from creatorflow.order_requests import (
        ApproveRequest,
        CancelRequest,
        HoldRequest,
        RejectRequest,
        ReshipRequest,
        RetryRequest,
    )
    from creatorflow.orders import (
        RETURN_STATES,
        TERMINAL_STATES,
        CarrierTrackingEvent,
        FulfillmentMode,
        FulfillmentState,
        OperatorVerdict,
        OrderInput,
        OrderSnapshot,
        OrderState,
        TikTokOrderEvent,
        advance,
        reached,
        state_for_tiktok_status,
    )
    from creatorflow.shops import PaymentHold


@workflow.defn
class OrderWorkflow(OrderReaddress):
    @workflow.init
    def __init__(self, input: OrderInput) -> None:
        self.state = input.carried or OrderState(shop_id=input.shop_id, order_id=input.order_id)
        self.policy = input.policy
        self._tiktok_news = input.carried is None  # read the order from TikTok first thing
        self._aftersales_news = False
        self._wake = False
        self._published = ()
        self._return_recorded = ()
        self._metrics = MeterMetrics(workflow.metric_meter())  # not counted again on replay

    # --- run loop ------------------------------------------------------------------------------------

    @workflow.run
    async def run(self, input: OrderInput) -> OrderState:
        while self.state.stage not in TERMINAL_STATES:
            if workflow.info().is_continue_as_new_suggested():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(
                    OrderInput(
                        shop_id=self.state.shop_id,
                        order_id=self.state.order_id,
                        policy=self.policy,
                        carried=self.state,
                    )
                )
            try:
                await self._step()
            except NeedsAttention as problem:
                self._park(problem.reason, problem.message)
            await self._publish()
        await workflow.wait_condition(workflow.all_handlers_finished)
        return self.state

    async def _step(self) -> None:
        if self._tiktok_news:
            await self._read_tiktok()
        if self._aftersales_news and workflow.patched(AFTERSALES_PATCH):
            await self._read_aftersales()
        if self.state.stage in TERMINAL_STATES:
            return
        if self.state.cancel_reason is not None:
            await self._cancel()
            return
        if await self._after_sales():
            return
        if self.state.held or self.state.attention is not None:
            await self._wait_while_parked()
            return
        order, stage = self.state.order, self.state.stage
        if self._needs_stock() and workflow.patched(PAYMENT_HOLD_PATCH) and await self._in_payment_hold():
            return
        if self._needs_stock() and workflow.patched(STOCK_PATCH):
            await self._reserve_stock()
        elif order is None or stage in (FulfillmentState.AWAITING_PAYMENT, FulfillmentState.ON_HOLD):
            await self._wait_for_news(timeout=self.policy.hold_poll)
            self._tiktok_news = True
        elif self.state.refund_queue:
            await self._refund(self.state.refund_queue[0])
            self.state.refund_queue.pop(0)
        elif self.state.tiktok_tracking_stale:
            await self._relabel_shipped()
        elif reached(stage, HANDOVER) or self.state.shipped_on_tiktok or order.mode is FulfillmentMode.FBT:
            await self._after_handover(stage)
        elif order.mode is FulfillmentMode.TIKTOK_SHIPPED:
            await self._arrange_tiktok_shipment()
        elif self._ships_as_packages(order):
            await self._ship_packages(order)
        elif self.state.label is None:
            await self._buy_label_or_split(order)
        else:
            await self._ship_on_tiktok()

    async def _in_payment_hold(self) -> bool:
        """The shop's own hold after payment (`creatorflow shops hold`): until it ends nothing is reserved
        or bought, so a buyer who cancels meanwhile costs the seller nothing (the cancellation is acted on
        at the top of the next step). Read once, when the order is first seen paid; counted from TikTok's
        paid_time, or, if TikTok gave none, from when we saw it paid. True while it lasts."""
        order = self.state.order
        assert order is not None
        if self.state.payment_hold_until is None:
            read: PaymentHold = await self._call(
                contracts.READ_PAYMENT_HOLD,
                contracts.ShopRef(shop_id=self.state.shop_id),
                summary="read the shop's hold after payment",
            )
            until = (order.paid_at or workflow.now()) + read.hold
            self.state.payment_hold_until = until
            if until > workflow.now():
                self.state.note(
                    workflow.now(), f"held by the shop after payment until {until:%Y-%m-%d %H:%M} UTC"
                )
        left = self.state.payment_hold_until - workflow.now()
        if left <= timedelta(0):
            return False
        await self._wait_for_news(timeout=left)
        return True

    async def _after_handover(self, stage: FulfillmentState) -> None:
        if not reached(stage, FulfillmentState.DELIVERED):
            await self._follow_package()
        else:
            await self._await_completion()

    async def _wait_while_parked(self) -> None:
        """Held or parked: wait for an operator, or, parked for the shop's authorization, for the seller.

        The order asks the store again every `policy.shop_recheck` and retries by itself once the shop is
        ACTIVE again. Polling its own shop, rather than the shop's workflow sweeping its parked orders
        when the seller reconnects, needs no visibility query: those are eventually consistent, so an
        order parking while the seller reconnects could be missed by the sweep and wait for ever. The
        price is one store read per parked order and interval, and a resume up to one interval late.
        """
        attention = self.state.attention
        waits_for_seller = (
            not self.state.held
            and attention is not None
            and attention.reason in SHOP_NOT_AUTHORIZED
            and workflow.patched(SHOP_RECHECK_PATCH)
        )
        woken = await self._wait_for_news(timeout=self.policy.shop_recheck if waits_for_seller else None)
        if waits_for_seller and not woken:
            await self._recheck_shop()

    async def _recheck_shop(self) -> None:
        """Retry once the seller authorized the app again; still parked (quietly) while they have not."""
        assert self.state.attention is not None
        parked_for = self.state.attention.reason
        try:
            await self._require_authorized_shop()
        except NeedsAttention as still:
            if self.state.attention is not None and still.reason == parked_for:
                return
            raise  # parked anew: the reason changed, or an operator's retry came meanwhile
        if self.state.attention is not None:  # else an operator's retry came meanwhile
            self._resume("the seller authorized the app again: retry")

    # --- reading TikTok ------------------------------------------------------------------------------

    async def _read_tiktok(self) -> None:
        self._tiktok_news = False
        snapshot: OrderSnapshot = await self._call(
            contracts.FETCH_ORDER,
            contracts.OrderRef(shop_id=self.state.shop_id, order_id=self.state.order_id),
            summary="read order from TikTok",
        )
        before = self.state.order
        if before is not None and snapshot.update_time < before.update_time:
            return  # an older read cannot overrule a newer one
        self.state.order = snapshot
        # The buyer asked to cancel: look at the request even if its webhook never came.
        self._aftersales_news = self._aftersales_news or snapshot.buyer_requested_cancel
        if snapshot.shipping_provider and not self.state.carrier:
            self.state.carrier = snapshot.shipping_provider
        if snapshot.tracking_number and not self.state.tracking_number:
            self.state.tracking_number = snapshot.tracking_number
        seen = state_for_tiktok_status(snapshot.tiktok_status)
        if snapshot.tiktok_status == "PARTIALLY_SHIPPING" and self._packages_pending():
            seen = None  # we ship its packages one by one: shipped once the last is
        if seen is FulfillmentState.CANCELLED:
            self.state.cancel_reason = self.state.cancel_reason or "cancelled on TikTok"
        elif seen is not None:
            if reached(seen, FulfillmentState.SHIPPED) and not reached(
                self.state.stage, FulfillmentState.SHIPPED
            ):
                # Shipped before we got to it (backfill, or another tool): record, never buy.
                self.state.shipped_on_tiktok = True
            self._move(advance(self.state.stage, seen), f"TikTok says {snapshot.tiktok_status}")
        self._follow_address(before, snapshot)

    # --- signals: facts from TikTok and carriers -----------------------------------------------------

    @workflow.signal(name=OrderMessage.TIKTOK_EVENT)
    def tiktok_event(self, event: TikTokOrderEvent) -> None:
        if not self.state.remember(event.event_id):
            return
        known = self.state.order.update_time if self.state.order else 0
        if event.kind == "status" and event.update_time < known:
            self.state.stale_ignored += 1
            return
        self._tiktok_news = True
        self._aftersales_news = self._aftersales_news or event.kind in ("cancellation", "return")
        self._notify()

    @workflow.signal(name=OrderMessage.TRACKING_EVENT)
    def tracking_event(self, event: CarrierTrackingEvent) -> None:
        if not self.state.remember(event.event_id):
            return
        if (
            self.state.return_label is not None
            and event.tracking_number == self.state.return_label.tracking_number
        ):
            self.state.return_tracking_status = event.status
            self._notify()
            return
        if self._track_package(event.tracking_number, event.status, f"{event.provider.value} webhook"):
            self._notify()
            return
        if self.state.tracking_number and event.tracking_number != self.state.tracking_number:
            workflow.logger.warning(
                "tracking event for %s ignored: not this order's package", event.tracking_number
            )
            return
        self._apply_tracking(event.status, f"{event.provider.value} webhook")
        self._notify()

    # --- query and operator updates ------------------------------------------------------------------

    @workflow.query(name=OrderMessage.STATE)
    def current_state(self) -> OrderState:
        return self.state

    @workflow.update(name=OrderMessage.RETRY)
    def retry(self, request: RetryRequest) -> OrderState:
        if request.address is not None:
            self.state.address_override = request.address
        self._resume("operator: retry")
        self._notify()
        return self.state

    def _resume(self, why: str) -> None:
        """Leave NEEDS_ATTENTION and try again from a fresh read of the order."""
        if self.state.attention is not None and self.state.attention.reason in (
            contracts.NO_ELIGIBLE_RATE,
            contracts.ADDRESS_INVALID,
        ):
            self.state.rate = None
        self.state.attention = None
        self._tiktok_news = True
        self.state.note(workflow.now(), why)

    @retry.validator
    def _validate_retry(self, request: RetryRequest) -> None:
        if self.state.attention is None:
            raise ValueError(f"nothing to retry: the order is {self.state.status.value}, not NEEDS_ATTENTION")

    @workflow.update(name=OrderMessage.HOLD)
    def hold(self, request: HoldRequest) -> OrderState:
        self.state.held = True
        self.state.note(workflow.now(), f"operator: hold ({request.reason})")
        self._notify()
        return self.state

    @hold.validator
    def _validate_hold(self, request: HoldRequest) -> None:
        self._require_before_handover("hold")
        if self.state.held:
            raise ValueError("the order is already held")

    @workflow.update(name=OrderMessage.RELEASE)
    def release(self) -> OrderState:
        self.state.held = False
        self._tiktok_news = True
        self.state.note(workflow.now(), "operator: release")
        self._notify()
        return self.state

    @release.validator
    def _validate_release(self) -> None:
        if not self.state.held:
            raise ValueError("the order is not held")

    @workflow.update(name=OrderMessage.RESHIP)
    def reship(self, request: ReshipRequest) -> OrderState:
        """Buy a new label with another provider/service; the current label (if any) is refunded."""
        if self.state.label is not None:
            self.state.refund_queue.append(self.state.label)
        self.state.label = None
        self.state.rate = None
        self.state.label_generation += 1
        self.state.pinned_provider = request.provider
        self.state.pinned_service = request.service
        self.state.attention = None
        self.state.note(
            workflow.now(), f"operator: reship with {request.provider.value} {request.service or ''}"
        )
        self._notify()
        return self.state

    @reship.validator
    def _validate_reship(self, request: ReshipRequest) -> None:
        self._require_before_handover("reship")
        if self.state.order is not None and self.state.order.mode is not FulfillmentMode.SELLER_SHIPPED:
            raise ValueError("only seller-shipped orders have labels we buy")
        if self.state.shipped_on_tiktok:
            raise ValueError("TikTok already has this order's tracking number; it cannot be reshipped here")
        if self.state.packages:
            raise ValueError("the order ships as several packages; reshipping one is not supported yet")

    @workflow.update(name=OrderMessage.CANCEL)
    def cancel(self, request: CancelRequest) -> OrderState:
        self.state.cancel_reason = request.reason
        self.state.note(workflow.now(), f"operator: cancel ({request.reason})")
        self._notify()
        return self.state

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
        attention = self.state.attention
        if attention is None or attention.reason not in DECISION_REASONS:
            return None
        if attention.reason == CANCELLATION_NEEDS_DECISION:
            return self.state.cancellation
        return self.state.return_request

    def _require_parked_request(self) -> None:
        if self._parked_request() is None:
            raise ValueError(
                f"no cancellation or return waits for a decision: the order is {self.state.status.value}"
            )

    def _decide_by_hand(self, verdict: OperatorVerdict) -> OrderState:
        request = self._parked_request()
        assert request is not None  # the validator checked
        self.state.operator_verdict = verdict.model_copy(update={"request_id": request.request_id})
        self.state.attention = None
        word = "approve" if verdict.approve else f"reject ({verdict.reason})"
        self.state.note(workflow.now(), f"operator: {word} {request.kind} {request.request_id}")
        self._notify()
        return self.state

    def _require_before_handover(self, action: str) -> None:
        if self.state.stage in TERMINAL_STATES | RETURN_STATES or reached(self.state.stage, HANDOVER):
            raise ValueError(f"cannot {action}: the order is already {self.state.stage.value}")
