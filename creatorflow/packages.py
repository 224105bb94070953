"""An order's parcel plan as TikTok packages: which of TikTok's line items go in each planned box.

TikTok splits an order by line item (one per unit), so each planned box takes that many line items of
each of its SKUs. The assignment is deterministic (line items of a SKU in TikTok's order, boxes in plan
order) and so are the group ids, so a workflow replaying, or an activity retried, asks TikTok for the
same split.
"""

from __future__ import annotations

from collections.abc import Sequence

from creatorflow.orders import OrderItem, OrderPackage, OrderSnapshot
from creatorflow.shipping.parcels import PlannedParcel


class PlanMismatchError(ValueError):
    """The plan holds units the order does not have: planned from other items than TikTok's."""


def group_id(index: int) -> str:
    """The split group id we give TikTok for the plan's box `index`."""
    return f"parcel-{index + 1}"


def items_of(order: OrderSnapshot, line_item_ids: Sequence[str]) -> list[OrderItem]:
    """The order's items (one per SKU, counted) that these line items are units of."""
    counts: dict[str, int] = {}
    for line in order.line_items:
        if line.id in line_item_ids:
            counts[line.sku_id] = counts.get(line.sku_id, 0) + 1
    return [
        item.model_copy(update={"quantity": counts[item.sku_id]})
        for item in order.items
        if item.sku_id in counts
    ]


def packages_for_plan(plan: Sequence[PlannedParcel], order: OrderSnapshot) -> list[OrderPackage]:
    """One package per planned box, each with TikTok line items of the SKUs and quantities the box holds."""
    pool: dict[str, list[str]] = {}
    for line in order.line_items:
        pool.setdefault(line.sku_id, []).append(line.id)
    by_sku = {item.sku_id: item for item in order.items}
    packages = []
    for index, parcel in enumerate(plan):
        line_item_ids: list[str] = []
        items: list[OrderItem] = []
        for packed in parcel.items:
            left = pool.get(packed.sku, [])
            if len(left) < packed.quantity or packed.sku not in by_sku:
                raise PlanMismatchError(
                    f"box {index + 1} holds {packed.quantity} of SKU {packed.sku}; the order has "
                    f"{len(left)} of it left to pack"
                )
            line_item_ids += left[: packed.quantity]
            del left[: packed.quantity]
            items.append(by_sku[packed.sku].model_copy(update={"quantity": packed.quantity}))
        packages.append(
            OrderPackage(
                index=index,
                group_id=group_id(index),
                line_item_ids=line_item_ids,
                items=items,
                box=parcel.box,
                parcel=parcel.parcel,
            )
        )
    unpacked = sorted(item_id for ids in pool.values() for item_id in ids)
    if unpacked:
        raise PlanMismatchError(f"line items {unpacked} are in no planned box")
    return packages


def describe_package(package: OrderPackage, of: int) -> str:
    """One line of an order's details: the package, its box and items, label and progress."""
    items = ", ".join(f"{item.quantity} x {item.seller_sku or item.sku_id}" for item in package.items)
    line = (
        f"Package {package.index + 1}/{of} {package.package_id or '(not split yet)'}: {package.box} [{items}]"
    )
    if package.label is not None:
        rate, tracking = package.label.rate, package.label.tracking_number
        line += f" · {rate.carrier} {rate.service} {rate.amount} {rate.currency} · {tracking}"
    if package.shipped:
        line += " · shipped on TikTok"
    if package.tracking_status is not None:
        line += f" · {package.tracking_status.value}"
    return line
