"""An order that ships as several parcels: split on TikTok into one package per planned box, then each
package rated, labelled and marked shipped with its own line items and tracking number.

- The order goes this way when the rate finds its items need several boxes (`SplitNeeded`): the shop's
  plan (`shipping.plan_parcels`, deterministic) gives the boxes, `creatorflow.packages` the line items and
  group ids of each, and TikTok splits the order by them. TikTok refusing the split parks the order
  (`SplitNeeded`, with TikTok's reason).
- An order TikTok already has in several packages (split in Seller Center or by another tool before we
  bought a label) ships as TikTok's packages, each planned as one box; TikTok changing the packages
  before we bought is followed, after we bought it parks the order (`PackagesChanged`).
- Never two labels: each package's rate is in history before its purchase, whose key is the workflow id,
  the label generation and the package's place in the plan.
- Orders of one parcel never come here: their commands are those of before (`PACKAGES_PATCH` guards
  every new one).
"""

from __future__ import annotations

from temporalio import workflow

from workflows.order.base import NeedsAttention
from workflows.order.patches import PACKAGES_PATCH
from workflows.order.shipping import OrderShipping

with workflow.unsafe.imports_passed_through():
    from activities import contracts
    from creatorflow.domain import Label, Tracking, TrackingStatus
    from creatorflow.orders import (
        PROGRESS,
        FulfillmentMode,
        FulfillmentState,
        OrderItem,
        OrderPackage,
        OrderSnapshot,
        advance,
        state_for_tracking,
    )
    from creatorflow.packages import PlanMismatchError, items_of, packages_for_plan
    from creatorflow.shipping.parcels import PlannedParcel


class OrderPackages(OrderShipping):
    def _ships_as_packages(self, order: OrderSnapshot) -> bool:
        """Split by us already, or by TikTok (several packages) before we bought the order's label."""
        if self.state.packages:
            return True
        return (
            len(order.package_ids) > 1
            and self.state.label is None
            and order.mode is FulfillmentMode.SELLER_SHIPPED
            and workflow.patched(PACKAGES_PATCH)
        )

    async def _buy_label_or_split(self, order: OrderSnapshot) -> None:
        """The order's label; or, when its items need several boxes, split it on TikTok into packages. An
        order TikTok combined with others parks: a label of its own would be a second one for the package."""
        if order.split_or_combine_tag == "COMBINED" and workflow.patched(PACKAGES_PATCH):
            raise NeedsAttention(
                contracts.COMBINED_PACKAGE,
                f"TikTok combined package {', '.join(order.package_ids)} with other orders; shipping a "
                "combined package is not supported yet: uncombine it on TikTok, then retry",
            )
        try:
            await self._buy_label(order)
        except NeedsAttention as problem:
            if (
                problem.reason != contracts.SPLIT_NEEDED
                or self.state.rate is not None
                or not workflow.patched(PACKAGES_PATCH)
            ):
                raise
            await self._split_for_plan(order)

    async def _split_for_plan(self, order: OrderSnapshot) -> None:
        plan = await self._plan(order.items, "plan the order's boxes")
        if len(plan) < 2:
            return  # the shop's boxes changed since the rate: one box now, the next step buys its label
        try:
            packages = packages_for_plan(plan, order)
        except PlanMismatchError as mismatch:
            raise NeedsAttention(contracts.SPLIT_NEEDED, str(mismatch)) from mismatch
        split: contracts.SplitResult = await self._call(
            contracts.SPLIT_ORDER,
            contracts.SplitRequest(
                shop_id=self.state.shop_id,
                order_id=self.state.order_id,
                groups=[
                    contracts.SplitGroupRequest(group_id=p.group_id, line_item_ids=p.line_item_ids)
                    for p in packages
                ],
            ),
            summary=f"split the order on TikTok into {len(packages)} packages",
        )
        for package in packages:
            package.package_id = split.package_ids[package.group_id]
        self.state.packages = packages
        boxes = ", ".join(f"{p.box} ({p.package_id})" for p in packages)
        self.state.note(workflow.now(), f"split on TikTok into {len(packages)} packages: {boxes}")
        self._tiktok_news = True  # read TikTok's packages before shipping them

    async def _plan(self, items: list[OrderItem], summary: str) -> list[PlannedParcel]:
        plan: contracts.ParcelPlan = await self._call(
            contracts.PLAN_PARCELS,
            contracts.ParcelPlanRequest(shop_id=self.state.shop_id, items=items),
            summary=summary,
        )
        return plan.parcels

    async def _take_tiktok_packages(self, order: OrderSnapshot) -> None:
        """Ship the packages TikTok has: each must fit one of the shop's boxes."""
        packages = []
        for index, package_id in enumerate(order.package_ids):
            line_item_ids = [line.id for line in order.line_items if line.package_id == package_id]
            items = items_of(order, line_item_ids)
            plan = await self._plan(items, f"plan the box of TikTok's package {package_id}")
            if len(plan) != 1:
                raise NeedsAttention(
                    contracts.SPLIT_NEEDED,
                    f"TikTok's package {package_id} needs {len(plan)} boxes; one label ships one box",
                )
            [box] = plan
            packages.append(
                OrderPackage(
                    index=index,
                    group_id="",
                    package_id=package_id,
                    line_item_ids=line_item_ids,
                    items=items,
                    box=box.box,
                    parcel=box.parcel,
                )
            )
        self.state.packages = packages
        self.state.note(workflow.now(), f"ships as TikTok's {len(packages)} packages")

    # --- one package at a time: rate, label, TikTok ---------------------------------------------------

    async def _ship_packages(self, order: OrderSnapshot) -> None:
        """The next piece of work for the first package not yet shipped."""
        if not self.state.packages or self._packages_changed(order):
            await self._take_tiktok_packages(order)
            return
        pending = next((p for p in self.state.packages if not p.shipped), None)
        if pending is None:
            self._all_shipped()
        elif pending.rate is None:
            address = self._recipient(order)
            query = self._rate_query(self._package_key(pending), address, order)
            pending.rate = await self._choose_rate(
                query.model_copy(
                    update={
                        "items": pending.items,
                        "parcel": pending.parcel,
                        "ship_by": order.ship_by,
                        "deliver_by": order.deliver_by,
                    }
                )
            )
            await self._publish()  # the choice is in history before any money is spent
        elif pending.label is None:
            await self._require_authorized_shop()
            label = await self._buy(pending.rate, self._package_key(pending))
            self._count_label(label)
            pending.label = label
            self.state.carrier = self.state.carrier or label.rate.carrier
            self.state.tracking_number = self.state.tracking_number or label.tracking_number
            self._move(
                FulfillmentState.LABEL_PURCHASED,
                f"package {pending.index + 1}: label {label.tracking_number} via {label.rate.provider}",
            )
            await self._record_label(label)
        else:
            await self._ship_package(pending, pending.label)

    def _packages_changed(self, order: OrderSnapshot) -> bool:
        """TikTok has other packages than ours (split or merged on TikTok's side). Before any label is
        bought we follow them; after, the labels bought may not fit them: an operator decides."""
        ours = [p.package_id for p in self.state.packages]
        if sorted(ours) == sorted(order.package_ids):
            return False
        if any(p.label is not None for p in self.state.packages):
            raise NeedsAttention(
                contracts.PACKAGES_CHANGED,
                f"TikTok's packages are now {', '.join(order.package_ids)}; labels were bought for "
                f"{', '.join(ours)}",
            )
        self.state.packages = []
        self.state.note(workflow.now(), "TikTok's packages changed before any label: following them")
        return True

    async def _ship_package(self, package: OrderPackage, label: Label) -> None:
        result: contracts.ShipPackageResult = await self._call(
            contracts.SHIP_PACKAGE,
            contracts.ShipPackageRequest(
                shop_id=self.state.shop_id,
                order_id=self.state.order_id,
                tracking_number=label.tracking_number,
                carrier=label.rate.carrier,
                order_line_item_ids=package.line_item_ids,
            ),
            summary=f"mark package {package.index + 1} shipped on TikTok with {label.tracking_number}",
        )
        package.shipped = True
        package.package_id = package.package_id or result.package_id
        if all(p.shipped for p in self.state.packages):
            self._all_shipped()

    def _all_shipped(self) -> None:
        self.state.shipped_on_tiktok = True
        self._move(advance(self.state.stage, FulfillmentState.SHIPPED), "every package shipped on TikTok")

    def _package_key(self, package: OrderPackage) -> str:
        return f"{self._label_key()}:package:{package.index}"

    def _packages_pending(self) -> bool:
        """Ours to ship one by one, and not all shipped: TikTok's PARTIALLY_SHIPPING is not "shipped"."""
        return any(not p.shipped for p in self.state.packages)

    # --- after hand-over: each package's carrier --------------------------------------------------------

    async def _follow_package(self) -> None:
        """Each package's carrier webhooks move it; if none come for a while, ask each carrier."""
        if not self.state.packages:
            await super()._follow_package()
        elif not await self._wait_for_news(timeout=self.policy.tracking_poll):
            await self._poll_packages()

    def _track_package(self, tracking_number: str, status: TrackingStatus, source: str) -> bool:
        """A carrier's news of one package (False: not one of ours). The order is in transit, then
        delivered, when every package is."""
        package = next((p for p in self.state.packages if p.tracking_number == tracking_number), None)
        if package is None:
            return False
        package.tracking_status = status
        seen = [
            state_for_tracking(p.tracking_status) if p.tracking_status else None for p in self.state.packages
        ]
        if all(stage is not None for stage in seen):
            least = min((s for s in seen if s is not None), key=PROGRESS.index)
            self._move(advance(self.state.stage, least), f"{source}: every package {least.value}")
        return True

    async def _poll_packages(self) -> None:
        for package in self.state.packages:
            if package.label is None or package.tracking_status is TrackingStatus.DELIVERED:
                continue
            tracking: Tracking = await self._call(
                contracts.TRACK_LABEL,
                package.label,
                summary=f"poll carrier tracking of package {package.index + 1}",
            )
            self._track_package(package.label.tracking_number, tracking.status, "carrier poll")

    def _labels_to_refund(self) -> list[Label]:
        return [*super()._labels_to_refund(), *(p.label for p in self.state.packages if p.label is not None)]
