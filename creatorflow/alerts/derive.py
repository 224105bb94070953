"""Alerts derived from the store's facts at one instant: a pure function, so a sweep run twice (or
retried) derives the same ids and the outbox sends each cause once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from creatorflow.alerts.models import Alert, AlertKind, AlertSettings
from creatorflow.inventory import InventoryPolicy, StockLevel, is_low
from creatorflow.orders import TERMINAL_STATES, FulfillmentState, progress_of, reached
from creatorflow.store.tables import FinanceStatementRow, OrderRecord, Shop, ShopStatus

# Ship-by warnings, tightest last: an order is warned once per threshold it is found inside of, and only
# for the tightest one crossed (an order first seen 3 hours before its ship-by gets the 4 h alert alone).
SHIP_BY_WARNINGS = (timedelta(hours=24), timedelta(hours=12), timedelta(hours=4))
AUTHORIZATION_NOTICE = timedelta(days=7)
# Payouts of statements at most this old are announced: a shop turning alerts on is not sent its history.
PAYOUT_NOTICE = timedelta(days=7)

OrderLink = Callable[[str, str], str]  # (shop id, order id) -> URL


def derive_alerts(
    now: datetime,
    shop: Shop,
    settings: AlertSettings,
    orders: Sequence[OrderRecord],
    stock: Sequence[StockLevel],
    link: OrderLink,
    inventory: InventoryPolicy,
    payouts: Sequence[FinanceStatementRow] = (),
) -> list[Alert]:
    """Every alert the facts call for now, of the kinds the shop wants (the outbox drops known ids).
    `inventory` gives the low-stock threshold of shops that set none; `payouts`, the shop's PAID statements
    (`Store.payouts_since`, from the finance sync)."""
    if settings.low_stock_at is not None:
        inventory = inventory.model_copy(update={"low_stock_threshold": settings.low_stock_at})
    alerts = [
        *(_attention(order, link) for order in orders if _parked(order)),
        *(alert for order in orders if (alert := _ship_by(now, order, link)) is not None),
        *_authorization(now, shop),
        *(
            _low_stock(now, level, inventory.low_stock_threshold)
            for level in stock
            if is_low(level, inventory)
            and (level.active or level.stock_deactivated)  # on sale, or off sale for want of it
        ),
        *(_payout(statement) for statement in payouts if _recent(now, statement)),
    ]
    return [alert for alert in alerts if alert.kind in settings.kinds]


def _recent(now: datetime, statement: FinanceStatementRow) -> bool:
    return statement.statement_time >= (now - PAYOUT_NOTICE).timestamp()


def _payout(statement: FinanceStatementRow) -> Alert:
    day = datetime.fromtimestamp(statement.statement_time, UTC)
    figures = [
        f"{name} {amount}"
        for name, amount in (
            ("revenue", statement.revenue_amount),
            ("fees", statement.fee_amount),
            ("adjustments", statement.adjustment_amount),
        )
        if amount is not None
    ]
    return Alert(
        alert_id=f"payout:{statement.shop_id}:{statement.statement_id}",
        shop_id=statement.shop_id,
        kind=AlertKind.PAYOUT,
        subject=f"payout: {statement.settlement_amount} {statement.currency}, statement of {day:%Y-%m-%d}",
        lines=[f"payment {statement.payment_id or '-'}: {', '.join(figures) or 'no breakdown'}"],
    )


def _parked(order: OrderRecord) -> bool:
    return order.state == FulfillmentState.NEEDS_ATTENTION and bool(order.attention_reason)


def _attention(order: OrderRecord, link: OrderLink) -> Alert:
    since = order.attention_since or order.updated_at
    return Alert(
        alert_id=f"attention:{order.shop_id}:{order.order_id}:{order.attention_reason}:{int(since.timestamp())}",
        shop_id=order.shop_id,
        kind=AlertKind.ATTENTION,
        subject=f"order {order.order_id} needs attention: {order.attention_reason}",
        lines=[f"since {since:%Y-%m-%d %H:%M} UTC"],
        link=link(order.shop_id, order.order_id),
    )


def _ship_by(now: datetime, order: OrderRecord, link: OrderLink) -> Alert | None:
    """The tightest ship-by warning crossed by an order the carrier has not scanned yet."""
    if order.ship_by is None or order.state in TERMINAL_STATES:
        return None
    stage = progress_of(order.stage or order.state)
    if stage is not None and reached(stage, FulfillmentState.IN_TRANSIT):
        return None
    crossed = [warning for warning in SHIP_BY_WARNINGS if now >= order.ship_by - warning]
    if not crossed:
        return None
    hours = int(crossed[-1].total_seconds() // 3600)
    left = order.ship_by - now
    when = f"in {_hours(left)}" if left > timedelta(0) else f"{_hours(-left)} ago"
    return Alert(
        alert_id=f"shipby:{order.shop_id}:{order.order_id}:{hours}h",
        shop_id=order.shop_id,
        kind=AlertKind.SHIP_BY,
        subject=f"order {order.order_id} not scanned by the carrier; ship-by {when}",
        lines=[f"ship-by {order.ship_by:%Y-%m-%d %H:%M} UTC, state {order.state}"],
        link=link(order.shop_id, order.order_id),
    )


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


def _authorization(now: datetime, shop: Shop) -> list[Alert]:
    if shop.status != ShopStatus.ACTIVE:
        return [
            Alert(
                alert_id=f"auth-failed:{shop.shop_id}:{shop.status}:{int(shop.updated_at.timestamp())}",
                shop_id=shop.shop_id,
                kind=AlertKind.AUTHORIZATION,
                subject=f"shop {shop.name or shop.shop_id}: authorization failed ({shop.status})",
                lines=["no label is bought until the seller authorizes the app again"],
            )
        ]
    expires = shop.authorization_expires_at
    if expires is None or expires - now > AUTHORIZATION_NOTICE:
        return []
    return [
        Alert(
            alert_id=f"auth-expiring:{shop.shop_id}:{int(expires.timestamp())}",
            shop_id=shop.shop_id,
            kind=AlertKind.AUTHORIZATION,
            subject=f"shop {shop.name or shop.shop_id}: authorization expires {expires:%Y-%m-%d %H:%M} UTC",
            lines=["the seller must authorize the app again before then"],
        )
    ]


def _low_stock(now: datetime, level: StockLevel, threshold: int) -> Alert:
    """At most one per SKU, warehouse and UTC day while it stays low there."""
    where = f" in warehouse {level.warehouse_id}" if level.warehouse_id else ""
    return Alert(
        alert_id=f"lowstock:{level.shop_id}:{level.sku_id}:{level.warehouse_id}:{now:%Y-%m-%d}",
        shop_id=level.shop_id,
        kind=AlertKind.LOW_STOCK,
        subject=(
            f"low stock: {level.seller_sku or level.sku_id} {level.title}: {level.available} available{where}"
        ),
        lines=[f"on hand {level.on_hand}, reserved {level.reserved}, alert at {threshold} or under"],
    )
