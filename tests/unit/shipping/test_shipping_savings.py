"""What choosing the cheapest rate that arrives in time saves against a seller's usual service, on the
emulators' rate tables (which, like real ones, price by billable weight, size, distance and service).

A seller without CreatorFlow buys one service for everything; USPS Priority Mail is the usual pick. The
sample: 120 orders of a small shop's mix (light cosmetics to a 12 lb appliance) from San Francisco to eight
US cities, each due within 7 days, quoted on Shippo and EasyPost over HTTP. The figure is printed (run with
`-s`) and quoted in docs/features.md ("Shipping savings").
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

from shipping_helpers import WAREHOUSE

from creatorflow.domain import Address, Parcel
from creatorflow.shipping.base import ShipmentRequest
from creatorflow.shipping.easypost import EasyPostCarrier
from creatorflow.shipping.rules import RuleBook, RuleContext
from creatorflow.shipping.selection import select_rate
from creatorflow.shipping.shippo import ShippoCarrier

SHIP_ON = date(2026, 12, 7)
CITIES = [
    ("New York", "NY", "10012"),
    ("Chicago", "IL", "60601"),
    ("Dallas", "TX", "75201"),
    ("Denver", "CO", "80202"),
    ("Seattle", "WA", "98101"),
    ("Miami", "FL", "33131"),
    ("Phoenix", "AZ", "85004"),
    ("San Diego", "CA", "92101"),
]
# (weight oz, length, width, height in): what a small shop sells, lightest most often.
MIX = [
    (Decimal(6), Decimal(6), Decimal(3), Decimal(3)),  # serum
    (Decimal(10), Decimal(10), Decimal(8), Decimal(1)),  # tee
    (Decimal(18), Decimal(11), Decimal(4), Decimal(4)),  # bottle
    (Decimal(40), Decimal(12), Decimal(10), Decimal(6)),  # gift set
    (Decimal(72), Decimal(10), Decimal(9), Decimal(9)),  # kettle
    (Decimal(192), Decimal(16), Decimal(12), Decimal(12)),  # blender
]
WEIGHTS = [30, 25, 20, 12, 8, 5]
USUAL = {"usps_priority", "Priority"}  # USPS Priority Mail on Shippo and on EasyPost


async def test_the_cheapest_rate_in_time_saves_at_least_15_percent_against_priority_mail(
    shippo: ShippoCarrier, easypost: EasyPostCarrier
) -> None:
    rng = random.Random(14)
    usual = chosen = Decimal(0)
    for number in range(120):
        weight, length, width, height = rng.choices(MIX, WEIGHTS)[0]
        city, state, zip_code = rng.choice(CITIES)
        buyer = Address(
            name="Buyer", street1="1 Main St", city=city, state=state, postal_code=zip_code, country="US"
        )
        parcel = Parcel(length_in=length, width_in=width, height_in=height, weight_oz=weight)
        shipment = ShipmentRequest(
            from_address=WAREHOUSE, to_address=buyer, parcel=parcel, reference=f"o{number}"
        )
        context = RuleContext(
            weight_oz=weight,
            country="US",
            state=state,
            order_value=None,
            currency="USD",
            ship_on=SHIP_ON,
            deliver_by=SHIP_ON + timedelta(days=7),
        )
        selection = await select_rate([shippo, easypost], shipment, RuleBook(), context)
        priority = min(v.rate.amount for v in selection.explanation.verdicts if v.rate.service in USUAL)
        usual += priority
        chosen += selection.rate.amount
        assert selection.rate.amount <= priority
    saved = (usual - chosen) / usual * 100
    print(f"\n120 orders: Priority Mail ${usual:.2f}, chosen ${chosen:.2f}, saved {saved:.1f}%")
    assert saved >= 15
