"""Our adapters, on the official SDKs, fed the real services' recorded answers over real HTTP.

A small replay server answers with the bodies in tests/fixtures/recorded, which the pinned Shippo SDK's own
models cannot parse (a Transaction without `created_by`, a Track without `messages`). What matters most: a
label sold and then answered in a shape we cannot read is found on the retry, never bought twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from pydantic import SecretStr
from shipping_helpers import BUYER, SHIPPO_TOKEN, recorded, shipment_to

from creatorflow.config import EasyPostSettings, ShippoSettings
from creatorflow.domain import Label, Provider, Rate, TrackingStatus
from creatorflow.shipping.base import PurchaseRequest, WebhookDelivery
from creatorflow.shipping.easypost import EasyPostCarrier
from creatorflow.shipping.errors import (
    AmbiguousPurchaseError,
    InvalidAddressError,
    NonRetryableShippingError,
)
from creatorflow.shipping.shippo import ShippoCarrier
from devstack.background_server import BackgroundServer

SOLD = recorded("shippo_transaction_success.json")
LISTED = recorded("shippo_transactions_list.json")
BOUGHT = recorded("easypost_shipment_bought.json")
RATE_LISTED_AS = {t["status"]: t["rate"] for t in LISTED["results"]}  # QUEUED, ERROR, SUCCESS
NEW_RATE = "0123456789abcdef0123456789abcdef"


@dataclass
class Replay:
    """What the replay server has sold and been asked; `unreadable_sale` answers the next buy with a body
    neither the SDK nor we can read, after selling the label all the same."""

    sold: list[dict[str, Any]] = field(default_factory=list)
    buys: int = 0
    unreadable_sale: bool = False
    url: str = ""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/transactions")
        async def list_transactions(rate: str) -> dict[str, Any]:
            results = [t for t in [*LISTED["results"], *self.sold] if t["rate"] == rate]
            return {**LISTED, "count": len(results), "next": None, "results": results}

        @app.post("/transactions")
        async def buy(request: Request) -> Response:
            self.buys += 1
            self.sold.append(SOLD | {"rate": (await request.json())["rate"]})
            if self.unreadable_sale:
                return Response(
                    '{"object_state": "VALID", "status": "SUC', 201, media_type="application/json"
                )
            return JSONResponse(self.sold[-1], status_code=201)

        @app.get("/tracks/{carrier}/{number}")
        async def track(carrier: str, number: str) -> dict[str, Any]:
            return recorded("shippo_track.json")

        @app.get("/v2/shipments/{shipment_id}")
        async def shipment(shipment_id: str) -> Response:
            if shipment_id != BOUGHT["id"]:
                return JSONResponse(recorded("easypost_error_alternative_format.json"), status_code=404)
            unbought = {"postage_label": None, "selected_rate": None, "tracking_code": None, "tracker": None}
            return JSONResponse(BOUGHT if self.buys else BOUGHT | unbought)

        @app.post("/v2/shipments/{shipment_id}/buy")
        async def buy_shipment(shipment_id: str) -> dict[str, Any]:
            self.buys += 1
            return BOUGHT

        @app.post("/v2/shipments")
        async def create_shipment() -> Response:
            return JSONResponse(recorded("easypost_error_parameter_required.json"), status_code=422)

        @app.post("/v2/addresses", status_code=201)
        async def create_address() -> dict[str, Any]:
            return recorded("easypost_address_not_found.json")

        return app


@pytest.fixture
def replay() -> Iterator[Replay]:
    replay = Replay()
    with BackgroundServer(replay.app()) as server:
        replay.url = server.url
        yield replay


def shippo_purchase(rate_id: str) -> PurchaseRequest:
    rate = Rate(
        provider=Provider.SHIPPO,
        rate_id=rate_id,
        shipment_id="93808674a27a4f7f808d1742a4dfc273",
        carrier="USPS",
        service="usps_priority",
        amount=Decimal("7.42"),
        currency="USD",
        delivery_days=2,
    )
    return PurchaseRequest(rate=rate, idempotency_key="order-1")


def easypost_purchase() -> PurchaseRequest:
    selected = BOUGHT["selected_rate"]
    rate = Rate(
        provider=Provider.EASYPOST,
        rate_id=selected["id"],
        shipment_id=BOUGHT["id"],
        carrier=selected["carrier"],
        service=selected["service"],
        amount=Decimal(selected["rate"]),
        currency=selected["currency"],
        delivery_days=selected["delivery_days"],
    )
    return PurchaseRequest(rate=rate, idempotency_key="order-1")


@pytest.fixture
def shippo(replay: Replay) -> ShippoCarrier:
    settings = ShippoSettings(base_url=replay.url, timeout_seconds=5, webhook_token=SecretStr(SHIPPO_TOKEN))
    return ShippoCarrier(settings)


@pytest.fixture
def easypost(replay: Replay) -> EasyPostCarrier:
    return EasyPostCarrier(EasyPostSettings(base_url=f"{replay.url}/v2", timeout_seconds=5))


async def test_a_shippo_label_is_read_from_a_transaction_the_sdk_cannot_parse(
    shippo: ShippoCarrier, replay: Replay
) -> None:
    label = await shippo.buy_label(shippo_purchase(NEW_RATE))

    assert replay.buys == 1
    assert (label.label_id, label.tracking_number) == (SOLD["object_id"], SOLD["tracking_number"])
    assert label.label_url == SOLD["label_url"]


async def test_recorded_shippo_purchases_are_found_not_bought_again(
    shippo: ShippoCarrier, replay: Replay
) -> None:
    found = await shippo.buy_label(shippo_purchase(RATE_LISTED_AS["SUCCESS"]))
    with pytest.raises(AmbiguousPurchaseError, match="still QUEUED"):
        await shippo.buy_label(shippo_purchase(RATE_LISTED_AS["QUEUED"]))
    assert (replay.buys, found.tracking_number) == (0, SOLD["tracking_number"])

    await shippo.buy_label(shippo_purchase(RATE_LISTED_AS["ERROR"]))  # a refused purchase is no label
    assert replay.buys == 1


async def test_an_unreadable_answer_after_the_sale_is_ambiguous_and_the_retry_finds_the_label(
    shippo: ShippoCarrier, replay: Replay
) -> None:
    replay.unreadable_sale = True
    with pytest.raises(AmbiguousPurchaseError, match="unreadable answer") as first_attempt:
        await shippo.buy_label(shippo_purchase(NEW_RATE))
    assert first_attempt.value.retryable and first_attempt.value.ambiguous

    label = await shippo.buy_label(shippo_purchase(NEW_RATE))

    assert replay.buys == 1
    assert label.tracking_number == SOLD["tracking_number"]


async def test_a_recorded_shippo_track_without_messages_is_read(shippo: ShippoCarrier) -> None:
    label = await shippo.buy_label(shippo_purchase(RATE_LISTED_AS["SUCCESS"]))
    history = recorded("shippo_track.json")["tracking_history"]

    tracking = await shippo.track(label)

    assert tracking.status is TrackingStatus.DELIVERED
    assert [event.detail for event in tracking.events] == [scan["status_details"] for scan in history]
    assert tracking.events[0].location is None and tracking.events[-1].location == "Berkeley, CA, 94705, US"


def test_a_shippo_webhook_carrying_a_recorded_track_is_read(shippo: ShippoCarrier) -> None:
    body = json.dumps({"event": "track_updated", "test": True, "data": recorded("shippo_track.json")})
    delivery = WebhookDelivery(body=body.encode(), query={"token": SHIPPO_TOKEN})

    update = shippo.parse_tracking_webhook(delivery)

    assert update.tracking.status is TrackingStatus.DELIVERED


async def test_an_easypost_label_is_read_from_a_recorded_purchase(
    easypost: EasyPostCarrier, replay: Replay
) -> None:
    label = await easypost.buy_label(easypost_purchase())
    again = await easypost.buy_label(easypost_purchase())

    assert replay.buys == 1 and again == label
    assert (label.label_id, label.tracking_number) == (BOUGHT["postage_label"]["id"], BOUGHT["tracking_code"])
    assert label.label_url == BOUGHT["postage_label"]["label_url"]


async def test_recorded_easypost_refusals_are_clear_errors(easypost: EasyPostCarrier) -> None:
    with pytest.raises(InvalidAddressError) as not_found:
        await easypost.validate_address(BUYER)
    assert not_found.value.problems == ["address: Address not found"]

    with pytest.raises(NonRetryableShippingError) as required:
        await easypost.quote(shipment_to(BUYER))
    assert (required.value.code, required.value.http_status) == ("PARAMETER.REQUIRED", 422)

    elsewhere = easypost_purchase().rate.model_copy(update={"shipment_id": "shp_unknown"})
    label = Label(
        rate=elsewhere, label_id="pl_1", tracking_number="1", label_url="http://x", idempotency_key="o"
    )
    with pytest.raises(NonRetryableShippingError) as unknown:  # `errors` as strings, the docs' other format
        await easypost.track(label)
    assert (unknown.value.code, unknown.value.http_status) == ("NOT_FOUND", 404)
