"""Shipping activities: choose a rate across providers, buy exactly that label, refund, track.

The SDK adapters are synchronous underneath and run in threads, so these activities stay async.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from temporalio import activity

from activities import contracts
from activities.errors import activity_errors
from creatorflow.domain import Address, Label, LabelRefund, Provider, Tracking
from creatorflow.orders import RateChoice
from creatorflow.shipping.base import Carrier, PurchaseRequest, ShipmentRequest
from creatorflow.shipping.errors import ShippingError
from creatorflow.shipping.parcels import ItemToPack, build_parcel
from creatorflow.shipping.policy import RatePolicy, select_rate


class ShippingActivities:
    def __init__(
        self,
        carriers: Sequence[Carrier],
        *,
        ship_from: Address,
        policy: RatePolicy,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        if not carriers:
            raise ValueError("enable at least one shipping provider")
        self._carriers = {carrier.provider: carrier for carrier in carriers}
        self._ship_from = ship_from
        self._policy = policy
        self._clock = clock

    def _carrier(self, provider: Provider) -> Carrier:
        try:
            return self._carriers[provider]
        except KeyError:
            raise ValueError(f"provider {provider.value} is not enabled") from None

    @activity.defn(name=contracts.CHOOSE_RATE.name)
    async def choose_rate(self, query: contracts.RateQuery) -> RateChoice:
        """Validate the address, build the parcel, quote every provider (or the pinned one), choose."""
        carriers = [self._carrier(query.provider)] if query.provider else list(self._carriers.values())
        policy = self._policy
        if query.service:
            policy = policy.model_copy(update={"allow_services": frozenset({query.service.casefold()})})
        with activity_errors():
            buyer = await self._validated(carriers, query.to_address)
            parcel = build_parcel(
                [ItemToPack(sku=item.sku_id, quantity=item.quantity) for item in query.items], {}
            )
            origin, destination = (buyer, self._ship_from) if query.returning else (self._ship_from, buyer)
            selection = await select_rate(
                carriers,
                ShipmentRequest(
                    from_address=origin,
                    to_address=destination,
                    parcel=parcel,
                    reference=query.reference,
                ),
                policy,
                ship_on=self._clock().date(),
                deliver_by=query.deliver_by.date() if query.deliver_by else None,
            )
        return RateChoice(rate=selection.rate, explanation=selection.explanation)

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
