"""Each shop's warehouses as TikTok lists them (Get Warehouse List): a label ships from the order's
warehouse, and returns go to the shop's return warehouse.

Never a configured address instead: a warehouse we do not know, or whose address TikTok gave us unusable,
is an error the order parks on (with the time of the list it was looked up in) until a sync knows better.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import Session, col, delete, func, select

from creatorflow.addresses import AddressUnusableError, warehouse_address
from creatorflow.domain import Address
from creatorflow.store.repository import Repository
from creatorflow.store.tables import DeliveryOptionRow, ShopWarehouseRow, utcnow
from creatorflow.tiktok.models import Warehouse, WarehouseStatus, WarehouseType


class WarehouseUnknownError(LookupError):
    """TikTok's warehouse list for the shop, as last synced, has no such warehouse to ship from or to."""


class WarehouseRepository(Repository):
    def sync_warehouses(self, shop_id: str, warehouses: Sequence[Warehouse]) -> None:
        """Make TikTok's list the shop's whole set: a warehouse it no longer lists is dropped."""
        now = utcnow()
        with Session(self.engine) as session:
            session.exec(delete(ShopWarehouseRow).where(col(ShopWarehouseRow.shop_id) == shop_id))
            session.add_all(_row(shop_id, warehouse, now) for warehouse in warehouses)
            session.commit()

    def tiktok_carriers(self, shop_id: str, delivery_option_id: str) -> frozenset[str] | None:
        """The carriers TikTok takes for the delivery option, or None when they were never read."""
        with Session(self.engine) as session:
            row = session.get(DeliveryOptionRow, (shop_id, delivery_option_id))
        return frozenset(json.loads(row.carriers)) if row else None

    def keep_tiktok_carriers(self, shop_id: str, delivery_option_id: str, carriers: Sequence[str]) -> None:
        with Session(self.engine) as session:
            session.merge(
                DeliveryOptionRow(
                    shop_id=shop_id,
                    delivery_option_id=delivery_option_id,
                    carriers=json.dumps(sorted(carriers)),
                    synced_at=utcnow(),
                )
            )
            session.commit()

    def knows_warehouse(self, shop_id: str, warehouse_id: str) -> bool:
        with Session(self.engine) as session:
            return session.get(ShopWarehouseRow, (shop_id, warehouse_id)) is not None

    def ship_from(self, shop_id: str, warehouse_id: str) -> Address:
        """The origin of a label for an order TikTok assigned to `warehouse_id`."""
        with Session(self.engine) as session:
            row = session.get(ShopWarehouseRow, (shop_id, warehouse_id)) if warehouse_id else None
            if row is None:
                synced = _synced(session, shop_id)
                raise WarehouseUnknownError(
                    f"shop {shop_id} has no warehouse {warehouse_id or '(none given)'} in TikTok's "
                    f"warehouse list ({synced})"
                )
        return _address(row)

    def return_to(self, shop_id: str) -> Address:
        """Where returns go: the default enabled return warehouse, else the only enabled one."""
        with Session(self.engine) as session:
            enabled = list(
                session.exec(
                    select(ShopWarehouseRow).where(
                        ShopWarehouseRow.shop_id == shop_id,
                        ShopWarehouseRow.type == WarehouseType.RETURN_WAREHOUSE,
                        ShopWarehouseRow.effect_status == WarehouseStatus.ENABLED,
                    )
                )
            )
            defaults = [row for row in enabled if row.is_default]
            chosen = defaults or (enabled if len(enabled) == 1 else [])
            if not chosen:
                count = f"{len(enabled)} enabled return warehouses and no default" if enabled else "none"
                raise WarehouseUnknownError(
                    f"shop {shop_id} has no return warehouse to send returns to in TikTok's warehouse "
                    f"list ({count}; {_synced(session, shop_id)})"
                )
        return _address(chosen[0])


def _row(shop_id: str, warehouse: Warehouse, synced_at: datetime) -> ShopWarehouseRow:
    try:
        address, problem = warehouse_address(warehouse.name, warehouse.address).model_dump_json(), None
    except AddressUnusableError as exc:
        address, problem = None, str(exc)
    return ShopWarehouseRow(
        shop_id=shop_id,
        warehouse_id=warehouse.id,
        name=warehouse.name,
        type=warehouse.type,
        effect_status=warehouse.effect_status,
        is_default=warehouse.is_default,
        address=address,
        address_problem=problem,
        synced_at=synced_at,
    )


def _address(row: ShopWarehouseRow) -> Address:
    if row.address is None:
        raise AddressUnusableError(
            f"shop {row.shop_id}'s warehouse {row.warehouse_id} ({row.name}): {row.address_problem} "
            f"(synced {row.synced_at.isoformat()})"
        )
    return Address.model_validate_json(row.address)


def _synced(session: Session, shop_id: str) -> str:
    last = session.exec(
        select(func.max(ShopWarehouseRow.synced_at)).where(ShopWarehouseRow.shop_id == shop_id)
    ).one()
    return f"synced {last.isoformat()}" if last else "none stored: not synced yet, or TikTok listed none"
