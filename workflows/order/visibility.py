"""What people see of an order while it runs: search attributes, the UI's details, the store's projection,
and the watch on TikTok's ship-by that flags an order at risk of a late dispatch."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeUpdate

from workflows import search_attributes
from workflows.order.base import HANDOVER, OrderBase
from workflows.order.patches import LATE_SHIPMENT_PATCH

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.metrics import LATE_SHIPMENT_RISKS
    from creatorflow.orders import TERMINAL_STATES, reached
    from creatorflow.packages import describe_package


class OrderVisibility(OrderBase):
    # --- waiting, bounded by the ship-by watch -------------------------------------------------------

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

    # --- TikTok's ship-by ----------------------------------------------------------------------------

    def _late_risk_at(self) -> datetime | None:
        """When this order becomes at risk of a late dispatch; None if that cannot or did already happen."""
        order = self.state.order
        if order is None or order.ship_by is None or self.state.late_risk_since is not None:
            return None
        if not self._awaiting_carrier():
            return None
        return order.ship_by - self.policy.late_shipment_margin

    def _watch_ship_by(self) -> None:
        flag_at, order = self._late_risk_at(), self.state.order
        if flag_at is None or order is None or workflow.now() < flag_at:
            return
        self.state.late_risk_since = workflow.now()
        self.state.note(
            workflow.now(),
            f"at risk: not with the carrier yet, TikTok's ship-by is {order.ship_by:%Y-%m-%d %H:%M} UTC",
        )
        workflow.logger.warning(
            "order at risk of late dispatch: ship-by %s, state %s", order.ship_by, self.state.status.value
        )
        self._metrics.add(LATE_SHIPMENT_RISKS, shop_id=self.state.shop_id)

    def _at_late_risk(self) -> bool:
        """Flagged, and still not with the carrier (and not over)."""
        return self.state.late_risk_since is not None and self._awaiting_carrier()

    def _awaiting_carrier(self) -> bool:
        """Not over, and no carrier scan yet: what TikTok's dispatch clock is still running on."""
        return self.state.stage not in TERMINAL_STATES and not reached(self.state.stage, HANDOVER)

    # --- search attributes, UI details, the store's projection ---------------------------------------

    async def _publish(self) -> None:
        """Search attributes, UI details and the store's projection, when something visible changed."""
        if workflow.patched(LATE_SHIPMENT_PATCH):
            self._watch_ship_by()
        s, order = self.state, self.state.order
        visible = (
            self._at_late_risk(),
            s.status,
            order.tiktok_status if order else "",
            s.carrier,
            s.tracking_number,
            s.attention,
            s.return_label.tracking_number if s.return_label else "",
            s.payment_hold_until,
            tuple((p.tracking_number, p.shipped, p.tracking_status) for p in s.packages),
        )
        if visible == self._published:
            return
        self._published = visible
        updates: list[SearchAttributeUpdate[Any]] = [
            search_attributes.SHOP_ID.value_set(s.shop_id),
            search_attributes.ORDER_ID.value_set(s.order_id),
            search_attributes.FULFILLMENT_STATE.value_set(s.status.value),
            search_attributes.ATTENTION_REASON.value_set(s.attention.reason)
            if s.attention
            else search_attributes.ATTENTION_REASON.value_unset(),
        ]
        if order is not None:
            updates += [
                search_attributes.TIKTOK_STATUS.value_set(order.tiktok_status),
                search_attributes.FULFILLMENT_MODE.value_set(order.mode.value),
            ]
            if order.ship_by is not None:
                updates.append(search_attributes.SHIP_BY.value_set(order.ship_by))
        if s.carrier:
            updates.append(search_attributes.CARRIER.value_set(s.carrier))
        if s.tracking_number:
            updates.append(search_attributes.TRACKING_NUMBER.value_set(s.tracking_number))
        if s.label is not None:
            updates.append(search_attributes.LABEL_COST_CENTS.value_set(int(s.label.rate.amount * 100)))
        if s.late_risk_since is not None:
            updates.append(search_attributes.LATE_SHIPMENT_RISK.value_set(self._at_late_risk()))
        workflow.upsert_search_attributes(updates)
        workflow.set_current_details(self._details())
        await self._call(
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
                stage=s.stage.value,
                attention_reason=s.attention.reason if s.attention else "",
                attention_since=s.attention.since if s.attention else None,
                cancel_reason=s.cancel_reason or "",
                fulfillment_mode=order.mode.value if order else None,
            ),
            summary="record state",
        )

    def _details(self) -> str:
        s = self.state
        lines = [
            f"**{s.status.value}**"
            + (f" — {s.attention.reason}: {s.attention.message}" if s.attention else "")
        ]
        if s.order is not None:
            lines.append(f"TikTok: {s.order.tiktok_status} · {s.order.mode.value}")
            if s.order.ship_by:
                risk = " — **at risk of late dispatch**" if self._at_late_risk() else ""
                lines.append(f"Ship by: {s.order.ship_by:%Y-%m-%d %H:%M} UTC{risk}")
        hold = s.payment_hold_until
        if hold is not None and hold > workflow.now() and s.stage not in TERMINAL_STATES:
            lines.append(
                f"Shop's hold after payment: until {hold:%Y-%m-%d %H:%M} UTC, nothing reserved or bought"
            )
        if s.label is not None:
            rate = s.label.rate
            lines.append(
                f"Label: {rate.carrier} {rate.service} {rate.amount} {rate.currency} ({rate.provider.value})"
            )
        if s.rate is not None:  # why this rate, what lost and to which rule, what the default would cost
            lines.append(f"Choice: {s.rate.explanation.summary}")
        if s.tracking_number:
            lines.append(
                f"Tracking: {s.tracking_number}"
                + (f" ({s.tracking_status.value})" if s.tracking_status else "")
            )
        lines += [describe_package(package, len(s.packages)) for package in s.packages]
        if s.return_request is not None:
            r = s.return_request
            lines.append(f"Return: {r.request_type} {r.amount} {r.currency} · {r.status} · {r.reason}")
        if s.return_label is not None:
            lines.append(
                f"Return label: {s.return_label.tracking_number} ({s.return_label.rate.provider.value})"
            )
        lines += ["", "Recent:", *(f"- {entry}" for entry in s.history[-5:])]
        return "\n".join(lines)
