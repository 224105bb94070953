"""`creatorflow rules …`: a seller's shipping rules, box presets and SKU package overrides, per shop.

Every write is validated first (`ShippingRule`, `BoxPreset`, `PackageSpec`); a bad one is refused with
what is wrong and nothing is stored. `rules test` evaluates the stored rules against sample rates.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import typer
from pydantic import TypeAdapter, ValidationError

from creatorflow.config import get_settings
from creatorflow.domain import Provider, Rate
from creatorflow.shipping.errors import NoEligibleRateError
from creatorflow.shipping.parcels import BoxPreset, LengthUnit, PackageSpec, WeightUnit
from creatorflow.shipping.rules import RuleContext, ShippingRule
from creatorflow.store import Store
from starter import runtime

rules_app = typer.Typer(
    help="Per-shop shipping rules (which rate to buy), box presets and SKU package sizes.",
    no_args_is_help=True,
)
boxes_app = typer.Typer(help="The boxes a shop packs in; an order goes in the smallest that fits.")
packages_app = typer.Typer(help="A SKU's packed size and weight, overriding TikTok's product data.")
rules_app.add_typer(boxes_app, name="boxes", no_args_is_help=True)
rules_app.add_typer(packages_app, name="packages", no_args_is_help=True)

T = TypeVar("T")
_RATES = TypeAdapter(list[Rate])


def _store() -> Store:
    return runtime.store(get_settings())


def checked(build: Callable[[], T]) -> T:
    """`build()`, or exit 1 with one line per problem instead of a traceback."""
    try:
        return build()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            typer.echo(f"invalid: {where + ': ' if where else ''}{error['msg']}", err=True)
    except (KeyError, ValueError) as exc:
        typer.echo(f"refused: {exc.args[0] if exc.args else exc}", err=True)
    raise typer.Exit(1)


@rules_app.command("list")
def list_rules(shop: str = typer.Argument(help="shop id")) -> None:
    """The shop's rules in the order they apply, and its default service."""
    book = _store().rule_book(shop)
    typer.echo(f"default service: {book.default_service or '(none: labels record no baseline)'}")
    for position, rule in enumerate(book.rules):
        state = "" if rule.enabled else " (disabled)"
        body = rule.model_dump(mode="json", exclude_defaults=True, exclude={"name", "enabled"})
        typer.echo(f"{position:>3}  {rule.name}{state}  {json.dumps(body, sort_keys=True)}")
    if not book.rules:
        typer.echo("no rules: the cheapest rate wins")


@rules_app.command("add")
def add_rule(
    shop: str = typer.Argument(help="shop id"),
    name: str | None = typer.Option(None, help="the rule's name, as decisions quote it"),
    body: str | None = typer.Option(None, "--json", help="the whole rule as JSON; flags given override it"),
    at: int | None = typer.Option(None, min=0, help="position, 0 first (default: last)"),
    disabled: bool = typer.Option(False, "--disabled", help="store it switched off"),
    weight_at_least_oz: Decimal | None = typer.Option(None, help="applies from this packed weight"),
    weight_under_oz: Decimal | None = typer.Option(None, help="applies under this packed weight"),
    country: list[str] = typer.Option([], help="applies to these destination countries (repeat)"),
    state: list[str] = typer.Option([], help="applies to these destination states (repeat)"),
    value_at_least: Decimal | None = typer.Option(None, help="applies from this order value"),
    value_under: Decimal | None = typer.Option(None, help="applies under this order value"),
    sku: list[str] = typer.Option([], help="applies when the order has any of these SKUs (repeat)"),
    allow_provider: list[Provider] = typer.Option([], help="only these providers (repeat)"),
    deny_provider: list[Provider] = typer.Option([], help="never these providers (repeat)"),
    allow_carrier: list[str] = typer.Option([], help="only these carriers (repeat)"),
    deny_carrier: list[str] = typer.Option([], help="never these carriers (repeat)"),
    allow_service: list[str] = typer.Option([], help="only these service codes (repeat)"),
    deny_service: list[str] = typer.Option([], help="never these service codes (repeat)"),
    price_cap: Decimal | None = typer.Option(None, help="never pay more than this"),
    max_delivery_days: int | None = typer.Option(None, help="promised days in transit at most"),
    prefer_provider: Provider | None = typer.Option(None, help="buy from this provider when close"),
    prefer_within_percent: Decimal | None = typer.Option(None, help="…up to this much dearer than cheapest"),
) -> None:
    """Add a rule from flags or `--json` (fields as `rules list` shows them)."""
    fields: dict[str, Any] = checked(lambda: json.loads(body)) if body else {}
    if not isinstance(fields, dict):
        typer.echo("invalid: --json must be one JSON object", err=True)
        raise typer.Exit(1)
    flags: dict[str, Any] = {
        "name": name,
        "enabled": False if disabled else None,
        "weight_at_least_oz": weight_at_least_oz,
        "weight_under_oz": weight_under_oz,
        "countries": country,
        "states": state,
        "value_at_least": value_at_least,
        "value_under": value_under,
        "skus": sku,
        "allow_providers": allow_provider,
        "deny_providers": deny_provider,
        "allow_carriers": allow_carrier,
        "deny_carriers": deny_carrier,
        "allow_services": allow_service,
        "deny_services": deny_service,
        "price_cap": price_cap,
        "max_delivery_days": max_delivery_days,
        "prefer_provider": prefer_provider,
        "prefer_within_percent": prefer_within_percent,
    }
    fields |= {key: value for key, value in flags.items() if value not in (None, [])}
    rule = checked(lambda: ShippingRule.model_validate(fields))
    checked(lambda: _store().add_rule(shop, rule, position=at))
    typer.echo(f"added rule {rule.name!r} to shop {shop}")


@rules_app.command("remove")
def remove_rule(shop: str = typer.Argument(help="shop id"), name: str = typer.Argument()) -> None:
    checked(lambda: _store().remove_rule(shop, name))
    typer.echo(f"removed rule {name!r} from shop {shop}")


@rules_app.command("move")
def move_rule(
    shop: str = typer.Argument(help="shop id"),
    name: str = typer.Argument(),
    position: int = typer.Argument(min=0, help="0 applies first"),
) -> None:
    checked(lambda: _store().move_rule(shop, name, position))
    typer.echo(f"moved rule {name!r} to position {position}")


@rules_app.command("default-service")
def default_service(
    shop: str = typer.Argument(help="shop id"),
    service: str = typer.Argument("", help="a service code as quotes carry it; empty to clear"),
) -> None:
    """The service the seller would buy without rules: each label records its price as the baseline."""
    _store().set_default_service(shop, service)
    typer.echo(f"default service for shop {shop}: {service or '(none)'}")


@rules_app.command("test")
def test_rules(
    shop: str = typer.Argument(help="shop id"),
    rates: Path = typer.Option(..., exists=True, dir_okay=False, help="a JSON list of quoted rates"),
    country: str = typer.Option("US", help="destination country"),
    state: str = typer.Option("", help="destination state code"),
    weight_oz: Decimal = typer.Option(..., help="the order's packed weight"),
    value: Decimal = typer.Option(..., help="the order's value"),
    sku: list[str] = typer.Option([], help="SKUs in the order (repeat)"),
    deliver_by: str | None = typer.Option(None, help="deadline, YYYY-MM-DD"),
) -> None:
    """Evaluate the shop's stored rules against sample rates (a JSON file of `Rate` objects, e.g. from
    a past label's explanation) and print the decision. Nothing is quoted or bought."""
    quoted = checked(lambda: _RATES.validate_json(rates.read_bytes()))
    context = checked(
        lambda: RuleContext(
            weight_oz=weight_oz,
            country=country.upper(),
            state=state,
            order_value=value,
            skus=frozenset(sku),
            ship_on=date.today(),
            deliver_by=date.fromisoformat(deliver_by) if deliver_by else None,
        )
    )
    try:
        decision = _store().rule_book(shop).choose(quoted, context)
    except NoEligibleRateError as exc:
        typer.echo(exc.explanation.summary)
        raise typer.Exit(2) from None
    typer.echo(decision.summary())


@boxes_app.command("list")
def list_boxes(shop: str = typer.Argument(help="shop id")) -> None:
    """Smallest first, the order boxes are tried in."""
    for box in _store().boxes(shop):
        sides = " x ".join(f"{side}" for side in (box.length, box.width, box.height))
        typer.echo(
            f"{box.name:<16} {sides} {box.length_unit}  empty {box.empty_weight} {box.weight_unit}, "
            f"up to {box.max_weight} {box.weight_unit} packed"
        )


@boxes_app.command("add")
def add_box(
    shop: str = typer.Argument(help="shop id"),
    name: str = typer.Argument(),
    length: Decimal = typer.Argument(help="inside length"),
    width: Decimal = typer.Argument(help="inside width"),
    height: Decimal = typer.Argument(help="inside height"),
    empty_weight: Decimal = typer.Option(..., help="the empty box with its fill"),
    max_weight: Decimal = typer.Option(..., help="the most it may weigh packed, box included"),
    length_unit: LengthUnit = typer.Option(LengthUnit.INCH),
    weight_unit: WeightUnit = typer.Option(WeightUnit.OUNCE),
) -> None:
    """Add a box preset, or replace the one of the same name."""
    box = checked(
        lambda: BoxPreset(
            name=name,
            length=length,
            width=width,
            height=height,
            length_unit=length_unit,
            empty_weight=empty_weight,
            max_weight=max_weight,
            weight_unit=weight_unit,
        )
    )
    _store().put_box(shop, box)
    typer.echo(f"box {name!r} saved for shop {shop}")


@boxes_app.command("remove")
def remove_box(shop: str = typer.Argument(help="shop id"), name: str = typer.Argument()) -> None:
    checked(lambda: _store().remove_box(shop, name))
    typer.echo(f"removed box {name!r} from shop {shop}")


@packages_app.command("set")
def set_package(
    shop: str = typer.Argument(help="shop id"),
    sku: str = typer.Argument(help="SKU id, as orders carry it"),
    weight: Decimal = typer.Argument(help="one packed unit"),
    length: Decimal = typer.Argument(),
    width: Decimal = typer.Argument(),
    height: Decimal = typer.Argument(),
    weight_unit: WeightUnit = typer.Option(WeightUnit.OUNCE),
    length_unit: LengthUnit = typer.Option(LengthUnit.INCH),
) -> None:
    """Set a SKU's packed size and weight; it wins over TikTok's product data."""
    spec = checked(
        lambda: PackageSpec(
            weight=weight,
            weight_unit=weight_unit,
            length=length,
            width=width,
            height=height,
            length_unit=length_unit,
        )
    )
    _store().set_package(shop, sku, spec)
    typer.echo(f"package for SKU {sku} saved for shop {shop}")


@packages_app.command("show")
def show_packages(shop: str = typer.Argument(help="shop id")) -> None:
    """The SKUs whose package the seller set (others use TikTok's product data)."""
    for sku, spec in sorted(_store().package_overrides(shop).items()):
        typer.echo(
            f"{sku:<24} {spec.weight} {spec.weight_unit}  "
            f"{spec.length} x {spec.width} x {spec.height} {spec.length_unit}"
        )


@packages_app.command("remove")
def remove_package(shop: str = typer.Argument(help="shop id"), sku: str = typer.Argument()) -> None:
    """Forget the override: the SKU goes back to TikTok's product data."""
    checked(lambda: _store().remove_package(shop, sku))
    typer.echo(f"package override for SKU {sku} removed from shop {shop}")
