"""Buyers' cancellations and returns, answered by the after-sales policy (`creatorflow.aftersales`), each
answer under TikTok's idempotency key; what the policy does not cover waits for an operator."""

from __future__ import annotations

from temporalio import workflow

from workflows.order.base import HANDOVER, NeedsAttention
from workflows.order.packages import OrderPackages

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.aftersales import (
        AWAITING_BUYER_SHIP,
        BUYER_SHIPPED_ITEM,
        CANCEL_DONE,
        CANCEL_PENDING,
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
    from creatorflow.domain import Tracking, TrackingStatus
    from creatorflow.orders import RETURN_STATES, TERMINAL_STATES, FulfillmentState, OperatorVerdict, reached


class OrderAfterSales(OrderPackages):
    async def _read_aftersales(self) -> None:
        self._aftersales_news = False
        found: contracts.AfterSales = await self._call(
            contracts.FETCH_AFTERSALES,
            contracts.OrderRef(shop_id=self.state.shop_id, order_id=self.state.order_id),
            summary="read cancellation and return requests from TikTok",
        )
        self.state.cancellation = latest(found.cancellations) or self.state.cancellation
        self.state.return_request = latest(found.returns) or self.state.return_request

    async def _after_sales(self) -> bool:
        """Act on an open cancellation or return request; True when the loop has nothing else to do now."""
        cancellation, request = self.state.cancellation, self.state.return_request
        if cancellation is not None and cancellation.request_id not in self.state.finished_requests:
            return await self._answer_cancellation(cancellation)
        if request is not None and request.request_id not in self.state.finished_requests:
            return await self._follow_return(request)
        return False

    async def _answer_cancellation(self, request: AfterSaleRequest) -> bool:
        if request.status != CANCEL_PENDING:  # settled on TikTok: the order's status says the rest
            self._finish(request)
            self._tiktok_news = request.status in CANCEL_DONE
            return False
        verdict = self._verdict_for(request)
        if verdict is None and request.request_id in self.state.decided_by:
            await self._await_aftersales_news()  # answered; nothing ships until TikTok settles it
            return True
        if verdict is None:
            decision = decide_cancellation(
                self.policy.aftersales, request, handed_over=reached(self.state.stage, HANDOVER)
            )
            if not await self._approve_now(decision, request):
                return False
            approve, by = True, "policy"
        else:
            approve, by = verdict.approve, "operator"
        if approve and not reached(self.state.stage, HANDOVER):
            # Void what we bought before TikTok cancels, so no paid label outlives the order.
            for label in [*self.state.refund_queue, *([self.state.label] if self.state.label else [])]:
                await self._refund(label)
            self.state.refund_queue.clear()
        await self._send_verdict(request, approve, "", verdict, by)
        self._tiktok_news = True
        return True

    async def _await_aftersales_news(self) -> None:
        """Until TikTok or the return's carrier has news; look again now and then anyway."""
        if not await self._wait_for_news(timeout=self.policy.tracking_poll):
            self._aftersales_news = True
            await self._track_return()

    async def _follow_return(self, request: AfterSaleRequest) -> bool:
        if self.state.stage not in RETURN_STATES and request.status not in RETURN_DONE | RETURN_CLOSED:
            self.state.stage_before_return = self.state.stage
            self.state.return_rate, self.state.return_label, self.state.return_tracking_status = (
                None,
                None,
                None,
            )
            self._move(FulfillmentState.RETURN_REQUESTED, f"buyer asks for {request.request_type}")
        received = self.state.return_tracking_status is TrackingStatus.DELIVERED
        if self.state.stage in RETURN_STATES and request.status in (AWAITING_BUYER_SHIP, BUYER_SHIPPED_ITEM):
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
            has_return_label=self.state.return_label is not None,
            return_delivered=received,
        )
        if decision.act is Act.REFUNDED or decision.act is Act.CLOSED:
            self._close_return(request, decision)
            return self.state.stage in TERMINAL_STATES
        if decision.act is Act.BUY_RETURN_LABEL:
            await self._buy_return_label(request)
            return True
        if decision.act is Act.APPROVE and self._key(request, decision.decision) in self.state.decisions_sent:
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
        attention = self.state.attention
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
        if self.state.attention is not None and self.state.attention.reason in DECISION_REASONS:
            self.state.attention = None

    async def _send_verdict(
        self,
        request: AfterSaleRequest,
        approve: bool,
        decision: str,
        verdict: OperatorVerdict | None,
        by: str,
    ) -> None:
        key = self._key(request, decision or ("APPROVE" if approve else "REJECT"))
        await self._call(
            contracts.DECIDE_AFTERSALE,
            contracts.AfterSaleVerdict(
                shop_id=self.state.shop_id,
                kind=request.kind,
                request_id=request.request_id,
                approve=approve,
                idempotency_key=key,
                decision=decision,
                reject_reason=verdict.reason if verdict else "",
                comment=verdict.comment if verdict else "",
            ),
            summary=f"{'approve' if approve else 'reject'} {request.kind} {request.request_id} {decision}",
        )
        self.state.decisions_sent.append(key)
        self.state.decided_by[request.request_id] = by
        self.state.operator_verdict = None
        self.state.note(workflow.now(), f"{by}: {key.rsplit(':', 1)[-1]} {request.kind} {request.request_id}")
        self._aftersales_news = True

    def _key(self, request: AfterSaleRequest, decision: str) -> str:
        """TikTok's idempotency_key: the same decision on the same request is one call, however retried."""
        return f"{workflow.info().workflow_id}:{request.request_id}:{decision}"

    def _verdict_for(self, request: AfterSaleRequest) -> OperatorVerdict | None:
        verdict = self.state.operator_verdict
        return verdict if verdict is not None and verdict.request_id == request.request_id else None

    def _finish(self, request: AfterSaleRequest) -> None:
        self.state.finished_requests.append(request.request_id)
        if self._verdict_for(request) is not None:
            self.state.operator_verdict = None
        self._unpark_decision()
        self.state.note(workflow.now(), f"{request.kind} {request.request_id} {request.status}")

    def _close_return(self, request: AfterSaleRequest, decision: Decision) -> None:
        self._finish(request)
        order = self.state.order
        full = request.amount is None or order is None or order.total is None or request.amount >= order.total
        if decision.act is Act.REFUNDED and full:
            self._move(FulfillmentState.REFUNDED, f"refunded {request.amount} {request.currency}")
        elif self.state.stage in RETURN_STATES:
            back = self.state.stage_before_return or FulfillmentState.DELIVERED
            self._move(back, f"{request.request_type} {request.status}: {decision.why}")

    async def _buy_return_label(self, request: AfterSaleRequest) -> None:
        """A prepaid label from the buyer back to our warehouse, bought once under its own key.

        The reference has no endpoint to hand a return label to TikTok, so it stays on the order (state,
        store) for the seller to send the buyer.
        """
        order = self.state.order
        address = self.state.address_override or (order.recipient if order else None)
        if order is None or address is None:
            raise NeedsAttention(contracts.ADDRESS_INVALID, "no buyer address to send a return label from")
        key = f"{workflow.info().workflow_id}:return-label:{request.request_id}"
        if self.state.return_rate is None:
            self.state.return_rate = await self._choose_rate(
                self._rate_query(key, address, order).model_copy(update={"returning": True})
            )
            await self._publish()  # the choice is in history before any money is spent
        label = await self._buy(self.state.return_rate, key)
        self.state.return_label = label
        self.state.note(workflow.now(), f"return label {label.tracking_number} via {label.rate.provider}")
        await self._record_label(label)
        await self._record_return(request)

    async def _track_return(self) -> None:
        label = self.state.return_label
        if label is None or self.state.return_tracking_status is TrackingStatus.DELIVERED:
            return
        tracking: Tracking = await self._call(
            contracts.TRACK_LABEL,
            label,
            summary="poll return tracking",
        )
        self.state.return_tracking_status = tracking.status

    async def _record_return(self, request: AfterSaleRequest) -> None:
        """Return analytics in the store, when something about the request changed."""
        label = self.state.return_label
        by = self.state.decided_by.get(request.request_id, "")
        seen = (request.request_id, request.status, by, label.label_id if label else "")
        if seen == self._return_recorded:
            return
        self._return_recorded = seen
        await self._call(
            contracts.RECORD_RETURN,
            contracts.ReturnRecordUpdate(
                shop_id=self.state.shop_id,
                order_id=self.state.order_id,
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
            summary="record return",
        )
