"""State both carrier emulators keep beyond their own objects, and the routes over it.

- The purchase ledger: every label sold, so tests can count labels per shipment and per rate.
- Parcels in flight: each label's tracker, moved along pre_transit -> in_transit -> out_for_delivery ->
  delivered on request, as a carrier's scans would.
- The webhook target: where tracking updates are POSTed, rendered and signed by each emulator.
- `CarrierSandbox`, each emulator's objects around that state, which a state file keeps across restarts.

    GET  /labels/{label_id}.pdf|png                 the label file, at the label_url the API returned
    GET  /_admin/purchases                          ledger with counts per shipment and per rate
    PUT  /_admin/webhook  {"url": ..., "secret": ...}
    POST /_admin/trackers/{tracking_number}/advance?to=next|delivered   (sends the webhook if set)
    POST /_admin/trackers/{tracking_number}/webhook                     send the current state now
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Generic, Literal, Self, TypeVar

import httpx
from fastapi import APIRouter, FastAPI, HTTPException, Response
from pydantic import BaseModel, Field

from emulators import saved_state
from emulators.carriers.shared_rules import EmulatorConfig, Place, ServiceLevel, new_tracking_number
from emulators.label_files import label_pdf, label_png

TrackerStatus = Literal["pre_transit", "in_transit", "out_for_delivery", "delivered"]
SANDBOX_NOTICE = "SANDBOX LABEL - NOT VALID POSTAGE"


class Scan(BaseModel):
    status: TrackerStatus
    message: str
    at: datetime
    place: Place


class Sale(BaseModel):
    """A label an emulator is about to sell."""

    label_id: str
    shipment_id: str
    rate_id: str
    reference: str = Field(description="the buyer's key: Shippo metadata / EasyPost shipment reference")
    service: ServiceLevel
    amount: Decimal
    origin: Place
    destination: Place


class Purchase(Sale):
    tracking_number: str
    at: datetime


class PurchaseReport(BaseModel):
    total: int
    by_shipment: dict[str, int]
    by_rate: dict[str, int]
    purchases: list[Purchase]


class ParcelInFlight(BaseModel):
    """A sold label's package, with its scans so far (oldest first)."""

    purchase: Purchase
    scans: list[Scan] = []

    @property
    def status(self) -> TrackerStatus:
        return self.scans[-1].status

    @property
    def previous_status(self) -> TrackerStatus | None:
        return self.scans[-2].status if len(self.scans) > 1 else None

    def advance(self) -> bool:
        """Add the next scan; False once delivered."""
        step = len(self.scans)
        if step >= len(_JOURNEY):
            return False
        status, message, at_destination = _JOURNEY[step]
        place = self.purchase.destination if at_destination else self.purchase.origin
        self.scans.append(Scan(status=status, message=message, at=datetime.now(UTC), place=place))
        return True


# (status, scan message, scanned at the destination?)
_JOURNEY: tuple[tuple[TrackerStatus, str, bool], ...] = (
    ("pre_transit", "Shipping label created, awaiting item", False),
    ("in_transit", "Accepted at origin facility", False),
    ("out_for_delivery", "Out for delivery", True),
    ("delivered", "Delivered, front door", True),
)


class WebhookTarget(BaseModel):
    url: str
    secret: str | None = Field(
        default=None, description="EasyPost signs with it; Shippo's token is in the url"
    )


class WebhookSent(BaseModel):
    url: str
    status_code: int


class TrackerMoved(BaseModel):
    tracking_number: str
    status: TrackerStatus
    webhook: WebhookSent | None


class CarrierState:
    """Shared by an emulator's request handlers (all on one event loop, so no locking)."""

    def __init__(self) -> None:
        self.purchases: list[Purchase] = []
        self.parcels: dict[str, ParcelInFlight] = {}  # by tracking number
        self.webhook: WebhookTarget | None = None

    def sell(self, sale: Sale) -> ParcelInFlight:
        """Record the sale, give it a tracking number and start its package's journey at pre_transit."""
        tracking_number = new_tracking_number(sale.service.carrier)
        purchase = Purchase(**sale.model_dump(), tracking_number=tracking_number, at=datetime.now(UTC))
        parcel = ParcelInFlight(purchase=purchase)
        parcel.advance()
        self.purchases.append(purchase)
        self.parcels[tracking_number] = parcel
        return parcel

    def parcel_of_label(self, label_id: str) -> ParcelInFlight | None:
        return next((p for p in self.parcels.values() if p.purchase.label_id == label_id), None)

    def report(self) -> PurchaseReport:
        return PurchaseReport(
            total=len(self.purchases),
            by_shipment=dict(Counter(p.shipment_id for p in self.purchases)),
            by_rate=dict(Counter(p.rate_id for p in self.purchases)),
            purchases=self.purchases,
        )


ConfigT = TypeVar("ConfigT", bound=EmulatorConfig)


class CarrierSandbox(Generic[ConfigT]):
    """An emulator's objects, keyed by id (handlers run on one event loop, so no locking). With a state
    file they outlive a restart (`saved_state`), all but the config, which is each run's own."""

    def __init__(self, config: ConfigT) -> None:
        self.config = config
        self.state = CarrierState()

    def __getstate__(self) -> dict[str, Any]:
        return {name: value for name, value in self.__dict__.items() if name != "config"}

    @classmethod
    def opened(cls, config: ConfigT, state_file: Path | None) -> Self:
        """The sandbox saved in `state_file` if there is one, else a new one; either serves `config`."""
        sandbox = saved_state.load(state_file, cls)
        if sandbox is None:
            return cls(config)
        sandbox.config = config
        return sandbox

    def lifespan(self, state_file: Path | None) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
        """The app's lifespan: this sandbox kept saved in `state_file` while it serves (if given)."""
        return lambda app: saved_state.kept(state_file, lambda: self)


def label_url(base_url: str, label_id: str, file_type: Literal["pdf", "png"]) -> str:
    """Where the emulator serves a label's file (`base_url` is the request's, ending in /)."""
    return f"{base_url}labels/{label_id}.{file_type}"


# How an emulator turns a parcel into its webhook: (body, headers) for this target.
WebhookRenderer = Callable[[ParcelInFlight, WebhookTarget], tuple[bytes, dict[str, str]]]


def carrier_routes(state: CarrierState, render_webhook: WebhookRenderer) -> APIRouter:
    """The label files, and the `/_admin` routes over `state`."""
    router = APIRouter()

    @router.get("/labels/{label_id}.{file_type}", tags=["labels"])
    async def label_file(label_id: str, file_type: Literal["pdf", "png"]) -> Response:
        sold = state.parcel_of_label(label_id)
        if sold is None:
            raise HTTPException(404, f"no label {label_id}")
        purchase = sold.purchase
        if file_type == "png":
            return Response(label_png(purchase.tracking_number), media_type="image/png")
        lines = [
            f"{purchase.service.carrier} {purchase.service.name}",
            purchase.tracking_number,
            SANDBOX_NOTICE,
        ]
        return Response(label_pdf(lines), media_type="application/pdf")

    def parcel(tracking_number: str) -> ParcelInFlight:
        if tracking_number not in state.parcels:
            raise HTTPException(404, f"no label with tracking number {tracking_number}")
        return state.parcels[tracking_number]

    async def send(moved: ParcelInFlight) -> WebhookSent:
        if state.webhook is None:
            raise HTTPException(409, "no webhook target: PUT /_admin/webhook first")
        body, headers = render_webhook(moved, state.webhook)
        try:
            async with httpx.AsyncClient(timeout=10) as client:
                answer = await client.post(state.webhook.url, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise HTTPException(502, f"webhook to {state.webhook.url} failed: {error!r}") from error
        return WebhookSent(url=state.webhook.url, status_code=answer.status_code)

    @router.get("/_admin/purchases", tags=["admin"])
    async def purchases() -> PurchaseReport:
        return state.report()

    @router.put("/_admin/webhook", tags=["admin"])
    async def set_webhook(target: WebhookTarget) -> WebhookTarget:
        state.webhook = target
        return target

    @router.post("/_admin/trackers/{tracking_number}/advance", tags=["admin"])
    async def advance(tracking_number: str, to: Literal["next", "delivered"] = "next") -> TrackerMoved:
        moving = parcel(tracking_number)
        moved = moving.advance()
        while to == "delivered" and moving.advance():
            pass
        sent = await send(moving) if moved and state.webhook else None
        return TrackerMoved(tracking_number=tracking_number, status=moving.status, webhook=sent)

    @router.post("/_admin/trackers/{tracking_number}/webhook", tags=["admin"])
    async def send_now(tracking_number: str) -> WebhookSent:
        return await send(parcel(tracking_number))

    return router
