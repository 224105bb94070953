"""Tracking as the carrier scans the package, and tracking webhooks: verified, parsed, forgeries refused."""

from __future__ import annotations

import json

import pytest
from shipping_helpers import BUYER, EASYPOST_SECRET, SHIPPO_TOKEN, Emulator, shipment_to

from creatorflow.domain import Label, OtherCarrierEvent, TrackingStatus
from creatorflow.shipping.base import Carrier, PurchaseRequest, WebhookDelivery
from creatorflow.shipping.easypost import EasyPostCarrier
from creatorflow.shipping.errors import MalformedWebhookError, WebhookRejectedError
from creatorflow.shipping.shippo import ShippoCarrier
from emulators.carriers.easypost import sign

Inbox = tuple[str, list[WebhookDelivery]]


async def bought_label(carrier: Carrier) -> Label:
    rates = await carrier.quote(shipment_to(BUYER))
    return await carrier.buy_label(PurchaseRequest(rate=rates[0], idempotency_key="order-1"))


async def test_tracking_progresses_from_label_created_to_delivered(
    shippo: ShippoCarrier, easypost: EasyPostCarrier, shippo_emulator: Emulator, easypost_emulator: Emulator
) -> None:
    for carrier, emulator in ((shippo, shippo_emulator), (easypost, easypost_emulator)):
        label = await bought_label(carrier)
        assert (await carrier.track(label)).status is TrackingStatus.PRE_TRANSIT

        emulator.admin("POST", f"/trackers/{label.tracking_number}/advance")
        in_transit = await carrier.track(label)
        assert in_transit.status is TrackingStatus.IN_TRANSIT
        assert in_transit.events[-1].location == "San Francisco, CA, 94105, US"  # the first scan, at origin

        emulator.admin("POST", f"/trackers/{label.tracking_number}/advance?to=delivered")
        delivered = await carrier.track(label)
        assert delivered.status is TrackingStatus.DELIVERED
        assert delivered.tracking_number == label.tracking_number
        assert len(delivered.events) == 4
        assert [e.occurred_at for e in delivered.events] == sorted(e.occurred_at for e in delivered.events)


async def test_shippo_track_updated_webhook_is_verified_by_its_url_token_and_parsed(
    shippo: ShippoCarrier, shippo_emulator: Emulator, webhook_inbox: Inbox
) -> None:
    inbox_url, received = webhook_inbox
    shippo_emulator.admin("PUT", "/webhook", {"url": f"{inbox_url}/hooks/shippo?token={SHIPPO_TOKEN}"})
    label = await bought_label(shippo)

    moved = shippo_emulator.admin("POST", f"/trackers/{label.tracking_number}/advance")

    assert moved["webhook"]["status_code"] == 200
    update = shippo.parse_tracking_webhook(received[-1])
    assert update.tracking.tracking_number == label.tracking_number
    assert update.tracking.label_id == label.label_id
    assert update.tracking.status is TrackingStatus.IN_TRANSIT
    shippo_emulator.admin("POST", f"/trackers/{label.tracking_number}/webhook")  # the same state, again
    assert shippo.parse_tracking_webhook(received[-1]).event_id == update.event_id  # so it dedups

    forged = received[-1].model_copy(update={"query": {"token": "guessed"}})
    with pytest.raises(WebhookRejectedError, match="token"):
        shippo.parse_tracking_webhook(forged)
    with pytest.raises(WebhookRejectedError, match="token"):
        shippo.parse_tracking_webhook(received[-1].model_copy(update={"query": {}}))


async def test_easypost_tracker_webhook_is_verified_by_its_hmac_signature_and_parsed(
    easypost: EasyPostCarrier, easypost_emulator: Emulator, webhook_inbox: Inbox
) -> None:
    inbox_url, received = webhook_inbox
    easypost_emulator.admin(
        "PUT", "/webhook", {"url": f"{inbox_url}/hooks/easypost", "secret": EASYPOST_SECRET}
    )
    label = await bought_label(easypost)

    easypost_emulator.admin("POST", f"/trackers/{label.tracking_number}/advance?to=delivered")

    delivery = received[-1]
    assert "x-hmac-signature" in delivery.headers  # arrives lower-cased, as Starlette hands headers over
    update = easypost.parse_tracking_webhook(delivery)
    assert update.event_id.startswith("evt_")
    assert update.tracking.status is TrackingStatus.DELIVERED
    assert update.tracking.shipment_id == label.rate.shipment_id

    event = json.loads(delivery.body)
    event["result"]["status"] = "return_to_sender"
    tampered = delivery.model_copy(update={"body": json.dumps(event).encode()})
    with pytest.raises(WebhookRejectedError, match="signature"):
        easypost.parse_tracking_webhook(tampered)
    unsigned = delivery.model_copy(update={"headers": {"content-type": "application/json"}})
    with pytest.raises(WebhookRejectedError, match="signature"):
        easypost.parse_tracking_webhook(unsigned)


async def test_webhook_endpoints_read_tracking_events_and_name_every_other_event(
    shippo: ShippoCarrier, easypost: EasyPostCarrier
) -> None:
    """Verified, but not a tracking event we can read: malformed (400, kept), not forged. Verified and
    readable, but about something else (a batch): named, so the inbox acknowledges and ignores it."""
    batch_created = WebhookDelivery(
        body=b'{"event": "batch_created", "data": {}}', query={"token": SHIPPO_TOKEN}
    )
    assert shippo.parse_tracking_webhook(batch_created) == OtherCarrierEvent(event_type="batch_created")
    for body in (b'{"event": "track_updated", "data": {}}', b"<html>", b""):
        with pytest.raises(MalformedWebhookError):
            shippo.parse_tracking_webhook(WebhookDelivery(body=body, query={"token": SHIPPO_TOKEN}))
    batch_event = b'{"id": "evt_1", "description": "batch.updated", "result": {"id": "batch_1"}}'
    batch_signed = WebhookDelivery(
        body=batch_event, headers={"X-Hmac-Signature": sign(batch_event, EASYPOST_SECRET)}
    )
    assert easypost.parse_tracking_webhook(batch_signed) == OtherCarrierEvent(event_type="batch.updated")
    tracker = {"tracking_code": "\ud800", "carrier": "USPS", "status": "delivered"}  # a lone surrogate
    lone_surrogate = json.dumps({"id": "evt_1", "description": "tracker.updated", "result": tracker}).encode()
    tracker_event_without_tracker = b'{"id": "evt_2", "description": "tracker.updated", "result": {}}'
    for body in (tracker_event_without_tracker, b"<html>", b"", b"[" * 100_000, lone_surrogate):
        signed = WebhookDelivery(body=body, headers={"X-Hmac-Signature": sign(body, EASYPOST_SECRET)})
        with pytest.raises(MalformedWebhookError, match="not a tracker event"):
            easypost.parse_tracking_webhook(signed)
