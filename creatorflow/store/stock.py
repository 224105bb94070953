"""The synced catalog with our stock on hand per warehouse, what paid orders reserve of it, and the
products we took off sale for want of it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from creatorflow.inventory import Reservation, StockLevel
from creatorflow.shipping.parcels import PackageData
from creatorflow.store.repository import Repository
from creatorflow.store.tables import (
    CatalogSku,
    ProductPackageRow,
    ReservationStatus,
    StockDeactivation,
    StockReservation,
    WarehouseStockRow,
    utcnow,
)
from creatorflow.tiktok.models import Product, ProductStatus

# (from, to) -> how reserved and on_hand move, per unit.
_STOCK_MOVES = {
    (ReservationStatus.RESERVED, ReservationStatus.SHIPPED): (-1, -1),  # left the shelf
    (ReservationStatus.RESERVED, ReservationStatus.RELEASED): (-1, 0),  # cancelled before packing
    (ReservationStatus.SHIPPED, ReservationStatus.RELEASED): (0, +1),  # never left, or returned
}


class StockRepository(Repository):
    def sync_catalog(self, shop_id: str, products: Sequence[Product]) -> int:
        """Upsert every SKU TikTok lists, with a stock row per warehouse it lists the SKU in. A new row
        starts with TikTok's quantity there; after that our `on_hand` is the truth and TikTok's quantity
        is only remembered (the push corrects any drift). A warehouse TikTok no longer lists keeps its
        row, unassigned. A product we took off sale that TikTok now shows in any other status (the seller
        put it back, or TikTok froze it) is no longer ours to put back."""
        count = 0
        with Session(self.engine) as session:
            for product in products:
                for sku in product.skus:
                    row = session.get(CatalogSku, (shop_id, sku.id)) or CatalogSku(
                        shop_id=shop_id, sku_id=sku.id, product_id=product.id
                    )
                    row.product_id = product.id
                    row.title = product.title
                    row.product_status = product.status
                    row.seller_sku = sku.seller_sku
                    row.updated_at = utcnow()
                    session.add(row)
                    _sync_warehouses(
                        session, shop_id, sku.id, {s.warehouse_id: s.quantity for s in sku.inventory}
                    )
                    count += 1
            _drop_stock_deactivations(
                session, shop_id, [p.id for p in products if p.status != ProductStatus.SELLER_DEACTIVATED]
            )
            session.commit()
        return count

    def products_without_current_package(self, shop_id: str, products: Sequence[Product]) -> list[str]:
        """The products whose package data we have not read since TikTok last changed them."""
        with Session(self.engine) as session:
            known = {
                row.product_id: row.update_time
                for row in session.exec(select(ProductPackageRow).where(ProductPackageRow.shop_id == shop_id))
            }
        return [product.id for product in products if known.get(product.id) != product.update_time]

    def products_without_package(self, shop_id: str, product_ids: Sequence[str]) -> list[str]:
        """Of `product_ids`, those with no package data kept: never read, or TikTok had none when read
        (the seller may have added it since)."""
        with Session(self.engine) as session:
            known = set(
                session.exec(
                    select(ProductPackageRow.product_id).where(
                        ProductPackageRow.shop_id == shop_id,
                        col(ProductPackageRow.product_id).in_(product_ids),
                        col(ProductPackageRow.body).is_not(None),
                    )
                )
            )
        return [product_id for product_id in product_ids if product_id not in known]

    def record_packages(self, shop_id: str, details: Sequence[Product]) -> None:
        """Keep each product's package data from Get Product; a product without any is kept as such."""
        with Session(self.engine) as session:
            for product in details:
                package = (
                    PackageData(
                        package_weight=product.package_weight, package_dimensions=product.package_dimensions
                    )
                    if product.package_weight and product.package_dimensions
                    else None
                )
                row = session.get(ProductPackageRow, (shop_id, product.id)) or ProductPackageRow(
                    shop_id=shop_id, product_id=product.id, update_time=product.update_time
                )
                row.update_time = product.update_time
                row.body = package.model_dump_json() if package else None
                row.updated_at = utcnow()
                session.add(row)
            session.commit()

    def stock_levels(self, shop_id: str | None = None) -> list[StockLevel]:
        """One level per SKU and warehouse."""
        with Session(self.engine) as session:
            query = (
                select(CatalogSku, WarehouseStockRow)
                .join(
                    WarehouseStockRow,
                    (col(WarehouseStockRow.shop_id) == col(CatalogSku.shop_id))
                    & (col(WarehouseStockRow.sku_id) == col(CatalogSku.sku_id)),
                )
                .order_by(
                    col(CatalogSku.shop_id), col(CatalogSku.seller_sku), col(WarehouseStockRow.warehouse_id)
                )
            )
            flags = select(StockDeactivation)
            if shop_id is not None:
                query = query.where(CatalogSku.shop_id == shop_id)
                flags = flags.where(StockDeactivation.shop_id == shop_id)
            ours = {(flag.shop_id, flag.product_id) for flag in session.exec(flags)}
            return [
                StockLevel.model_validate(
                    {
                        **sku.model_dump(),
                        **stock.model_dump(),
                        "active": sku.product_status == ProductStatus.ACTIVATE,
                        "stock_deactivated": sku.product_status == ProductStatus.SELLER_DEACTIVATED
                        and (sku.shop_id, sku.product_id) in ours,
                    }
                )
                for sku, stock in session.exec(query)
            ]

    def set_on_hand(self, shop_id: str, sku_id: str, warehouse_id: str, on_hand: int) -> StockLevel:
        """An operator's count of one warehouse's shelf (units not yet shipped, reserved ones included)."""
        if on_hand < 0:
            raise ValueError(f"on-hand stock cannot be negative, got {on_hand}")
        with Session(self.engine) as session:
            row = session.get(WarehouseStockRow, (shop_id, sku_id, warehouse_id))
            if row is None:
                raise LookupError(
                    f"shop {shop_id} keeps no stock of SKU {sku_id} in warehouse {warehouse_id}"
                )
            row.on_hand = on_hand
            row.updated_at = utcnow()
            session.add(row)
            session.commit()
        [level] = [
            level
            for level in self.stock_levels(shop_id)
            if (level.sku_id, level.warehouse_id) == (sku_id, warehouse_id)
        ]
        return level

    def set_tiktok_quantity(self, shop_id: str, sku_id: str, warehouse_id: str, quantity: int) -> None:
        with Session(self.engine) as session:
            row = session.get(WarehouseStockRow, (shop_id, sku_id, warehouse_id))
            if row is not None:
                row.tiktok_quantity = quantity
                session.add(row)
                session.commit()

    def flag_stock_deactivation(self, shop_id: str, product_ids: Sequence[str]) -> None:
        """Note, before asking TikTok, that we are taking these products off sale for want of stock."""
        with Session(self.engine) as session:
            for product_id in product_ids:
                if session.get(StockDeactivation, (shop_id, product_id)) is None:
                    session.add(StockDeactivation(shop_id=shop_id, product_id=product_id))
            session.commit()

    def unflag_stock_deactivation(self, shop_id: str, product_ids: Sequence[str]) -> None:
        """TikTok refused to take these off sale: the mark must not make a later pause look like ours."""
        with Session(self.engine) as session:
            _drop_stock_deactivations(session, shop_id, product_ids)
            session.commit()

    def set_product_status(self, shop_id: str, product_ids: Sequence[str], status: ProductStatus) -> None:
        """What TikTok answered to our Activate or Deactivate call, so the next push plans from it without
        waiting for a sync; a product no longer SELLER_DEACTIVATED is no longer ours to activate."""
        with Session(self.engine) as session:
            session.execute(
                update(CatalogSku)
                .where(col(CatalogSku.shop_id) == shop_id, col(CatalogSku.product_id).in_(product_ids))
                .values(product_status=status, updated_at=utcnow())
            )
            if status != ProductStatus.SELLER_DEACTIVATED:
                _drop_stock_deactivations(session, shop_id, product_ids)
            session.commit()

    def reserve_stock(
        self, shop_id: str, order_id: str, warehouse_id: str, items: Sequence[tuple[str, int]]
    ) -> Reservation:
        """Hold stock for a paid order in its warehouse, all SKUs or none. Idempotent by order id; SKUs we
        keep no stock of are not tracked and always succeed. A tracked SKU with no stock row in the
        order's warehouse is never taken from another one: the order is refused as `unstocked` (with no
        `warehouse_id`, a SKU stocked in one warehouse only is taken from there). Safe under concurrent
        orders: each SKU is taken with one conditional UPDATE (`on_hand - reserved >= quantity`)."""
        with Session(self.engine) as session:
            existing = session.exec(
                select(StockReservation).where(
                    StockReservation.shop_id == shop_id, StockReservation.order_id == order_id
                )
            ).first()
            if existing is not None:
                return Reservation(reserved=existing.status is not ReservationStatus.RELEASED)
            connection = session.connection()
            short, unstocked = [], []
            for sku_id, quantity in items:
                stocked_in = session.exec(
                    select(WarehouseStockRow.warehouse_id).where(
                        WarehouseStockRow.shop_id == shop_id, WarehouseStockRow.sku_id == sku_id
                    )
                ).all()
                if not stocked_in:
                    continue
                taken_from = warehouse_id or (stocked_in[0] if len(stocked_in) == 1 else "")
                if taken_from not in stocked_in:
                    unstocked.append(sku_id)
                    continue
                session.add(
                    StockReservation(
                        shop_id=shop_id,
                        order_id=order_id,
                        sku_id=sku_id,
                        warehouse_id=taken_from,
                        quantity=quantity,
                    )
                )
                try:
                    session.flush()
                except IntegrityError:  # the same order, reserving at this very moment elsewhere
                    session.rollback()
                    return self.reserve_stock(shop_id, order_id, warehouse_id, items)
                taken = connection.execute(
                    update(WarehouseStockRow)
                    .where(
                        col(WarehouseStockRow.shop_id) == shop_id,
                        col(WarehouseStockRow.sku_id) == sku_id,
                        col(WarehouseStockRow.warehouse_id) == taken_from,
                        col(WarehouseStockRow.on_hand) - col(WarehouseStockRow.reserved) >= quantity,
                    )
                    .values(reserved=col(WarehouseStockRow.reserved) + quantity)
                )
                if taken.rowcount != 1:
                    short.append(sku_id)
            if short or unstocked:
                session.rollback()
                return Reservation(reserved=False, short=short, unstocked=unstocked)
            session.commit()
            return Reservation(reserved=True)

    def settle_reservation(self, shop_id: str, order_id: str, status: ReservationStatus) -> bool:
        """Move an order's stock once, in the warehouse it was held in: RESERVED -> SHIPPED takes it off
        the shelf; RESERVED or SHIPPED -> RELEASED (a cancelled order's package never left, or a return
        came back) puts it back."""
        sources = [source for source, target in _STOCK_MOVES if target is status]
        changed = False
        with Session(self.engine) as session:
            connection = session.connection()
            rows = session.exec(
                select(StockReservation).where(
                    StockReservation.shop_id == shop_id,
                    StockReservation.order_id == order_id,
                    col(StockReservation.status).in_(sources),
                )
            ).all()
            for row in rows:
                moved = connection.execute(
                    update(StockReservation)
                    .where(
                        col(StockReservation.shop_id) == shop_id,
                        col(StockReservation.order_id) == order_id,
                        col(StockReservation.sku_id) == row.sku_id,
                        col(StockReservation.status) == row.status,
                    )
                    .values(status=status, updated_at=utcnow())
                )
                if moved.rowcount != 1:
                    continue  # settled concurrently
                held, shelf = _STOCK_MOVES[(row.status, status)]
                connection.execute(
                    update(WarehouseStockRow)
                    .where(
                        col(WarehouseStockRow.shop_id) == shop_id,
                        col(WarehouseStockRow.sku_id) == row.sku_id,
                        col(WarehouseStockRow.warehouse_id) == row.warehouse_id,
                    )
                    .values(
                        reserved=col(WarehouseStockRow.reserved) + held * row.quantity,
                        on_hand=col(WarehouseStockRow.on_hand) + shelf * row.quantity,
                    )
                )
                changed = True
            session.commit()
        return changed


def _sync_warehouses(session: Session, shop_id: str, sku_id: str, quantities: dict[str, int]) -> None:
    """The SKU's stock rows after a sync: one per warehouse TikTok lists (new ones start at TikTok's
    quantity there), the others kept but no longer assigned."""
    rows = session.exec(
        select(WarehouseStockRow).where(
            WarehouseStockRow.shop_id == shop_id, WarehouseStockRow.sku_id == sku_id
        )
    ).all()
    known = {row.warehouse_id: row for row in rows}
    for warehouse_id, quantity in quantities.items():
        if warehouse_id not in known:
            known[warehouse_id] = WarehouseStockRow(
                shop_id=shop_id, sku_id=sku_id, warehouse_id=warehouse_id, on_hand=quantity
            )
        known[warehouse_id].tiktok_quantity = quantity
    for warehouse_id, row in known.items():
        row.assigned = warehouse_id in quantities
        row.updated_at = utcnow()
        session.add(row)


def _drop_stock_deactivations(session: Session, shop_id: str, product_ids: Sequence[str]) -> None:
    session.execute(
        delete(StockDeactivation).where(
            col(StockDeactivation.shop_id) == shop_id, col(StockDeactivation.product_id).in_(product_ids)
        )
    )
