"""An EasyPost API (v2) emulator that the official SDK (easypost 10.x) talks to over real HTTP.

Answers the calls of docs/reference/shipping.md §2.2 in the shapes of EasyPost's recorded answers
(tests/fixtures/recorded/easypost_*.json): realistic id prefixes (the SDK picks its classes by them), parcel
sizes as numbers, every key a recorded rate, postage label and tracker carries, addresses that cannot exist
failing verification with `E.ADDRESS.NOT_FOUND`, errors as `{"error": {"code", "message", "errors":
[{"field", "message"}]}}` (anything else makes the SDK raise JsonError), and one postage label per shipment:
buying a bought shipment is 422 `SHIPMENT.POSTAGE.EXISTS`.
Tracking webhooks are `tracker.updated` Events signed with `X-Hmac-Signature`, exactly as the SDK's
`validate_webhook` checks them. Auth is the API key as Bearer token (the SDK) or Basic username (docs).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import unicodedata
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from emulators.carriers.shared_rules import (
    FAULT_STATUS,
    EmulatorConfig,
    KnownCarriers,
    ParcelSize,
    Place,
    ServiceLevel,
    WireAddress,
    new_id,
    services_of,
    zone,
)
from emulators.carriers.shared_state import (
    CarrierSandbox,
    ParcelInFlight,
    Sale,
    WebhookTarget,
    carrier_routes,
    label_url,
)
from emulators.faults import FaultKind, install_faults

POSTAGE_EXISTS = "SHIPMENT.POSTAGE.EXISTS"
PUBLIC_TRACKING_URL = "https://track.easypost.com/"
# Error codes the emulator makes up where neither the docs nor the recordings name one. EasyPost's own:
# POSTAGE_EXISTS (docs/reference/shipping.md §3), and from the recordings ADDRESS.VERIFY.FAILURE, NOT_FOUND,
# PARAMETER.REQUIRED and UNPROCESSABLE_ENTITY (easypost-python tests/cassettes).
_FAULT_CODE = {"5xx": "SERVICE.UNAVAILABLE", "429": "RATE_LIMITED", "timeout": "GATEWAY.TIMEOUT"}
_STATUS_CODE = {401: "UNAUTHORIZED", 404: "NOT_FOUND", 409: "CONFLICT", 422: "UNPROCESSABLE_ENTITY"}
# Verification errors as the recordings word them: any fault means the address is not found, and a missing
# house number is also named on its own (tests/fixtures/recorded/easypost_address_not_found.json).
_NOT_FOUND = {"code": "E.ADDRESS.NOT_FOUND", "field": "address", "message": "Address not found"}
_HOUSE_NUMBER_MISSING = {
    "code": "E.HOUSE_NUMBER.MISSING",
    "field": "street1",
    "message": "House number is missing",
}
# A tracker's `status_detail` for each status, as EasyPost's recorded trackers pair them.
_STATUS_DETAIL = {
    "pre_transit": "status_update",
    "in_transit": "arrived_at_facility",
    "out_for_delivery": "out_for_delivery",
    "delivered": "arrived_at_destination",
}


class EasyPostEmulatorConfig(EmulatorConfig):
    api_key: str = "EZTK_sandbox"
    carriers: KnownCarriers = frozenset({"USPS", "UPS", "FedEx", "Royal Mail", "Evri", "DPD UK"})


class EasyPostApiError(HTTPException):
    """An EasyPost error answer: the SDK reads `error.code` and `error.errors` from it."""

    def __init__(self, status_code: int, code: str, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(status_code, message)
        self.code = code
        self.errors = errors or []


def _error_body(code: str, message: str, errors: list[Any]) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "errors": errors}}


class _AddressIn(WireAddress):
    def field_errors(self) -> list[dict[str, Any]]:
        """Why verification fails, as EasyPost words it; empty if the address is good."""
        problems = self.problems()
        if not problems:
            return []
        missing_number = any(p.field == "street1" for p in problems)
        found = [_NOT_FOUND, _HOUSE_NUMBER_MISSING] if missing_number else [_NOT_FOUND]
        return [error | {"suggestion": None} for error in found]

    def verifications(self) -> dict[str, Any]:
        errors = self.field_errors()
        return {
            "zip4": {"success": not errors, "errors": errors, "details": None},
            "delivery": {"success": not errors, "errors": errors, "details": {}},
        }

    def as_object(self, **extra: Any) -> dict[str, Any]:
        now = _iso(datetime.now(UTC))
        return (
            {
                "id": new_id("adr"),
                "object": "Address",
                "mode": "test",
                "created_at": now,
                "updated_at": now,
                "carrier_facility": None,
                "residential": None,
                "federal_tax_id": None,
                "state_tax_id": None,
                "verifications": {},
            }
            | self.model_dump()
            | extra
        )


class _AddressCreate(BaseModel):
    address: _AddressIn
    verify: bool | list[str] | None = None


class _ParcelIn(BaseModel):
    length: Decimal | None = Field(default=None, gt=0)
    width: Decimal | None = Field(default=None, gt=0)
    height: Decimal | None = Field(default=None, gt=0)
    weight: Decimal = Field(gt=0, description="ounces")

    def as_object(self) -> dict[str, Any]:
        """As EasyPost answers it: sizes are JSON numbers, not strings."""
        sizes = {name: None if size is None else float(size) for name, size in self.model_dump().items()}
        now = _iso(datetime.now(UTC))
        parcel = {"id": new_id("prcl"), "object": "Parcel", "created_at": now, "updated_at": now}
        return parcel | sizes | {"predefined_package": None, "mode": "test"}


class _ShipmentIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    to_address: _AddressIn
    from_address: _AddressIn
    parcel: _ParcelIn
    reference: str | None = None


class _ShipmentCreate(BaseModel):
    shipment: _ShipmentIn


class _RateRef(BaseModel):
    id: str


class _BuyIn(BaseModel):
    rate: _RateRef
    insurance: str | None = None


class _Shipment(BaseModel):
    """A shipment as stored; `answer` is rendered with its live tracker on every read."""

    answer: dict[str, Any]
    request: _ShipmentIn
    services: dict[str, ServiceLevel]  # rate id -> service


def _location(place: Place) -> dict[str, Any]:
    return {"object": "TrackingLocation", **place.model_dump()}


def _place_line(place: Place) -> str:
    """A place as a carrier detail names it, e.g. "HOUSTON TX, 77001"."""
    return f"{(place.city or '').upper()} {place.state or ''}, {place.zip or ''}".strip(" ,")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parameter_errors(error: RequestValidationError) -> dict[str, Any]:
    """A request our models refuse, as EasyPost answers one: `PARAMETER.REQUIRED` naming the outermost
    blank field when something is missing (`{"shipment": {}}` -> field "shipment", "cannot be blank"),
    else `UNPROCESSABLE_ENTITY` with a message per field (both recorded in easypost-python's cassettes)."""
    problems = error.errors()
    missing = [p for p in problems if p["type"] == "missing"]
    if missing:
        fields = dict.fromkeys(_blank_field(error.body, p["loc"][1:]) for p in missing)
        errors = [{"field": field, "message": "cannot be blank"} for field in fields]
        return _error_body("PARAMETER.REQUIRED", "Missing required parameter.", errors)
    errors = [{"field": _dotted(p["loc"][1:]), "message": p["msg"]} for p in problems]
    return _error_body("UNPROCESSABLE_ENTITY", "The request was understood, but cannot be processed.", errors)


def _blank_field(body: Any, loc: tuple[Any, ...]) -> str:
    """The outermost field on the way to `loc` that is absent or empty in the request body."""
    value = body
    for depth, part in enumerate(loc, start=1):
        value = value.get(part) if isinstance(value, dict) else None
        if not value:
            return _dotted(loc[:depth])
    return _dotted(loc)


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _api_key(authorization: str) -> str:
    """The key from `Bearer <key>` (what the SDK sends) or Basic `<key>:` (what the docs show); else ""."""
    scheme, _, credentials = authorization.partition(" ")
    if scheme == "Bearer":
        return credentials
    if scheme == "Basic":
        try:
            return base64.b64decode(credentials, validate=True).decode().partition(":")[0]
        except ValueError:  # not base64, or not UTF-8
            return ""
    return ""


def sign(body: bytes, secret: str) -> str:
    """EasyPost's `X-Hmac-Signature`, as `easypost.validate_webhook` recomputes it."""
    key = unicodedata.normalize("NFKD", secret).encode("utf8")
    return "hmac-sha256-hex=" + hmac.new(key, body, hashlib.sha256).hexdigest()


class EasyPostSandbox(CarrierSandbox[EasyPostEmulatorConfig]):
    """EasyPost's shipments, with their rates and bought labels."""

    def __init__(self, config: EasyPostEmulatorConfig) -> None:
        super().__init__(config)
        self.shipments: dict[str, _Shipment] = {}

    def create_shipment(self, body: _ShipmentIn) -> dict[str, Any]:
        shipment_id = new_id("shp")
        now = _iso(datetime.now(UTC))
        services = {
            new_id("rate"): service
            for service in services_of(self.config.carriers, body.from_address.country)
        }
        answer = {
            "id": shipment_id,
            "object": "Shipment",
            "mode": "test",
            "reference": body.reference,
            "status": "unknown",
            "created_at": now,
            "updated_at": now,
            "to_address": body.to_address.as_object(),
            "from_address": body.from_address.as_object(),
            "parcel": body.parcel.as_object(),
            "rates": [self._rate(shipment_id, rate_id, s, body) for rate_id, s in services.items()],
            "selected_rate": None,
            "postage_label": None,
            "tracking_code": None,
            "tracker": None,
            "refund_status": None,
            "insurance": None,
            "is_return": False,
            "batch_id": None,
            "batch_status": None,
            "batch_message": None,
            "order_id": None,
            "scan_form": None,
            "usps_zone": zone(body.from_address.zip, body.to_address.zip),
            "messages": [],
            "forms": [],
            "fees": [],
        }
        self.shipments[shipment_id] = _Shipment(answer=answer, request=body, services=services)
        return answer

    def _rate(
        self, shipment_id: str, rate_id: str, service: ServiceLevel, body: _ShipmentIn
    ) -> dict[str, Any]:
        parcel = body.parcel
        sides = (parcel.length, parcel.width, parcel.height)
        size = ParcelSize(parcel.weight, None if None in sides else sides)  # type: ignore[arg-type]
        distance = zone(body.from_address.zip, body.to_address.zip)
        amount = str(service.price(size, distance, self.config.price_factor))
        now = _iso(datetime.now(UTC))
        return {
            "id": rate_id,
            "object": "Rate",
            "created_at": now,
            "updated_at": now,
            "mode": "test",
            "shipment_id": shipment_id,
            "carrier": service.carrier,
            "carrier_account_id": "ca_" + hashlib.md5(service.carrier.encode()).hexdigest(),
            "service": service.easypost_service,
            "rate": amount,
            "currency": service.currency,
            "retail_rate": amount,
            "retail_currency": service.currency,
            "list_rate": amount,
            "list_currency": service.currency,
            "billing_type": "easypost",
            "delivery_days": service.delivery_days,
            "delivery_date": None,
            "est_delivery_days": service.delivery_days,
            "delivery_date_guaranteed": False,
        }

    def shipment(self, shipment_id: str) -> _Shipment:
        """By id, or by the `reference` it was created with (as EasyPost allows)."""
        found = self.shipments.get(shipment_id) or next(
            (s for s in self.shipments.values() if s.request.reference == shipment_id), None
        )
        if found is None:
            raise EasyPostApiError(404, "NOT_FOUND", "The requested resource could not be found.")
        return found

    def render(self, shipment: _Shipment) -> dict[str, Any]:
        """The shipment with its tracker as of now."""
        parcel = self.state.parcels.get(shipment.answer["tracking_code"] or "")
        return shipment.answer | {"tracker": self.tracker(parcel) if parcel else None}

    def buy(self, shipment_id: str, body: _BuyIn, base_url: str) -> dict[str, Any]:
        shipment = self.shipment(shipment_id)
        answer = shipment.answer
        if answer["postage_label"] is not None:
            raise EasyPostApiError(422, POSTAGE_EXISTS, "Postage already exists for this shipment.")
        service = shipment.services.get(body.rate.id)
        if service is None:
            raise EasyPostApiError(
                422, "PARAMETER.INVALID", f"Rate {body.rate.id} is not a rate of {shipment_id}"
            )
        field_errors = shipment.request.to_address.field_errors()
        if field_errors:
            raise EasyPostApiError(422, "ADDRESS.VERIFY.FAILURE", "Unable to verify address.", field_errors)
        selected = next(rate for rate in answer["rates"] if rate["id"] == body.rate.id)
        label_id = new_id("pl")
        sold = self.state.sell(
            Sale(
                label_id=label_id,
                shipment_id=answer["id"],
                rate_id=body.rate.id,
                reference=shipment.request.reference or "",
                service=service,
                amount=Decimal(selected["rate"]),
                origin=shipment.request.from_address.place(),
                destination=shipment.request.to_address.place(),
            )
        )
        now = _iso(datetime.now(UTC))
        answer |= {
            "selected_rate": selected,
            "tracking_code": sold.purchase.tracking_number,
            "insurance": body.insurance,
            "updated_at": now,
            "postage_label": {
                "object": "PostageLabel",
                "id": label_id,
                "created_at": now,
                "updated_at": now,
                "date_advance": 0,
                "integrated_form": "none",
                "label_date": now,
                "label_resolution": 300,
                "label_size": "4x6",
                "label_type": "default",
                "label_file_type": "image/png",
                "label_url": label_url(base_url, label_id, "png"),
                "label_pdf_url": None,
                "label_zpl_url": None,
                "label_epl2_url": None,
                "label_file": None,
            },
        }
        return self.render(shipment)

    def refund(self, shipment_id: str) -> dict[str, Any]:
        shipment = self.shipment(shipment_id)
        if shipment.answer["postage_label"] is None:
            raise EasyPostApiError(
                422, "SHIPMENT.REFUND.UNAVAILABLE", f"Shipment {shipment_id} has no postage to refund"
            )
        shipment.answer["refund_status"] = shipment.answer["refund_status"] or "submitted"
        return self.render(shipment)

    def tracker(self, parcel: ParcelInFlight) -> dict[str, Any]:
        purchase = parcel.purchase
        tracker_id = "trk_" + hashlib.md5(purchase.tracking_number.encode()).hexdigest()
        return {
            "id": tracker_id,
            "object": "Tracker",
            "mode": "test",
            "tracking_code": purchase.tracking_number,
            "carrier": purchase.service.carrier,
            "status": parcel.status,
            "status_detail": _STATUS_DETAIL[parcel.status],
            "shipment_id": purchase.shipment_id,
            "created_at": _iso(parcel.scans[0].at),
            "updated_at": _iso(parcel.scans[-1].at),
            "est_delivery_date": None,
            "signed_by": "John Tester" if parcel.status == "delivered" else None,
            "weight": None,
            "fees": [],
            "tracking_details": [
                {
                    "object": "TrackingDetail",
                    "message": scan.message,
                    "description": "",
                    "status": scan.status,
                    "status_detail": _STATUS_DETAIL[scan.status],
                    "datetime": _iso(scan.at),
                    "source": purchase.service.carrier,
                    "carrier_code": "",
                    "tracking_location": _location(scan.place),
                }
                for scan in parcel.scans
            ],
            "carrier_detail": {
                "object": "CarrierDetail",
                "service": purchase.service.name,
                "container_type": None,
                "est_delivery_date_local": None,
                "est_delivery_time_local": None,
                "origin_location": _place_line(purchase.origin),
                "origin_tracking_location": _location(purchase.origin),
                "destination_location": _place_line(purchase.destination),
                "destination_tracking_location": _location(purchase.destination),
                "guaranteed_delivery_date": None,
                "alternate_identifier": None,
                "initial_delivery_attempt": None,
            },
            # EasyPost's public page is track.easypost.com/ + base64("v1:<tracker id>"), as recorded.
            "public_url": PUBLIC_TRACKING_URL + base64.b64encode(f"v1:{tracker_id}".encode()).decode(),
        }

    def webhook(self, parcel: ParcelInFlight, target: WebhookTarget) -> tuple[bytes, dict[str, str]]:
        now = _iso(datetime.now(UTC))
        event = {
            "id": new_id("evt"),
            "object": "Event",
            "mode": "test",
            "description": "tracker.updated",
            "status": "pending",
            "created_at": now,
            "updated_at": now,
            "previous_attributes": {"status": parcel.previous_status},
            "pending_urls": [target.url],
            "completed_urls": [],
            "result": self.tracker(parcel),
        }
        body = json.dumps(event).encode()
        headers = {"Content-Type": "application/json"}
        if target.secret:
            headers["X-Hmac-Signature"] = sign(body, target.secret)
        return body, headers


def create_app(config: EasyPostEmulatorConfig | None = None, state_file: Path | None = None) -> FastAPI:
    """The emulator; with `state_file` it starts from the state saved there (if any) and keeps saving it."""
    config = config or EasyPostEmulatorConfig()
    sandbox = EasyPostSandbox.opened(config, state_file)
    app = FastAPI(title="EasyPost sandbox", description=__doc__, lifespan=sandbox.lifespan(state_file))
    faults = config.fault_injector()

    def render_fault(kind: FaultKind) -> Response:
        body = _error_body(_FAULT_CODE[kind], f"Injected fault: {kind}", [])
        return JSONResponse(body, status_code=FAULT_STATUS[kind])

    install_faults(app, faults, render_fault)

    @app.exception_handler(StarletteHTTPException)
    async def api_error(request: Request, error: StarletteHTTPException) -> Response:
        code = (
            error.code
            if isinstance(error, EasyPostApiError)
            else _STATUS_CODE.get(error.status_code, "ERROR")
        )
        errors = error.errors if isinstance(error, EasyPostApiError) else []
        return JSONResponse(_error_body(code, str(error.detail), errors), status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        return JSONResponse(_parameter_errors(error), status_code=422)

    def authorize(request: Request) -> None:
        if not hmac.compare_digest(_api_key(request.headers.get("Authorization", "")), config.api_key):
            raise EasyPostApiError(401, "UNAUTHORIZED", "The API key provided is invalid.")

    api = APIRouter(prefix="/v2", dependencies=[Depends(authorize)])

    @api.post("/addresses", status_code=201)
    async def create_address(body: _AddressCreate) -> dict[str, Any]:
        if body.verify is None:
            return body.address.as_object()
        normal = {} if body.address.problems() else body.address.normal_form()
        return body.address.as_object(**normal, verifications=body.address.verifications())

    @api.post("/shipments", status_code=201)
    async def create_shipment(body: _ShipmentCreate) -> dict[str, Any]:
        return sandbox.create_shipment(body.shipment)

    @api.get("/shipments/{shipment_id}")
    async def get_shipment(shipment_id: str) -> dict[str, Any]:
        return sandbox.render(sandbox.shipment(shipment_id))

    @api.post("/shipments/{shipment_id}/buy")
    async def buy_shipment(shipment_id: str, body: _BuyIn, request: Request) -> dict[str, Any]:
        return sandbox.buy(shipment_id, body, str(request.base_url))

    @api.post("/shipments/{shipment_id}/refund")
    async def refund_shipment(shipment_id: str) -> dict[str, Any]:
        return sandbox.refund(shipment_id)

    app.include_router(api)
    app.include_router(carrier_routes(sandbox.state, sandbox.webhook))
    return app
