"""Workflows on the real dev server, two ways.

`FakeWorld`/`Harness`: OrderWorkflow with test doubles registered under the production activity names, so
what is under test is the workflow's decisions. `World`: the real activities, onboarding and gateway over
HTTP against a TikTok emulator of the test's own (shop and catalog workflows).
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.exceptions import ApplicationError
from temporalio.testing import TimeSkippingConfig, WorkflowEnvironment
from temporalio.worker import Worker

from activities import contracts
from creatorflow.api.onboarding import Onboarding
from creatorflow.config import Settings, TikTokSettings
from creatorflow.crypto import Keyring
from creatorflow.domain import (
    Address,
    Label,
    LabelRefund,
    Parcel,
    Provider,
    Rate,
    RateExplanation,
    RefundStatus,
    Tracking,
    TrackingStatus,
)
from creatorflow.inventory import InventoryPolicy, Reservation
from creatorflow.names import (
    ORDERS_TASK_QUEUE,
    TIKTOK_TASK_QUEUE,
    catalog_workflow_id,
    order_workflow_id,
    shop_workflow_id,
)
from creatorflow.orders import (
    FulfillmentMode,
    OrderInput,
    OrderItem,
    OrderPolicy,
    OrderSnapshot,
    RateChoice,
)
from creatorflow.shipping.parcels import ItemToPack, PlannedParcel
from creatorflow.shops import PaymentHold, ShopPolicy
from creatorflow.store import Store
from creatorflow.store.db import create_schema, make_engine
from creatorflow.tiktok.client import TikTokShopClient
from devstack.background_server import BackgroundServer
from emulators.tiktok.admin_client import TikTokSandboxControl
from emulators.tiktok.app import TikTokEmulatorConfig, create_app
from tests.keys import TEST_KEYRING
from workers.client import data_converter
from workers.devserver import SQLITE_ARGS, TIME_SKIPPING, start_dev_server, temporal_binary
from workers.gateway import TemporalGateway
from workers.worker import running_workers
from workflows.order import OrderWorkflow
from workflows.search_attributes import LOW_STOCK, SEARCH_ATTRIBUTES
from workflows.shop import ShopWorkflow

GOOD_ADDRESS = Address(
    name="Ada Buyer", street1="1 Main St", city="Austin", state="TX", postal_code="78701", country="US"
)
UNDELIVERABLE = GOOD_ADDRESS.model_copy(update={"postal_code": "00000"})
MOVED = GOOD_ADDRESS.model_copy(update={"street1": "9 Elm St", "postal_code": "78702"})
ONE_BOX = Parcel(length_in=Decimal(10), width_in=Decimal(8), height_in=Decimal(4), weight_oz=Decimal(20))


def snapshot(order_id: str, status: str, update_time: int, **changes: object) -> OrderSnapshot:
    fields: dict[str, object] = {
        "shop_id": "shop-1",
        "order_id": order_id,
        "tiktok_status": status,
        "update_time": update_time,
        "mode": FulfillmentMode.SELLER_SHIPPED,
        "package_ids": [f"pkg-{order_id}"],
        "items": [OrderItem(sku_id="sku-1", product_id="product-1", quantity=2)],
        "recipient": None if status in ("UNPAID", "ON_HOLD") else GOOD_ADDRESS,
        "ship_by": datetime(2026, 12, 1, tzinfo=UTC),
    }
    fields.update(changes)
    return OrderSnapshot.model_validate(fields)


@dataclass
class FakeWorld:
    """TikTok and a carrier as the workflow sees them through its activities."""

    orders: dict[str, OrderSnapshot] = field(default_factory=dict)
    first_reads: dict[str, list[OrderSnapshot]] = field(default_factory=dict)  # answered before `orders`
    calls: Counter[str] = field(default_factory=Counter)
    purchases: Counter[str] = field(default_factory=Counter)  # idempotency key -> buys
    shipped: dict[str, str] = field(default_factory=dict)  # order id -> tracking number
    tracking_updates: list[tuple[str, str]] = field(default_factory=list)  # (package id, new tracking)
    quoted_to: list[Address] = field(default_factory=list)  # each rate query's destination
    purchase_gate: asyncio.Event | None = None  # if set, a purchase completes only once it is set
    refunded: list[str] = field(default_factory=list)
    cancelled_on_tiktok: list[str] = field(default_factory=list)
    tracking_status: TrackingStatus = TrackingStatus.PRE_TRANSIT
    no_rate_for: set[str] = field(default_factory=set)  # providers that quote nothing eligible
    unpacked_skus: set[str] = field(default_factory=set)  # SKUs with no package data, until "overridden"
    boxed_alone: set[str] = field(default_factory=set)  # SKUs each unit of which needs a box of its own
    unsplittable: dict[str, str] = field(default_factory=dict)  # order id -> why TikTok will not split it
    recorded_states: list[str] = field(default_factory=list)
    out_of_stock: set[str] = field(default_factory=set)  # SKUs with nothing left to reserve
    stocked_in: dict[str, str] = field(default_factory=dict)  # SKU -> the one warehouse it is stocked in
    aftersales: dict[str, contracts.AfterSales] = field(default_factory=dict)  # order id -> its requests
    # Shop -> why its seller must authorize again: SHOP_DEAUTHORIZED or SHOP_NEEDS_REAUTHORIZATION.
    unauthorized_shops: dict[str, str] = field(default_factory=dict)
    verdicts: list[contracts.AfterSaleVerdict] = field(default_factory=list)
    payment_holds: dict[str, timedelta] = field(default_factory=dict)  # shop -> its hold after payment

    def _rate(self, provider: Provider, service: str) -> Rate:
        return Rate(
            provider=provider,
            rate_id=f"rate_{provider.value}_{service}",
            shipment_id=f"shp_{provider.value}",
            carrier="USPS",
            service=service,
            amount=Decimal("7.45"),
            currency="USD",
            delivery_days=2,
        )

    @activity.defn(name=contracts.FETCH_ORDER.name)
    async def fetch_order(self, ref: contracts.OrderRef) -> OrderSnapshot:
        self.calls["fetch"] += 1
        queued = self.first_reads.get(ref.order_id)
        return queued.pop(0) if queued else self.orders[ref.order_id]

    @activity.defn(name=contracts.CHOOSE_RATE.name)
    async def choose_rate(self, query: contracts.RateQuery) -> RateChoice:
        self.calls["choose"] += 1
        self.quoted_to.append(query.to_address)
        if query.to_address.postal_code == "00000":
            raise ApplicationError("no such ZIP", type=contracts.ADDRESS_INVALID, non_retryable=True)
        unknown = sorted(item.sku_id for item in query.items if item.sku_id in self.unpacked_skus)
        if unknown:
            raise ApplicationError(
                f"no package weight and dimensions for SKU {', '.join(unknown)}",
                type=contracts.PACKAGE_UNKNOWN,
                non_retryable=True,
            )
        if query.parcel is None and sum(i.quantity for i in query.items if i.sku_id in self.boxed_alone) > 1:
            raise ApplicationError(
                "the order's items need several boxes", type=contracts.SPLIT_NEEDED, non_retryable=True
            )
        provider = query.provider or Provider.SHIPPO
        if provider.value in self.no_rate_for:
            raise ApplicationError(
                "nothing arrives in time", type=contracts.NO_ELIGIBLE_RATE, non_retryable=True
            )
        rate = self._rate(provider, query.service or "Priority")
        explanation = RateExplanation(
            summary="cheapest", ship_on=date(2026, 11, 23), deliver_by=None, verdicts=[]
        )
        return RateChoice(rate=rate, explanation=explanation)

    @activity.defn(name=contracts.PLAN_PARCELS.name)
    async def plan_parcels(self, request: contracts.ParcelPlanRequest) -> contracts.ParcelPlan:
        """One box per unit of a SKU boxed alone, one for all the rest."""
        self.calls["plan"] += 1
        alone = [
            (ItemToPack(sku=item.sku_id, quantity=1),)
            for item in request.items
            if item.sku_id in self.boxed_alone
            for _ in range(item.quantity)
        ]
        rest = tuple(
            ItemToPack(sku=i.sku_id, quantity=i.quantity)
            for i in request.items
            if i.sku_id not in self.boxed_alone
        )
        boxes = [*alone, *([rest] if rest else [])]
        return contracts.ParcelPlan(
            parcels=[PlannedParcel(box="box", items=packed, parcel=ONE_BOX) for packed in boxes]
        )

    @activity.defn(name=contracts.SPLIT_ORDER.name)
    async def split_order(self, request: contracts.SplitRequest) -> contracts.SplitResult:
        self.calls["split"] += 1
        refusal = self.unsplittable.get(request.order_id)
        if refusal is not None:
            raise ApplicationError(
                f"TikTok will not split order {request.order_id}: {refusal}",
                type=contracts.SPLIT_NEEDED,
                non_retryable=True,
            )
        return contracts.SplitResult(package_ids={g.group_id: f"pkg-{g.group_id}" for g in request.groups})

    @activity.defn(name=contracts.READ_SHIPMENT_FACTS.name)
    async def read_shipment_facts(self, request: contracts.ShipmentFactsRequest) -> None:
        self.calls["read_shipment_facts"] += 1

    @activity.defn(name=contracts.BUY_LABEL.name)
    async def buy_label(self, request: contracts.BuyLabelRequest) -> Label:
        self.purchases[request.idempotency_key] += 1
        if self.purchase_gate is not None:
            await self.purchase_gate.wait()
        rate = request.choice.rate
        return Label(
            rate=rate,
            label_id=f"lbl-{request.idempotency_key}",
            tracking_number=f"TRK-{request.idempotency_key}",
            label_url="http://labels/1.pdf",
            idempotency_key=request.idempotency_key,
        )

    @activity.defn(name=contracts.SHIP_PACKAGE.name)
    async def ship_package(self, request: contracts.ShipPackageRequest) -> contracts.ShipPackageResult:
        self.shipped[request.order_id] = request.tracking_number
        return contracts.ShipPackageResult(package_id=f"pkg-{request.order_id}", shipping_provider_id="usps")

    @activity.defn(name=contracts.UPDATE_TRACKING.name)
    async def update_tracking(self, request: contracts.UpdateTrackingRequest) -> None:
        self.tracking_updates.append((request.package_id, request.tracking_number))
        self.shipped[request.order_id] = request.tracking_number

    @activity.defn(name=contracts.ARRANGE_TIKTOK_SHIPMENT.name)
    async def arrange_tiktok_shipment(self, ref: contracts.OrderRef) -> contracts.TikTokLabel:
        self.shipped[ref.order_id] = f"TT-{ref.order_id}"
        return contracts.TikTokLabel(
            package_id=f"pkg-{ref.order_id}",
            doc_url="http://tiktok/doc.pdf",
            tracking_number=f"TT-{ref.order_id}",
        )

    @activity.defn(name=contracts.CANCEL_ORDER.name)
    async def cancel_order(self, request: contracts.CancelOrderRequest) -> None:
        self.cancelled_on_tiktok.append(request.order_id)

    @activity.defn(name=contracts.REFUND_LABEL.name)
    async def refund_label(self, label: Label) -> LabelRefund:
        self.refunded.append(label.label_id)
        return LabelRefund(
            provider=label.rate.provider, label_id=label.label_id, status=RefundStatus.REFUNDED
        )

    @activity.defn(name=contracts.TRACK_LABEL.name)
    async def track_label(self, label: Label) -> Tracking:
        self.calls["track"] += 1
        return Tracking(
            provider=label.rate.provider,
            carrier=label.rate.carrier,
            tracking_number=label.tracking_number,
            status=self.tracking_status,
            events=[],
        )

    @activity.defn(name=contracts.RECORD_ORDER.name)
    async def record_order(self, update: contracts.OrderRecordUpdate) -> None:
        self.recorded_states.append(update.state)

    @activity.defn(name=contracts.RESERVE_STOCK.name)
    async def reserve_stock(self, request: contracts.StockRequest) -> Reservation:
        self.calls["reserve"] += 1
        short = [item.sku_id for item in request.items if item.sku_id in self.out_of_stock]
        elsewhere = [
            item.sku_id
            for item in request.items
            if self.stocked_in.get(item.sku_id, request.warehouse_id) != request.warehouse_id
        ]
        return Reservation(reserved=not (short or elsewhere), short=short, unstocked=elsewhere)

    @activity.defn(name=contracts.FETCH_AFTERSALES.name)
    async def fetch_aftersales(self, ref: contracts.OrderRef) -> contracts.AfterSales:
        return self.aftersales.get(ref.order_id, contracts.AfterSales())

    @activity.defn(name=contracts.DECIDE_AFTERSALE.name)
    async def decide_aftersale(self, verdict: contracts.AfterSaleVerdict) -> None:
        self.verdicts.append(verdict)

    @activity.defn(name=contracts.RECORD_RETURN.name)
    async def record_return(self, update: contracts.ReturnRecordUpdate) -> None:
        self.calls["record_return"] += 1

    @activity.defn(name=contracts.REQUIRE_AUTHORIZED_SHOP.name)
    async def require_authorized_shop(self, ref: contracts.ShopRef) -> None:
        self.calls["shop_check"] += 1
        reason = self.unauthorized_shops.get(ref.shop_id)
        if reason is not None:
            raise ApplicationError(f"shop {ref.shop_id}: {reason}", type=reason, non_retryable=True)

    @activity.defn(name=contracts.READ_PAYMENT_HOLD.name)
    async def payment_hold(self, ref: contracts.ShopRef) -> PaymentHold:
        return PaymentHold(hold=self.payment_holds.get(ref.shop_id, timedelta(0)))

    @activity.defn(name=contracts.RECORD_LABEL.name)
    async def record_label(self, record: contracts.LabelRecord) -> None:
        self.calls["record_label"] += 1

    @activity.defn(name=contracts.RECORD_LABEL_REFUND.name)
    async def record_label_refund(self, record: contracts.LabelRefundRecord) -> None:
        self.calls["record_refund"] += 1

    def workers(self, client: Client) -> list[Worker]:
        tiktok: list[Callable[..., Any]] = [
            self.fetch_order,
            self.read_shipment_facts,
            self.split_order,
            self.ship_package,
            self.update_tracking,
            self.arrange_tiktok_shipment,
            self.cancel_order,
            self.fetch_aftersales,
            self.decide_aftersale,
        ]
        local: list[Callable[..., Any]] = [
            self.choose_rate,
            self.plan_parcels,
            self.buy_label,
            self.refund_label,
            self.track_label,
            self.record_order,
            self.record_label,
            self.record_label_refund,
            self.require_authorized_shop,
            self.payment_hold,
            self.reserve_stock,
            self.record_return,
        ]
        return [
            Worker(client, task_queue=ORDERS_TASK_QUEUE, workflows=[OrderWorkflow], activities=local),
            Worker(client, task_queue=TIKTOK_TASK_QUEUE, activities=tiktok),
        ]


FAST = OrderPolicy(
    hold_poll=timedelta(hours=1), tracking_poll=timedelta(hours=6), return_window=timedelta(days=30)
)


@dataclass
class Harness:
    client: Client
    world: FakeWorld
    handles: list[WorkflowHandle[OrderWorkflow, object]] = field(default_factory=list)

    def new_order_id(self) -> str:
        return f"57{uuid.uuid4().int % 10**16:016d}"

    async def start(self, order_id: str, policy: OrderPolicy = FAST) -> WorkflowHandle[OrderWorkflow, object]:
        handle = await self.client.start_workflow(
            OrderWorkflow.run,
            OrderInput(shop_id="shop-1", order_id=order_id, policy=policy),
            id=order_workflow_id("shop-1", order_id),
            task_queue=ORDERS_TASK_QUEUE,
        )
        self.handles.append(handle)
        return handle


@pytest.fixture
async def harness(temporal_client: Client) -> AsyncIterator[Harness]:
    world = FakeWorld()
    harness = Harness(temporal_client, world)
    async with running_workers(world.workers(temporal_client)):
        yield harness
        for handle in harness.handles:
            description = await handle.describe()
            if description.status is not None and description.status.name == "RUNNING":
                await handle.terminate("test over")


async def start_time_skipping_server(config: TimeSkippingConfig | None = None) -> WorkflowEnvironment:
    """A dev server whose workflows each run on a virtual clock (skipping idle time unless `config`
    says otherwise), with our search attributes and data converter."""
    return await WorkflowEnvironment.start_time_skipping_v2(
        ts_config=config or TimeSkippingConfig(),
        dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=[*SQLITE_ARGS, *TIME_SKIPPING],
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=data_converter(TEST_KEYRING),
    )


@pytest.fixture(scope="module")
async def short_history_env() -> AsyncIterator[WorkflowEnvironment]:
    """A dev server that suggests continue-as-new after 30 history events, so small runs show it."""
    env = await start_dev_server(
        TEST_KEYRING, extra_args=["--dynamic-config-value", "limit.historyCount.suggestContinueAsNew=30"]
    )
    async with env:
        yield env


ShopHandle = WorkflowHandle[ShopWorkflow, None]


@dataclass
class World:
    """A TikTok emulator of its own, our store, and the workers of the real activities on `client`."""

    settings: Settings
    store: Store
    control: TikTokSandboxControl
    tiktok: TikTokShopClient

    async def connect(
        self, client: Client, policy: ShopPolicy, seller_id: str, inventory: InventoryPolicy | None = None
    ) -> ShopHandle:
        """The seller authorizes the app through our onboarding (which also starts the shop's catalog
        workflow with `inventory`); returns its shop's workflow."""
        gateway = TemporalGateway(client, OrderPolicy(), policy, inventory)
        onboarding = Onboarding(self.store, self.settings.tiktok, gateway)
        redirect = await self.control.approve(await onboarding.authorization_url(), seller_id)
        connection = await onboarding.complete(redirect["state"], redirect["code"], None)
        [shop] = connection.shops
        return client.get_workflow_handle_for(ShopWorkflow.run, shop_workflow_id(shop.shop_id))


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    emulator_config = TikTokEmulatorConfig.from_settings(Settings())
    with BackgroundServer(create_app(emulator_config)) as emulator:
        url = emulator.url
        settings = Settings(
            data_dir=tmp_path,
            database_url=f"sqlite:///{tmp_path / 'app.db'}",
            tiktok=TikTokSettings(api_base_url=url, auth_base_url=url, authorize_url=f"{url}/open/authorize"),
        )
        engine = make_engine(settings.database_url)
        create_schema(engine)
        store = Store(engine, Keyring.parse(Keyring.generate_spec("wf")))  # tokens encrypted at rest
        control = TikTokSandboxControl(url)
        async with TikTokShopClient(settings.tiktok) as tiktok:
            yield World(settings, store, control, tiktok)
        await control.aclose()


@pytest.fixture(scope="module")
async def skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """Time moves only when a test fast-forwards a workflow, so the emulator's clock can follow it."""
    env = await start_time_skipping_server(TimeSkippingConfig(enabled=False))
    async with env:
        yield env


async def low_stock_alert(client: Client, shop_id: str) -> bool | None:
    """The shop's catalog workflow's `LowStock` search attribute, as an operator's query sees it."""
    described = await client.get_workflow_handle(catalog_workflow_id(shop_id)).describe()
    return described.typed_search_attributes.get(LOW_STOCK)
