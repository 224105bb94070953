"""Who buys in the emulated shop: a few real-looking US recipients, and one no carrier can deliver to."""

from __future__ import annotations

from dataclasses import dataclass

from emulators.tiktok.wire_models import DistrictInfo, RecipientAddress


@dataclass(frozen=True)
class Place:
    street: str
    city: str
    state: str
    postal_code: str


BUYER_ADDRESSES = (
    ("Avery Johnson", Place("1600 Amphitheatre Pkwy", "Mountain View", "California", "94043")),
    ("Jordan Lee", Place("350 5th Ave", "New York", "New York", "10118")),
    ("Sam Rivera", Place("233 S Wacker Dr", "Chicago", "Illinois", "60606")),
)
# The ZIP code does not exist and the state is made up: label purchases for this address must fail.
UNDELIVERABLE_ADDRESS = ("Pat Nobody", Place("1 Nowhere Rd", "Nowhere", "Atlantis", "00000"))


def recipient(name: str, place: Place, region: str) -> RecipientAddress:
    first, _, last = name.partition(" ")
    return RecipientAddress(
        name=name,
        first_name=first,
        last_name=last,
        phone_number="(+1)4155550123",
        full_address=f"{place.street}, {place.city}, {place.state}, {place.postal_code}",
        address_line1=place.street,
        postal_code=place.postal_code,
        region_code=region,
        district_info=[
            DistrictInfo(address_level_name="Country", address_name="United States", address_level="L0"),
            DistrictInfo(address_level_name="State", address_name=place.state, address_level="L1"),
            DistrictInfo(address_level_name="City", address_name=place.city, address_level="L3"),
        ],
    )
