"""Per-shop shipping settings the seller edits: rate rules (in order), box presets, SKU package overrides.

Each row keeps its model as JSON and every write goes through the model first, so what is stored always
validates; a bad rule is refused with pydantic's message before anything is written.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session, col, select

from creatorflow.domain import Parcel, Rate
from creatorflow.orders import OrderItem
from creatorflow.shipping.parcels import (
    BoxPreset,
    ItemToPack,
    PackageData,
    PackageSpec,
    PlannedParcel,
    parcel_for_order,
    plan_for_order,
    resolve_packages,
)
from creatorflow.shipping.rules import RuleBook, ShippingRule
from creatorflow.store.repository import Repository
from creatorflow.store.tables import (
    BoxPresetRow,
    ProductPackageRow,
    ShippingRuleRow,
    ShippingSettingsRow,
    SkuPackageOverrideRow,
    TikTokQuoteRow,
    utcnow,
)


class RulesRepository(Repository):
    """Models in and out; the rows keep them as JSON."""

    # --- rules ---

    def rule_book(self, shop_id: str) -> RuleBook:
        with Session(self.engine) as session:
            settings = session.get(ShippingSettingsRow, shop_id)
        return RuleBook(
            rules=tuple(self.rules(shop_id)),
            default_service=settings.default_service if settings else None,
        )

    def rules(self, shop_id: str) -> list[ShippingRule]:
        with Session(self.engine) as session:
            return [ShippingRule.model_validate_json(row.body) for row in self._rule_rows(session, shop_id)]

    def add_rule(
        self, shop_id: str, rule: ShippingRule | Mapping[str, Any], position: int | None = None
    ) -> ShippingRule:
        """Insert at `position` (0 is first; default last). Raises ValueError on a duplicate name."""
        rule = rule if isinstance(rule, ShippingRule) else ShippingRule.model_validate(rule)
        with Session(self.engine) as session:
            rows = self._rule_rows(session, shop_id)
            if any(row.name.casefold() == rule.name.casefold() for row in rows):
                raise ValueError(f"shop {shop_id} already has a rule named {rule.name!r}")
            row = ShippingRuleRow(
                shop_id=shop_id, name=rule.name, position=len(rows), body=rule.model_dump_json()
            )
            session.add(row)
            rows.insert(len(rows) if position is None else position, row)
            self._renumber(rows)
            session.commit()
        return rule

    def remove_rule(self, shop_id: str, name: str) -> None:
        with Session(self.engine) as session:
            rows = self._rule_rows(session, shop_id)
            row = self._named(rows, shop_id, name)
            session.delete(row)
            rows.remove(row)
            self._renumber(rows)
            session.commit()

    def move_rule(self, shop_id: str, name: str, position: int) -> None:
        with Session(self.engine) as session:
            rows = self._rule_rows(session, shop_id)
            row = self._named(rows, shop_id, name)
            rows.remove(row)
            rows.insert(position, row)
            self._renumber(rows)
            session.commit()

    def set_default_service(self, shop_id: str, service: str | None) -> None:
        with Session(self.engine) as session:
            session.merge(ShippingSettingsRow(shop_id=shop_id, default_service=service or None))
            session.commit()

    @staticmethod
    def _rule_rows(session: Session, shop_id: str) -> list[ShippingRuleRow]:
        query = select(ShippingRuleRow).where(ShippingRuleRow.shop_id == shop_id)
        return list(session.exec(query.order_by(col(ShippingRuleRow.position))))

    @staticmethod
    def _named(rows: list[ShippingRuleRow], shop_id: str, name: str) -> ShippingRuleRow:
        for row in rows:
            if row.name.casefold() == name.casefold():
                return row
        raise KeyError(f"shop {shop_id} has no rule named {name!r}")

    @staticmethod
    def _renumber(rows: list[ShippingRuleRow]) -> None:
        """Positions 0..n-1 in list order, so what `list` shows is what `move` and `add --at` count."""
        now = utcnow()
        for position, row in enumerate(rows):
            if row.position != position:
                row.position, row.updated_at = position, now

    # --- boxes ---

    def boxes(self, shop_id: str) -> list[BoxPreset]:
        with Session(self.engine) as session:
            rows = session.exec(select(BoxPresetRow).where(BoxPresetRow.shop_id == shop_id))
            boxes = [BoxPreset.model_validate_json(row.body) for row in rows]
        return sorted(boxes, key=lambda box: (box.volume_in3, box.max_oz, box.name))

    def put_box(self, shop_id: str, box: BoxPreset) -> None:
        """Add the box, or replace the shop's box of the same name."""
        with Session(self.engine) as session:
            row = session.get(BoxPresetRow, (shop_id, box.name))
            if row is None:
                session.add(BoxPresetRow(shop_id=shop_id, name=box.name, body=box.model_dump_json()))
            else:
                row.body, row.updated_at = box.model_dump_json(), utcnow()
            session.commit()

    def remove_box(self, shop_id: str, name: str) -> None:
        with Session(self.engine) as session:
            row = session.get(BoxPresetRow, (shop_id, name))
            if row is None:
                raise KeyError(f"shop {shop_id} has no box named {name!r}")
            session.delete(row)
            session.commit()

    # --- package overrides ---

    def package_overrides(self, shop_id: str) -> dict[str, PackageSpec]:
        with Session(self.engine) as session:
            rows = session.exec(select(SkuPackageOverrideRow).where(SkuPackageOverrideRow.shop_id == shop_id))
            return {row.sku: PackageSpec.model_validate_json(row.body) for row in rows}

    def packages(self, shop_id: str, product_of: Mapping[str, str]) -> dict[str, PackageSpec]:
        """Each SKU of `product_of` (SKU id -> its product id, as order lines carry them) that has a packed
        unit: the seller's override, else TikTok's data for its product. A SKU missing from the answer has
        neither: the order cannot be packed, and its parcel must not be guessed."""
        with Session(self.engine) as session:
            rows = session.exec(
                select(ProductPackageRow).where(
                    ProductPackageRow.shop_id == shop_id,
                    col(ProductPackageRow.product_id).in_(set(product_of.values())),
                )
            ).all()
        by_product = {row.product_id: PackageData.model_validate_json(row.body) for row in rows if row.body}
        tiktok = {sku: by_product[product] for sku, product in product_of.items() if product in by_product}
        overrides = {sku: spec for sku, spec in self.package_overrides(shop_id).items() if sku in product_of}
        return resolve_packages(tiktok, overrides)

    def parcel_for(self, shop_id: str, items: Sequence[OrderItem]) -> Parcel:
        """The parcel an order ships as, from its SKUs' packages and the shop's boxes (`parcel_for_order`:
        raises rather than guess)."""
        packages = self.packages(shop_id, {item.sku_id: item.product_id for item in items})
        to_pack = [ItemToPack(sku=item.sku_id, quantity=item.quantity) for item in items]
        return parcel_for_order(to_pack, packages, self.boxes(shop_id))

    def plan_for(self, shop_id: str, items: Sequence[OrderItem]) -> list[PlannedParcel]:
        """The parcels an order ships in, one or several boxes (`plan_for_order`: raises rather than
        guess); the same items, package data and boxes always give the same plan."""
        packages = self.packages(shop_id, {item.sku_id: item.product_id for item in items})
        to_pack = [ItemToPack(sku=item.sku_id, quantity=item.quantity) for item in items]
        return plan_for_order(to_pack, packages, self.boxes(shop_id))

    def keep_tiktok_quotes(self, shop_id: str, order_id: str, rates: Sequence[Rate]) -> None:
        """TikTok Shipping's quotes for the order, replacing earlier ones (none: TikTok offers nothing)."""
        body = json.dumps([rate.model_dump(mode="json") for rate in rates])
        with Session(self.engine) as session:
            session.merge(TikTokQuoteRow(shop_id=shop_id, order_id=order_id, rates=body, quoted_at=utcnow()))
            session.commit()

    def tiktok_quotes(self, shop_id: str, order_id: str) -> list[Rate]:
        with Session(self.engine) as session:
            row = session.get(TikTokQuoteRow, (shop_id, order_id))
        return [Rate.model_validate(rate) for rate in json.loads(row.rates)] if row else []

    def set_package(self, shop_id: str, sku: str, spec: PackageSpec) -> None:
        """The seller's packed size and weight for `sku`; it wins over TikTok's product data."""
        with Session(self.engine) as session:
            row = session.get(SkuPackageOverrideRow, (shop_id, sku))
            if row is None:
                session.add(SkuPackageOverrideRow(shop_id=shop_id, sku=sku, body=spec.model_dump_json()))
            else:
                row.body, row.updated_at = spec.model_dump_json(), utcnow()
            session.commit()

    def remove_package(self, shop_id: str, sku: str) -> None:
        with Session(self.engine) as session:
            row = session.get(SkuPackageOverrideRow, (shop_id, sku))
            if row is None:
                raise KeyError(f"shop {shop_id} has no package override for SKU {sku!r}")
            session.delete(row)
            session.commit()
