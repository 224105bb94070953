"""Buying labels: exactly one per package however the purchase call fails, plus refunds and label files.

Retries are driven the way a Temporal activity retry would drive them: call `buy_label`, get the
ambiguous error, call `buy_label` again with the very same `PurchaseRequest`.
"""

from __future__ import annotations

import asyncio
import re
import struct
import zlib
from dataclasses import dataclass
from datetime import date, datetime

import httpx
import pytest
from shipping_helpers import BUYER, NOWHERE, Emulator, order_context, shipment_to

from creatorflow.domain import Address, Label, Provider, RefundStatus
from creatorflow.shipping.base import Carrier, PurchaseRequest
from creatorflow.shipping.easypost import EasyPostCarrier
from creatorflow.shipping.errors import (
    AmbiguousPurchaseError,
    NonRetryableShippingError,
    PurchaseRejectedError,
)
from creatorflow.shipping.rules import RuleBook
from creatorflow.shipping.selection import select_rate
from creatorflow.shipping.shippo import ShippoCarrier
from emulators.faults import FaultRule

SHIPPO_BUY = "/transactions"
EASYPOST_BUY = "/v2/shipments/*/buy"
PURCHASES = 100
TIMEOUTS_PER_PROVIDER = 5  # each costs an SDK timeout; the other lost answers are 503s


def lose_every_purchase_response(path: str) -> list[FaultRule]:
    """Commit every purchase, then lose the answer: the first few time out, the rest answer 503."""
    return [
        FaultRule(
            path=path,
            method="POST",
            after_commit="timeout",
            after_commit_rate=1.0,
            times=TIMEOUTS_PER_PROVIDER,
        ),
        FaultRule(path=path, method="POST", after_commit="5xx", after_commit_rate=1.0),
    ]


async def buy_like_an_activity_retry(carrier: Carrier, purchase: PurchaseRequest) -> Label:
    """First attempt: the label is bought but the answer is lost. Second attempt: the same request."""
    with pytest.raises(AmbiguousPurchaseError) as first_attempt:
        await carrier.buy_label(purchase)
    assert first_attempt.value.retryable and first_attempt.value.ambiguous
    return await carrier.buy_label(purchase)


async def test_100_purchases_with_every_first_answer_lost_end_with_exactly_100_labels(
    shippo: ShippoCarrier,
    easypost: EasyPostCarrier,
    shippo_emulator: Emulator,
    easypost_emulator: Emulator,
) -> None:
    carriers: list[Carrier] = [shippo, easypost]
    selections = await asyncio.gather(
        *(
            select_rate(
                [carriers[n % 2]], shipment_to(BUYER, f"order-{n}"), RuleBook(), order_context(date.today())
            )
            for n in range(PURCHASES)
        )
    )
    purchases = [selection.purchase(f"order-{n}") for n, selection in enumerate(selections)]
    shippo_emulator.fail(*lose_every_purchase_response(SHIPPO_BUY))
    easypost_emulator.fail(*lose_every_purchase_response(EASYPOST_BUY))

    labels = await asyncio.gather(
        *(buy_like_an_activity_retry(carriers[n % 2], purchase) for n, purchase in enumerate(purchases))
    )

    ledgers = {"shippo": shippo_emulator.purchases(), "easypost": easypost_emulator.purchases()}
    sold = [p for ledger in ledgers.values() for p in ledger["purchases"]]
    assert ledgers["shippo"]["total"] + ledgers["easypost"]["total"] == PURCHASES
    assert all(count == 1 for ledger in ledgers.values() for count in ledger["by_shipment"].values())
    assert all(count == 1 for ledger in ledgers.values() for count in ledger["by_rate"].values())
    assert sorted(p["label_id"] for p in sold) == sorted(label.label_id for label in labels)
    assert sorted(p["reference"] for p in sold) == sorted(f"order-{n}" for n in range(PURCHASES))
    assert [label.rate for label in labels] == [purchase.rate for purchase in purchases]
    assert len({label.tracking_number for label in labels}) == PURCHASES
    # One purchase call per label, each of which lost its answer: the retries only looked.
    shippo_buys = shippo_emulator.calls("POST", SHIPPO_BUY, at_least=PURCHASES // 2)
    buys = shippo_buys + easypost_emulator.calls("POST", EASYPOST_BUY, at_least=PURCHASES // 2)
    assert len(buys) == PURCHASES
    assert {entry["fault"] for entry in buys} == {"after_commit:timeout", "after_commit:5xx"}


@dataclass
class Seller:
    """One provider under test: our adapter, its emulator, and the path a label is bought on."""

    carrier: Carrier
    emulator: Emulator
    buy_path: str


@pytest.fixture(params=[SHIPPO_BUY, EASYPOST_BUY])
def seller(
    request: pytest.FixtureRequest,
    shippo: ShippoCarrier,
    easypost: EasyPostCarrier,
    shippo_emulator: Emulator,
    easypost_emulator: Emulator,
) -> Seller:
    if request.param == SHIPPO_BUY:
        return Seller(shippo, shippo_emulator, SHIPPO_BUY)
    return Seller(easypost, easypost_emulator, EASYPOST_BUY)


async def test_a_purchase_refused_before_commit_is_bought_once_on_retry(seller: Seller) -> None:
    carrier, emulator, buy_path = seller.carrier, seller.emulator, seller.buy_path
    purchase = await cheapest_purchase(carrier)
    emulator.fail(FaultRule(path=buy_path, method="POST", error_rate=1.0, kinds=["5xx"], times=1))

    label = await buy_like_an_activity_retry(carrier, purchase)

    assert emulator.purchases()["by_rate"] == {purchase.rate.rate_id: 1}
    assert label.rate.rate_id == purchase.rate.rate_id


async def test_a_held_answer_comes_after_the_label_is_sold(seller: Seller) -> None:
    """The window the chaos suite kills workers in: bought at the provider, not yet known to the buyer."""
    carrier, emulator, buy_path = seller.carrier, seller.emulator, seller.buy_path
    purchase = await cheapest_purchase(carrier)
    emulator.fail(FaultRule(path=buy_path, method="POST", after_commit_latency_ms=500))

    label = await carrier.buy_label(purchase)

    [sold] = emulator.purchases()["purchases"]
    [buy] = emulator.calls("POST", buy_path)
    assert sold["label_id"] == label.label_id
    assert buy["at"] - datetime.fromisoformat(sold["at"]).timestamp() >= 0.5


async def test_two_attempts_racing_on_one_easypost_shipment_get_one_label(
    easypost: EasyPostCarrier, easypost_emulator: Emulator
) -> None:
    """E.g. a retry started while the timed-out attempt still runs: both look, see no label, both buy."""
    purchase = await cheapest_purchase(easypost)
    easypost_emulator.fail(FaultRule(path="/v2/shipments/*", method="GET", latency_ms=1000))

    first, second = await asyncio.gather(easypost.buy_label(purchase), easypost.buy_label(purchase))

    assert first == second
    assert easypost_emulator.purchases()["total"] == 1
    buys = easypost_emulator.calls("POST", EASYPOST_BUY)
    assert sorted(entry["status"] for entry in buys) == [200, 422]  # the loser was told postage exists


async def test_buying_again_after_success_returns_the_same_label(
    shippo: ShippoCarrier, easypost: EasyPostCarrier, shippo_emulator: Emulator, easypost_emulator: Emulator
) -> None:
    for carrier, emulator in ((shippo, shippo_emulator), (easypost, easypost_emulator)):
        purchase = await cheapest_purchase(carrier)
        first, again = await carrier.buy_label(purchase), await carrier.buy_label(purchase)
        assert first == again
        assert emulator.purchases()["total"] == 1


async def test_the_explanation_stays_with_the_label(shippo: ShippoCarrier, easypost: EasyPostCarrier) -> None:
    selection = await select_rate(
        [shippo, easypost], shipment_to(BUYER), RuleBook(), order_context(date.today())
    )
    carrier = shippo if selection.rate.provider is Provider.SHIPPO else easypost
    label = await carrier.buy_label(selection.purchase("order-1"))
    assert label.explanation == selection.explanation
    assert Label.model_validate_json(label.model_dump_json()) == label  # survives workflow history


async def test_refund_of_a_bought_label(shippo: ShippoCarrier, easypost: EasyPostCarrier) -> None:
    for carrier in (shippo, easypost):
        label = await carrier.buy_label(await cheapest_purchase(carrier))
        refund = await carrier.refund_label(label)
        assert (refund.provider, refund.label_id, refund.status) == (
            carrier.provider,
            label.label_id,
            RefundStatus.SUBMITTED,
        )


async def test_a_carrier_refusing_the_address_at_purchase_is_not_retryable(
    shippo: ShippoCarrier, easypost: EasyPostCarrier, shippo_emulator: Emulator, easypost_emulator: Emulator
) -> None:
    with pytest.raises(PurchaseRejectedError, match="House number is missing"):
        await shippo.buy_label(await cheapest_purchase(shippo, NOWHERE))
    with pytest.raises(NonRetryableShippingError) as raised:
        await easypost.buy_label(await cheapest_purchase(easypost, NOWHERE))
    assert (raised.value.code, raised.value.http_status) == ("ADDRESS.VERIFY.FAILURE", 422)
    assert shippo_emulator.purchases()["total"] == easypost_emulator.purchases()["total"] == 0


async def test_label_files_are_real_pdf_and_png(shippo: ShippoCarrier, easypost: EasyPostCarrier) -> None:
    shippo_label = await shippo.buy_label(await cheapest_purchase(shippo))
    easypost_label = await easypost.buy_label(await cheapest_purchase(easypost))
    async with httpx.AsyncClient() as client:
        pdf = (await client.get(shippo_label.label_url)).content
        png = (await client.get(easypost_label.label_url)).content

    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    xref_at = int(re.findall(rb"startxref\n(\d+)", pdf)[-1])
    offsets = [int(line[:10]) for line in pdf[xref_at:].splitlines()[3:8]]
    assert [pdf[offset:].split(b" ", 1)[0] for offset in offsets] == [b"1", b"2", b"3", b"4", b"5"]
    assert shippo_label.tracking_number.encode() in pdf

    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    idat_length = struct.unpack(">I", png[33:37])[0]
    pixels = zlib.decompress(png[41 : 41 + idat_length])
    assert len(pixels) == height * (width + 1)


async def cheapest_purchase(carrier: Carrier, to: Address = BUYER) -> PurchaseRequest:
    rates = await carrier.quote(shipment_to(to))
    return PurchaseRequest(rate=min(rates, key=lambda rate: rate.amount), idempotency_key="order-1")
