"""The buyer changes the address on TikTok after we chose a rate or bought a label for the old one.

Before the carrier has the package: the old label goes to the refund queue and the next label is bought
under a new generation (a new purchase key), after the refund, so there are never two live labels; if TikTok
already holds the old tracking number, it is told the new one. After the carrier has it, or when TikTok
sold the label, nothing we can buy fixes it: the order parks for an operator with the reason.
"""

from __future__ import annotations

from temporalio import workflow

from workflows.order.aftersales import OrderAfterSales
from workflows.order.base import HANDOVER, NeedsAttention
from workflows.order.patches import ADDRESS_CHANGE_PATCH

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.domain import Provider
    from creatorflow.orders import FulfillmentState, OrderSnapshot, advance, reached


class OrderReaddress(OrderAfterSales):
    def _follow_address(self, before: OrderSnapshot | None, now: OrderSnapshot) -> None:
        """Called with each newer read of the order from TikTok."""
        moved = (
            before is not None
            and before.recipient is not None
            and now.recipient is not None
            and before.recipient != now.recipient
        )
        packages = self.state.packages
        chosen_for_old = (
            self.state.rate is not None
            or self.state.label is not None
            or any(p.rate is not None or p.label is not None for p in packages)
        )
        if not moved or not chosen_for_old or not workflow.patched(ADDRESS_CHANGE_PATCH):
            return  # nothing was chosen for the old address: the next rate is quoted for the new one
        if reached(self.state.stage, FulfillmentState.DELIVERED):
            self.state.note(workflow.now(), "TikTok's address changed after delivery: nothing to do")
            return
        if self.state.address_override is not None:
            self.state.address_override = None
            self.state.note(workflow.now(), "the buyer's new address replaces the operator's correction")
        if reached(self.state.stage, HANDOVER):
            raise NeedsAttention(
                contracts.ADDRESS_CHANGED_AFTER_HANDOVER,
                f"the buyer changed the address after {self.state.carrier} took package "
                f"{self.state.tracking_number}: ask the carrier to redirect it, or contact the buyer",
            )
        label = self.state.label
        if label is not None and label.rate.provider is Provider.TIKTOK:
            raise NeedsAttention(
                contracts.ADDRESS_CHANGED_ON_TIKTOK_LABEL,
                f"the buyer changed the address after TikTok sold label {label.tracking_number}: TikTok "
                "documents no call to void or redo it; reprint it in Seller Center, or reship with a carrier",
            )
        bought = [p for p in packages if p.label is not None]
        if bought:
            raise NeedsAttention(
                contracts.ADDRESS_CHANGED_ON_SPLIT_ORDER,
                f"the buyer changed the address after labels were bought for {len(bought)} of the order's "
                f"{len(packages)} packages; a split order is not relabelled yet: cancel it (every label is "
                "refunded) or ship it by hand",
            )
        for package in packages:
            package.rate = None
        self.state.rate = None
        if label is not None:
            self.state.refund_queue.append(label)
            self.state.label = None
            self.state.label_generation += 1
            self.state.tiktok_tracking_stale = self.state.shipped_on_tiktok
        if not self.state.shipped_on_tiktok:
            self._move(FulfillmentState.READY, "the buyer changed the address: a new label for it")
        self.state.note(workflow.now(), "the buyer changed the address: the rate and label are chosen again")

    async def _relabel_shipped(self) -> None:
        """TikTok holds the refunded label's tracking number: buy the new label, then tell TikTok."""
        order = self.state.order
        assert order is not None
        if self.state.label is None:
            await self._buy_label(order)
            return
        label = self.state.label
        await self._call(
            contracts.UPDATE_TRACKING,
            contracts.UpdateTrackingRequest(
                shop_id=self.state.shop_id,
                order_id=self.state.order_id,
                package_id=self.state.tiktok_package_id or order.package_ids[0],
                tracking_number=label.tracking_number,
                carrier=label.rate.carrier,
            ),
            summary=f"give TikTok the new tracking number {label.tracking_number}",
        )
        self.state.tiktok_tracking_stale = False
        self._move(advance(self.state.stage, FulfillmentState.SHIPPED), "TikTok has the new tracking number")
