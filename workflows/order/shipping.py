"""Getting the order to the buyer: stock, rate, label, telling TikTok, TikTok's own shipping, following
the package, and cancelling (with the refund of every label bought).

Never two labels: the chosen rate is in state before buying; the purchase key is derived from the
workflow id and a generation that only an operator's reship increases; the buy activity reconciles with
the provider before buying.
"""

from __future__ import annotations

from temporalio import workflow

from workflows.order.base import HANDOVER, NeedsAttention
from workflows.order.patches import SHIPMENT_FACTS_PATCH, SHOP_CHECK_PATCH
from workflows.order.visibility import OrderVisibility

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.domain import (
        Address,
        Label,
        LabelRefund,
        Provider,
        RefundStatus,
        Tracking,
        TrackingStatus,
    )
    from creatorflow.inventory import OUT_OF_STOCK, WAREHOUSE_NOT_STOCKED, Reservation
    from creatorflow.metrics import LABEL_SPEND, LABELS_BOUGHT
    from creatorflow.orders import (
        FulfillmentMode,
        FulfillmentState,
        OrderSnapshot,
        RateChoice,
        advance,
        reached,
        state_for_tracking,
    )


class OrderShipping(OrderVisibility):
    # --- stock ---------------------------------------------------------------------------------------

    def _needs_stock(self) -> bool:
        """Paid, not shipped, ours to ship from our shelf, and nothing held for it yet."""
        order = self.state.order
        return (
            order is not None
            and order.mode is not FulfillmentMode.FBT
            and self.state.stage in (FulfillmentState.ON_HOLD, FulfillmentState.READY)
            and not self.state.stock_reserved
            and not self.state.shipped_on_tiktok
        )

    async def _reserve_stock(self) -> None:
        """Hold the order's units (idempotent by order id); with none left it never ships as if it had
        them: it waits for an operator (restock, then retry; or cancel)."""
        assert self.state.order is not None
        reservation: Reservation = await self._call(
            contracts.RESERVE_STOCK,
            contracts.StockRequest(
                shop_id=self.state.shop_id,
                order_id=self.state.order_id,
                items=self.state.order.items,
                warehouse_id=self.state.order.warehouse_id,
            ),
            summary="reserve stock",
        )
        if reservation.unstocked:
            raise NeedsAttention(
                WAREHOUSE_NOT_STOCKED,
                f"no stock of SKU {', '.join(reservation.unstocked)} is kept in warehouse "
                f"{self.state.order.warehouse_id or '(TikTok named none)'}: add it there with `creatorflow "
                "inventory set`, then retry",
            )
        if not reservation.reserved:
            raise NeedsAttention(OUT_OF_STOCK, f"no stock left for SKU {', '.join(reservation.short)}")
        self.state.stock_reserved = True

    # --- seller shipping: rate, label, TikTok --------------------------------------------------------

    def _recipient(self, order: OrderSnapshot) -> Address:
        address = self.state.address_override or order.recipient
        if address is None:
            raise NeedsAttention(
                contracts.ADDRESS_INVALID,
                order.recipient_problem or "TikTok gave no usable recipient address",
            )
        return address

    async def _buy_label(self, order: OrderSnapshot) -> None:
        address = self._recipient(order)
        if self.state.rate is None:
            self.state.rate = await self._choose_rate(
                self._rate_query(self._label_key(), address, order).model_copy(
                    update={
                        "ship_by": order.ship_by,
                        "deliver_by": order.deliver_by,
                        "provider": self.state.pinned_provider,
                        "service": self.state.pinned_service,
                    }
                )
            )
            await self._publish()  # the choice is in history before any money is spent
        if workflow.patched(SHOP_CHECK_PATCH):
            await self._require_authorized_shop()
        label = await self._buy(self.state.rate, self._label_key())
        self._count_label(label)
        self.state.label = label
        self.state.carrier = label.rate.carrier
        self.state.tracking_number = label.tracking_number
        self._move(
            FulfillmentState.LABEL_PURCHASED, f"label {label.tracking_number} via {label.rate.provider}"
        )
        await self._record_label(label)

    def _rate_query(self, reference: str, address: Address, order: OrderSnapshot) -> contracts.RateQuery:
        """What any label for this order is chosen on: the shop's packages and rules, the order's items."""
        return contracts.RateQuery(
            reference=reference,
            shop_id=self.state.shop_id,
            order_id=self.state.order_id,
            warehouse_id=order.warehouse_id,
            delivery_option_id=order.delivery_option_id,
            to_address=address,
            items=order.items,
            order_value=order.total,
            currency=order.currency,
        )

    async def _choose_rate(self, query: contracts.RateQuery) -> RateChoice:
        if workflow.patched(SHIPMENT_FACTS_PATCH):
            await self._call(
                contracts.READ_SHIPMENT_FACTS,
                contracts.ShipmentFactsRequest(
                    shop_id=self.state.shop_id,
                    order_id=self.state.order_id,
                    items=query.items,
                    warehouse_id=query.warehouse_id,
                    delivery_option_id=query.delivery_option_id,
                    quote_tiktok_shipping=not query.returning
                    and query.provider is None
                    and query.parcel is None,
                ),
                summary="read from TikTok what the label depends on, and TikTok Shipping's quotes",
            )
        return await self._call(
            contracts.CHOOSE_RATE,
            query,
            summary="quote providers and choose a rate",
        )

    async def _require_authorized_shop(self) -> None:
        """A seller who deauthorized the app while this order was in flight (ShopDeauthorized), or whose
        refresh token TikTok rejected (ReauthorizationRequired), parks it instead of paying for a label
        TikTok would not let us ship; the parked order asks again (`_wait_while_parked`)."""
        await self._call(
            contracts.REQUIRE_AUTHORIZED_SHOP,
            contracts.ShopRef(shop_id=self.state.shop_id),
            summary="check the seller still authorizes the app",
        )

    async def _buy(self, choice: RateChoice, key: str) -> Label:
        summary = (
            f"buy {choice.rate.carrier} {choice.rate.service} label for {choice.rate.amount} "
            f"{choice.rate.currency}"
        )
        if choice.rate.provider is Provider.TIKTOK:  # TikTok sells it, on TikTok's queue
            assert self.state.order is not None
            return await self._call(
                contracts.BUY_TIKTOK_LABEL,
                contracts.BuyTikTokLabelRequest(
                    shop_id=self.state.shop_id,
                    order_id=self.state.order_id,
                    items=self.state.order.items,
                    choice=choice,
                    idempotency_key=key,
                ),
                summary=summary,
            )
        return await self._call(
            contracts.BUY_LABEL,
            contracts.BuyLabelRequest(choice=choice, idempotency_key=key),
            summary=summary,
        )

    async def _record_label(self, label: Label) -> None:
        await self._call(
            contracts.RECORD_LABEL,
            contracts.LabelRecord(shop_id=self.state.shop_id, order_id=self.state.order_id, label=label),
            summary="record label",
        )

    def _count_label(self, label: Label) -> None:
        rate = label.rate
        self._metrics.add(LABELS_BOUGHT, provider=rate.provider.value, carrier=rate.carrier)
        self._metrics.add(
            LABEL_SPEND, int(rate.amount * 100), provider=rate.provider.value, carrier=rate.carrier
        )

    def _label_key(self) -> str:
        return f"{workflow.info().workflow_id}:label:{self.state.label_generation}"

    async def _ship_on_tiktok(self) -> None:
        assert self.state.label is not None
        result: contracts.ShipPackageResult = await self._call(
            contracts.SHIP_PACKAGE,
            contracts.ShipPackageRequest(
                shop_id=self.state.shop_id,
                order_id=self.state.order_id,
                tracking_number=self.state.label.tracking_number,
                carrier=self.state.label.rate.carrier,
                tiktok_label=self.state.label.rate.provider is Provider.TIKTOK,
            ),
            summary=f"mark shipped on TikTok with {self.state.label.tracking_number}",
        )
        self.state.shipped_on_tiktok = True
        self.state.tiktok_package_id = result.package_id
        self._move(advance(self.state.stage, FulfillmentState.SHIPPED), "shipped on TikTok")

    async def _arrange_tiktok_shipment(self) -> None:
        label: contracts.TikTokLabel = await self._call(
            contracts.ARRANGE_TIKTOK_SHIPMENT,
            contracts.OrderRef(shop_id=self.state.shop_id, order_id=self.state.order_id),
            summary="arrange TikTok shipping and fetch its label",
        )
        self.state.shipped_on_tiktok = True
        self.state.tiktok_package_id = label.package_id
        self.state.tiktok_label_url = label.doc_url
        self.state.tracking_number = label.tracking_number
        self._move(advance(self.state.stage, FulfillmentState.SHIPPED), "TikTok shipping label issued")

    # --- after hand-over -----------------------------------------------------------------------------

    async def _follow_package(self) -> None:
        """Carrier webhooks move the package; if none come for a while, ask the carrier (or TikTok)."""
        if await self._wait_for_news(timeout=self.policy.tracking_poll):
            return
        if self.state.label is None or self.state.label.rate.provider is Provider.TIKTOK:
            self._tiktok_news = True  # TikTok's carrier: TikTok's status is our tracking
            return
        tracking: Tracking = await self._call(
            contracts.TRACK_LABEL,
            self.state.label,
            summary="poll carrier tracking",
        )
        self._apply_tracking(tracking.status, "carrier poll")

    async def _await_completion(self) -> None:
        """Delivered: TikTok completes the order after its return window, or we do when ours ends."""
        if await self._wait_for_news(timeout=self.policy.return_window):
            return
        self._move(FulfillmentState.COMPLETED, "return window over")

    def _apply_tracking(self, status: TrackingStatus, source: str) -> None:
        self.state.tracking_status = status
        seen = state_for_tracking(status)
        if seen is not None:
            self._move(advance(self.state.stage, seen), f"{source}: {status.value}")

    # --- cancellation --------------------------------------------------------------------------------

    async def _cancel(self) -> None:
        reason = self.state.cancel_reason or ""
        order_cancelled_on_tiktok = (
            self.state.order is not None and self.state.order.tiktok_status == "CANCELLED"
        )
        before_handover = not reached(self.state.stage, HANDOVER)
        if not order_cancelled_on_tiktok and before_handover:
            await self._call(
                contracts.CANCEL_ORDER,
                contracts.CancelOrderRequest(
                    shop_id=self.state.shop_id, order_id=self.state.order_id, reason=reason
                ),
                summary="cancel on TikTok",
            )
        if before_handover:
            for label in self._labels_to_refund():
                await self._refund(label)
            self.state.refund_queue.clear()
        self._move(FulfillmentState.CANCELLED, reason)

    def _labels_to_refund(self) -> list[Label]:
        """Every label bought for the order and not shipped with: replaced ones, and the current one."""
        return [*self.state.refund_queue, *([self.state.label] if self.state.label else [])]

    async def _refund(self, label: Label) -> None:
        if label.label_id in self.state.refunded_label_ids:
            return
        if label.rate.provider is Provider.TIKTOK:
            # TikTok's reference documents no call to void the label it sold: it goes with TikTok's
            # package, which cancelling the order on TikTok cancels. Nothing of ours to refund.
            self.state.refunded_label_ids.append(label.label_id)
            self.state.note(workflow.now(), f"TikTok label {label.tracking_number} left to TikTok to void")
            return
        refund: LabelRefund = await self._call(
            contracts.REFUND_LABEL,
            label,
            summary=f"refund label {label.tracking_number}",
        )
        if refund.status is RefundStatus.REJECTED:
            raise NeedsAttention(contracts.PURCHASE_REJECTED, f"provider refused to refund {label.label_id}")
        self.state.refunded_label_ids.append(label.label_id)
        await self._call(
            contracts.RECORD_LABEL_REFUND,
            contracts.LabelRefundRecord(
                idempotency_key=label.idempotency_key,
                status="REFUNDED" if refund.status is RefundStatus.REFUNDED else "REFUND_REQUESTED",
            ),
            summary="record refund",
        )
        self.state.note(workflow.now(), f"label {label.tracking_number} refund {refund.status.value}")
