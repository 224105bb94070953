"""A Shippo API emulator that the official SDK (shippo 3.9.0) talks to over real HTTP.

It answers the calls of docs/reference/shipping.md §2.1 with the exact success codes the SDK accepts (201 for
creates, 200 otherwise), in the shapes of Shippo's recorded answers (tests/fixtures/recorded/shippo_*.json):
32-hex ids, lists with `count`/`next`/`previous`, transactions without `created_by` and tracks without
`messages` (both of which the pinned SDK's models cannot parse: our adapter reads them leniently), invalid
requests answered 400 `{field: [messages]}`, unknown objects answered 404 with an HTML page.
Like the live API as far as anyone knows (§3), buying the same rate twice sells two labels: preventing
that is the client's job, and `/_admin/purchases` is how tests check it did.
Tracking webhooks are `track_updated` payloads POSTed to the configured URL, whose `?token=` is the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from emulators.carriers.shared_rules import (
    ADDRESS,
    FAULT_STATUS,
    EmulatorConfig,
    KnownCarriers,
    ParcelSize,
    ServiceLevel,
    WireAddress,
    new_object_id,
    services_of,
    zone,
)
from emulators.carriers.shared_state import (
    CarrierSandbox,
    ParcelInFlight,
    Sale,
    Scan,
    WebhookTarget,
    carrier_routes,
    label_url,
)
from emulators.faults import FaultKind, install_faults

OWNER = "sandbox@creatorflow.dev"
LabelFileType = Literal[
    "PNG", "PNG_2.3x7.5", "PDF", "PDF_2.3x7.5", "PDF_4x6", "PDF_4x8", "PDF_A4", "PDF_A5", "PDF_A6", "ZPLII"
]
_OUNCES_PER = {"oz": Decimal(1), "lb": Decimal(16), "g": Decimal("0.0352739619"), "kg": Decimal("35.2739619")}
_INCHES_PER = {
    "in": Decimal(1),
    "ft": Decimal(12),
    "yd": Decimal(36),
    "cm": Decimal("0.3937007874"),
    "mm": Decimal("0.03937007874"),
    "m": Decimal("39.37007874"),
}
_TRACKING_STATUS = {
    "pre_transit": "PRE_TRANSIT",
    "in_transit": "TRANSIT",
    "out_for_delivery": "TRANSIT",
    "delivered": "DELIVERED",
}
# Shippo's validation message code (the SDK's AddressValidationResultsMessageCodeEnum) per faulty field.
_VALIDATION_CODE = {
    "street1": "premise_number_missing",
    "city": "Invalid City",
    "zip": "invalid_postal_code",
    "state": "Invalid State",
    ADDRESS: "Address Not Found",
}
# What Shippo's validator said of an address that cannot be found (tests/fixtures/recorded/shippo_address_*).
_NOT_FOUND_TEXT = (
    "The address as submitted could not be found. Please check for excessive abbreviations in the street "
    "address line or in the City name."
)
# Django REST framework's words for a missing field, as Shippo answers them (shippo_transaction_invalid.json).
_REQUIRED = "This field is required."
_FAULT_MESSAGE = {"5xx": "Service unavailable", "429": "Rate limit exceeded", "timeout": "Gateway timeout"}


class ShippoEmulatorConfig(EmulatorConfig):
    api_key: str = "shippo_test_sandbox"
    api_version: str = "2018-02-08"
    carriers: KnownCarriers = frozenset({"USPS", "UPS", "Royal Mail", "Evri"})


class _AddressIn(WireAddress):
    country: str  # the one field Shippo requires
    validate_: bool = Field(default=False, alias="validate")

    def validation_messages(self) -> list[dict[str, str]]:
        """The address's problems, as Shippo's validator words them."""
        return [
            {
                "source": "Shippo",
                "code": _VALIDATION_CODE[p.field],
                "text": _NOT_FOUND_TEXT if p.field == ADDRESS else p.message,
            }
            for p in self.problems()
        ]

    def as_object(self) -> dict[str, Any]:
        fields = self.model_dump(exclude={"validate_"})
        recorded_too = {"street_no": "", "street3": "", "is_residential": None, "metadata": ""}
        return {**_object(new_object_id()), **recorded_too, **fields, "test": True}


class _ParcelIn(BaseModel):
    length: Decimal = Field(gt=0)
    width: Decimal = Field(gt=0)
    height: Decimal = Field(gt=0)
    distance_unit: Literal["cm", "in", "ft", "m", "mm", "yd"]
    weight: Decimal = Field(gt=0)
    mass_unit: Literal["g", "kg", "lb", "oz"]

    @property
    def size(self) -> ParcelSize:
        inches = _INCHES_PER[self.distance_unit]
        sides = (self.length * inches, self.width * inches, self.height * inches)
        return ParcelSize(self.weight * _OUNCES_PER[self.mass_unit], sides)


class _ShipmentIn(BaseModel):
    address_from: _AddressIn
    address_to: _AddressIn
    parcels: list[_ParcelIn] = Field(min_length=1)
    metadata: str = ""


class _TransactionIn(BaseModel):
    rate: str
    label_file_type: LabelFileType = "PDF_4x6"
    metadata: str = ""


class _RefundIn(BaseModel):
    transaction: str


class _Shipment(BaseModel):
    answer: dict[str, Any]
    origin: _AddressIn
    destination: _AddressIn


class _Offer(BaseModel):
    """A quoted rate, remembered so it can be bought."""

    shipment_id: str
    service: ServiceLevel
    amount: Decimal


class _FieldErrors(HTTPException):
    """A 400 naming what is wrong with each field, as Shippo answers: `{"rate": ["..."]}`."""

    def __init__(self, fields: dict[str, list[str]]) -> None:
        super().__init__(400)
        self.fields = fields


def _field_errors(error: RequestValidationError) -> dict[str, list[str]]:
    """Each problem under the top-level field it is in; a nested one names its path in the message."""
    fields: dict[str, list[str]] = {}
    for problem in error.errors():
        top, *inner = problem["loc"][1:] or ("non_field_errors",)
        message = _REQUIRED if problem["type"] == "missing" else problem["msg"]
        path = ".".join(str(part) for part in inner)
        fields.setdefault(str(top), []).append(f"{path}: {message}" if path else message)
    return fields


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _object(object_id: str) -> dict[str, Any]:
    """The bookkeeping keys every Shippo object carries."""
    now = _iso(datetime.now(UTC))
    return {"object_id": object_id, "object_owner": OWNER, "object_created": now, "object_updated": now}


class ShippoSandbox(CarrierSandbox[ShippoEmulatorConfig]):
    """Shippo's objects: shipments, the rates they offered, transactions (labels) and refunds."""

    def __init__(self, config: ShippoEmulatorConfig) -> None:
        super().__init__(config)
        self.shipments: dict[str, _Shipment] = {}
        self.offers: dict[str, _Offer] = {}
        self.transactions: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}  # by transaction id

    def create_shipment(self, body: _ShipmentIn) -> dict[str, Any]:
        shipment_id = new_object_id()
        distance = zone(body.address_from.zip, body.address_to.zip)
        answer = {
            **_object(shipment_id),
            "status": "SUCCESS",
            "metadata": body.metadata,
            "carrier_accounts": [],
            "messages": [],
            "test": True,
            "address_from": body.address_from.as_object(),
            "address_to": body.address_to.as_object(),
            "parcels": [{**_object(new_object_id()), **p.model_dump(mode="json")} for p in body.parcels],
            "rates": [
                self._offer(shipment_id, s, body.parcels, distance)
                for s in services_of(self.config.carriers, body.address_from.country)
            ],
        }
        self.shipments[shipment_id] = _Shipment(
            answer=answer, origin=body.address_from, destination=body.address_to
        )
        return answer

    def _offer(
        self, shipment_id: str, service: ServiceLevel, parcels: list[_ParcelIn], distance: int
    ) -> dict[str, Any]:
        """One rate for all the shipment's parcels: each priced on its own, as a multi-piece shipment."""
        rate_id = new_object_id()
        factor = self.config.price_factor
        amount = sum((service.price(parcel.size, distance, factor) for parcel in parcels), Decimal(0))
        self.offers[rate_id] = _Offer(shipment_id=shipment_id, service=service, amount=amount)
        return {
            **_object(rate_id),
            "shipment": shipment_id,
            "amount": str(amount),
            "amount_local": str(amount),
            "currency": service.currency,
            "currency_local": service.currency,
            "attributes": [],
            "carrier_account": hashlib.md5(service.carrier.encode()).hexdigest(),
            "provider": service.carrier,
            "servicelevel": {"name": service.name, "token": service.shippo_token},
            "estimated_days": service.delivery_days,
            "duration_terms": f"Delivery in {service.delivery_days} days.",
            "messages": [],
            "test": True,
        }

    def buy(self, body: _TransactionIn, base_url: str) -> dict[str, Any]:
        """Sell a label for the rate, every time it is asked: no duplicate check, as in §3."""
        offer = self.offers.get(body.rate)
        if offer is None:
            raise _FieldErrors({"rate": [f"Rate with supplied object_id {body.rate} not found."]})
        shipment = self.shipments[offer.shipment_id]
        transaction_id = new_object_id()
        # As recorded: no `created_by`, and empty strings where a refused label has no number or file.
        answer: dict[str, Any] = {
            **_object(transaction_id),
            "rate": body.rate,
            "metadata": body.metadata,
            "tracking_number": "",
            "tracking_history": [],
            "tracking_url_provider": "",
            "label_url": "",
            "commercial_invoice_url": None,
            "order": None,
            "test": True,
        }
        problems = shipment.destination.validation_messages()
        if problems:  # the carrier refuses at purchase time; the transaction records why
            answer |= {"status": "ERROR", "object_state": "INVALID", "messages": problems}
        else:
            sale = Sale(
                label_id=transaction_id,
                shipment_id=offer.shipment_id,
                rate_id=body.rate,
                reference=body.metadata,
                service=offer.service,
                amount=offer.amount,
                origin=shipment.origin.place(),
                destination=shipment.destination.place(),
            )
            sold = self.state.sell(sale)
            file_type: Literal["pdf", "png"] = "png" if body.label_file_type.startswith("PNG") else "pdf"
            answer |= {
                "status": "SUCCESS",
                "object_state": "VALID",
                "messages": [],
                "tracking_number": sold.purchase.tracking_number,
                "label_url": label_url(base_url, transaction_id, file_type),
                "parcel": shipment.answer["parcels"][0]["object_id"],
            }
        self.transactions[transaction_id] = answer
        return self.transaction(transaction_id)

    def transaction(self, transaction_id: str) -> dict[str, Any]:
        """The transaction with its tracking status as of now."""
        if transaction_id not in self.transactions:
            raise HTTPException(404)
        answer = self.transactions[transaction_id]
        parcel = self.state.parcels.get(answer.get("tracking_number", ""))
        return answer | {"tracking_status": _TRACKING_STATUS[parcel.status] if parcel else "UNKNOWN"}

    def refund(self, body: _RefundIn) -> dict[str, Any]:
        """Refunds are idempotent here: asking again returns the refund already queued."""
        transaction = self.transaction(body.transaction)
        if body.transaction not in self.refunds:
            if transaction["status"] != "SUCCESS":
                raise HTTPException(400, f"Transaction {body.transaction!r} is {transaction['status']}")
            self.refunds[body.transaction] = {
                **_object(new_object_id()),
                "status": "QUEUED",
                "transaction": body.transaction,
                "test": True,
            }
            self.transactions[body.transaction]["status"] = "REFUNDPENDING"
        return self.refunds[body.transaction]

    def track(self, parcel: ParcelInFlight) -> dict[str, Any]:
        purchase = parcel.purchase
        history = [
            _tracking_status(purchase.tracking_number, index, scan) for index, scan in enumerate(parcel.scans)
        ]
        return {
            "carrier": purchase.service.carrier.lower(),
            "tracking_number": purchase.tracking_number,
            "transaction": purchase.label_id,
            "servicelevel": {"name": purchase.service.name, "token": purchase.service.shippo_token},
            "address_from": purchase.origin.model_dump(),
            "address_to": purchase.destination.model_dump(),
            "eta": None,
            "metadata": None,
            "tracking_status": {**history[-1], "object_updated": history[-1]["object_created"]},
            "tracking_history": history,
        }

    def webhook(self, parcel: ParcelInFlight, target: WebhookTarget) -> tuple[bytes, dict[str, str]]:
        body = {"event": "track_updated", "test": True, "data": self.track(parcel)}
        return json.dumps(body).encode(), {"Content-Type": "application/json"}


def _tracking_status(tracking_number: str, index: int, scan: Scan) -> dict[str, Any]:
    """One scan, as a recorded `tracking_history` item has it (no `object_updated`)."""
    at = _iso(scan.at)
    return {
        "object_id": hashlib.md5(f"{tracking_number}:{index}".encode()).hexdigest(),
        "object_created": at,
        "status": _TRACKING_STATUS[scan.status],
        "status_details": scan.message,
        "status_date": at,
        "substatus": None,
        "location": scan.place.model_dump(),
    }


def create_app(config: ShippoEmulatorConfig | None = None, state_file: Path | None = None) -> FastAPI:
    """The emulator; with `state_file` it starts from the state saved there (if any) and keeps saving it."""
    config = config or ShippoEmulatorConfig()
    sandbox = ShippoSandbox.opened(config, state_file)
    app = FastAPI(title="Shippo sandbox", description=__doc__, lifespan=sandbox.lifespan(state_file))
    faults = config.fault_injector()

    def render_fault(kind: FaultKind) -> Response:
        return JSONResponse({"detail": _FAULT_MESSAGE[kind]}, status_code=FAULT_STATUS[kind])

    install_faults(app, faults, render_fault)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, error: RequestValidationError) -> Response:
        return JSONResponse(_field_errors(error), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if isinstance(error, _FieldErrors):
            return JSONResponse(error.fields, status_code=400)
        if error.status_code == 404:  # Django's page, as recorded for an unknown transaction or track
            page = (
                f"<h1>Not Found</h1><p>The requested URL {request.url.path} was not found on this server.</p>"
            )
            return HTMLResponse(page, status_code=404)
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)

    def authorize(request: Request) -> None:
        authorization = request.headers.get("Authorization", "")
        api_version = request.headers.get("SHIPPO-API-VERSION")
        if not hmac.compare_digest(authorization, f"ShippoToken {config.api_key}"):
            raise HTTPException(401, "Invalid token.")
        if api_version is not None and api_version != config.api_version:
            raise HTTPException(400, "The requested version is not available for this resource")

    api = APIRouter(dependencies=[Depends(authorize)])

    @api.post("/addresses", status_code=201)
    async def create_address(body: _AddressIn) -> dict[str, Any]:
        answer = body.as_object() | {"is_complete": True}
        if body.validate_:
            problems = body.validation_messages()
            answer["validation_results"] = {"is_valid": not problems, "messages": problems}
            if not problems:  # a validated address comes back in the carrier's normal form
                answer |= body.normal_form()
        return answer

    @api.post("/shipments", status_code=201)
    async def create_shipment(body: _ShipmentIn) -> dict[str, Any]:
        return sandbox.create_shipment(body)

    @api.get("/shipments/{shipment_id}")
    async def get_shipment(shipment_id: str) -> dict[str, Any]:
        if shipment_id not in sandbox.shipments:
            raise HTTPException(404)
        return sandbox.shipments[shipment_id].answer

    @api.post("/transactions", status_code=201)
    async def create_transaction(body: _TransactionIn, request: Request) -> dict[str, Any]:
        return sandbox.buy(body, str(request.base_url))

    @api.get("/transactions")
    async def list_transactions(
        request: Request,
        rate: str | None = None,
        object_status: str | None = None,
        page: Annotated[int, Query(ge=1)] = 1,
        results: Annotated[int, Query(ge=1)] = 25,
    ) -> dict[str, Any]:
        found = [sandbox.transaction(t) for t in sandbox.transactions]
        found = [t for t in found if rate in (None, t["rate"]) and object_status in (None, t["status"])]
        start = (page - 1) * results

        def page_url(number: int) -> str | None:
            exists = number >= 1 and (number - 1) * results < len(found)
            return str(request.url.include_query_params(page=number)) if exists else None

        return {
            "count": len(found),
            "next": page_url(page + 1),
            "previous": page_url(page - 1),
            "results": found[start : start + results],
        }

    @api.get("/transactions/{transaction_id}")
    async def get_transaction(transaction_id: str) -> dict[str, Any]:
        return sandbox.transaction(transaction_id)

    @api.post("/refunds", status_code=201)
    async def create_refund(body: _RefundIn) -> dict[str, Any]:
        return sandbox.refund(body)

    @api.get("/tracks/{carrier}/{tracking_number}")
    async def get_track(carrier: str, tracking_number: str) -> dict[str, Any]:
        parcel = sandbox.state.parcels.get(tracking_number)
        if parcel is None or parcel.purchase.service.carrier.lower() != carrier.lower():
            raise HTTPException(404)  # as recorded for a number the carrier does not know
        return sandbox.track(parcel)

    app.include_router(api)
    app.include_router(carrier_routes(sandbox.state, sandbox.webhook))
    return app
