"""Shipping activities: choose a rate across providers, buy exactly that label, refund, track.

The SDK adapters are synchronous underneath and run in threads, so these activities stay async.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from temporalio import activity

from activities import contracts
from activities.errors import activity_errors
from creatorflow.domain import Address, Label, LabelRefund, Parcel, Provider, Rate, Tracking
from creatorflow.names import ids_of_workflow
from creatorflow.orders import RateChoice
from creatorflow.shipping.base import Carrier, PurchaseRequest, ShipmentRequest
from creatorflow.shipping.errors import ShippingError
from creatorflow.shipping.rules import RuleBook, RuleContext
from creatorflow.shipping.selection import select_rate
from creatorflow.store import Store


class _ShipmentFacts(NamedTuple):
    """What a rate is chosen on, from the store: the order's parcel (its SKUs' package data in the shop's
    boxes), the shop's rules, our end of the shipment (the order's warehouse, or for a return the shop's
    return warehouse), the carriers TikTok takes for the order (None: not known) and TikTok Shipping's
    quotes for it."""

    parcel: Parcel
    rules: RuleBook
    warehouse: Address
    tiktok_carriers: frozenset[str] | None
    tiktok_rates: list[Rate]


class ShippingActivities:
    def __init__(
        self,
        carriers: Sequence[Carrier],
        store: Store,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not carriers:
            raise ValueError("enable at least one shipping provider")
        self._carriers = {carrier.provider: carrier for carrier in carriers}
        self._store = store
        self._clock = clock

    def _carrier(self, provider: Provider) -> Carrier:
        try:
            return self._carriers[provider]
        except KeyError:
            raise ValueError(f"provider {provider.value} is not enabled") from None

    @activity.defn(name=contracts.CHOOSE_RATE.name)
    async def choose_rate(self, query: contracts.RateQuery) -> RateChoice:
        """Validate the address, pack the order as its shop packs it, quote every provider (or the pinned
        one), and let the shop's rules choose. A SKU without package data, an item no box holds, or an
        order needing several boxes parks the order (non-retryable) instead of being quoted as a guess."""
        carriers = [self._carrier(query.provider)] if query.provider else list(self._carriers.values())
        shop_id = query.shop_id or ids_of_workflow(query.reference).get("shop_id", "")
        with activity_errors():
            facts = await asyncio.to_thread(self._shipment_facts, shop_id, query)
            buyer = await self._validated(carriers, query.to_address)
            warehouse = facts.warehouse
            origin, destination = (buyer, warehouse) if query.returning else (warehouse, buyer)
            context = RuleContext(
                weight_oz=facts.parcel.weight_oz,
                country=destination.country,
                state=destination.state or "",
                order_value=query.order_value,
                currency=query.currency or None,
                skus=frozenset(item.sku_id for item in query.items),
                ship_on=self._clock().date(),
                deliver_by=query.deliver_by.date() if query.deliver_by else None,
                tiktok_carriers=facts.tiktok_carriers,
            )
            shipment = ShipmentRequest(
                from_address=origin, to_address=destination, parcel=facts.parcel, reference=query.reference
            )
            book = facts.rules.pinned(query.provider, query.service)
            tiktok_rates = [] if query.provider else facts.tiktok_rates  # a reship names its provider
            selection = await select_rate(carriers, shipment, book, context, tiktok_rates)
        return RateChoice(rate=selection.rate, explanation=selection.explanation)

    def _shipment_facts(self, shop_id: str, query: contracts.RateQuery) -> _ShipmentFacts:
        store = self._store
        if query.returning:  # comes back by whatever carrier its label names; TikTok ships none of it
            return _ShipmentFacts(
                parcel=store.parcel_for(shop_id, query.items),
                rules=store.rule_book(shop_id),
                warehouse=store.return_to(shop_id),
                tiktok_carriers=None,
                tiktok_rates=[],
            )
        option = query.delivery_option_id
        planned = query.parcel is not None  # one package of a split order, in its planned box
        return _ShipmentFacts(
            parcel=query.parcel if query.parcel is not None else store.parcel_for(shop_id, query.items),
            rules=store.rule_book(shop_id),
            warehouse=store.ship_from(shop_id, query.warehouse_id),
            tiktok_carriers=store.tiktok_carriers(shop_id, option) if option else None,
            # TikTok's own labels, as quoted for this parcel just before, on TikTok's queue.
            tiktok_rates=store.tiktok_quotes(shop_id, query.order_id)
            if query.order_id and not planned
            else [],
        )

    @activity.defn(name=contracts.PLAN_PARCELS.name)
    async def plan_parcels(self, request: contracts.ParcelPlanRequest) -> contracts.ParcelPlan:
        """The boxes the items ship in, as the shop packs them; the same for the same items and data."""
        with activity_errors():
            plan = await asyncio.to_thread(self._store.plan_for, request.shop_id, request.items)
        return contracts.ParcelPlan(parcels=plan)

    async def _validated(self, carriers: Sequence[Carrier], address: Address) -> Address:
        """The first provider that answers decides; a provider being down is not a verdict."""
        last_error: ShippingError | None = None
        for carrier in carriers:
            try:
                return await carrier.validate_address(address)
            except ShippingError as exc:
                if not exc.retryable:
                    raise  # e.g. InvalidAddressError: the verdict
                last_error = exc
        assert last_error is not None, "carriers is never empty"
        raise last_error

    @activity.defn(name=contracts.BUY_LABEL.name)
    async def buy_label(self, request: contracts.BuyLabelRequest) -> Label:
        """Idempotent: the adapter returns the label already bought for this rate, if any."""
        choice = request.choice
        with activity_errors():
            return await self._carrier(choice.rate.provider).buy_label(
                PurchaseRequest(
                    rate=choice.rate, idempotency_key=request.idempotency_key, explanation=choice.explanation
                )
            )

    @activity.defn(name=contracts.REFUND_LABEL.name)
    async def refund_label(self, label: Label) -> LabelRefund:
        with activity_errors():
            return await self._carrier(label.rate.provider).refund_label(label)

    @activity.defn(name=contracts.TRACK_LABEL.name)
    async def track_label(self, label: Label) -> Tracking:
        with activity_errors():
            return await self._carrier(label.rate.provider).track(label)
