"""The regions the emulated TikTok Shop has sellers in (US and GB, side by side): each region's currency,
the real-looking sites its warehouses stand at, and its buyers; plus one address no carrier can deliver to.

A seller's `base_region` picks the row; a region not here is refused rather than given another's
addresses or currency.
"""

from __future__ import annotations

from dataclasses import dataclass

from emulators.tiktok.wire_errors import Conflict
from emulators.tiktok.wire_models import DistrictInfo, RecipientAddress, WarehouseAddress


@dataclass(frozen=True)
class Place:
    street: str
    city: str
    state: str
    postal_code: str


@dataclass(frozen=True)
class Region:
    code: str
    country: str  # as district_info names it
    currency: str
    warehouse_phone: str  # TikTok's "(+1)..." shape; numbers from the ranges kept for drama
    buyer_phone: str
    # The main warehouse's site, then the one a shop's next warehouse takes (`Catalog.add_warehouse`).
    sites: tuple[Place, Place]
    buyers: tuple[tuple[str, Place], ...]

    def warehouse_address(self, site: Place) -> WarehouseAddress:
        return WarehouseAddress(
            region=self.code,
            region_code=self.code,
            state=site.state,
            city=site.city,
            postal_code=site.postal_code,
            address_line1=site.street,
            contact_person="Warehouse Desk",
            phone_number=self.warehouse_phone,
            full_address=f"{site.street}, {site.city}, {site.state} {site.postal_code}",
        )


REGIONS = {
    region.code: region
    for region in (
        Region(
            code="US",
            country="United States",
            currency="USD",
            warehouse_phone="(+1)2135550100",
            buyer_phone="(+1)4155550123",
            sites=(
                Place("1200 S Alameda St", "Los Angeles", "California", "90021"),
                Place("2500 Irving Blvd", "Dallas", "Texas", "75247"),
            ),
            buyers=(
                ("Avery Johnson", Place("1600 Amphitheatre Pkwy", "Mountain View", "California", "94043")),
                ("Jordan Lee", Place("350 5th Ave", "New York", "New York", "10118")),
                ("Sam Rivera", Place("233 S Wacker Dr", "Chicago", "Illinois", "60606")),
            ),
        ),
        Region(
            code="GB",
            country="United Kingdom",
            currency="GBP",
            warehouse_phone="(+44)2079460100",
            buyer_phone="(+44)7700900123",
            sites=(
                Place("Unit 4, Abbey Road Industrial Park", "London", "Greater London", "NW10 7XF"),
                Place("Trafford Park Road", "Manchester", "Greater Manchester", "M17 1HG"),
            ),
            buyers=(
                ("Olivia Bennett", Place("30 St Mary Axe", "London", "Greater London", "EC3A 8BF")),
                ("Harry Clarke", Place("1 Deansgate", "Manchester", "Greater Manchester", "M3 1AZ")),
                ("Amelia Hughes", Place("10 Victoria Square", "Birmingham", "West Midlands", "B1 1BD")),
            ),
        ),
    )
}
# The ZIP code does not exist and the state is made up: label purchases for this address must fail.
UNDELIVERABLE_ADDRESS = ("Pat Nobody", Place("1 Nowhere Rd", "Nowhere", "Atlantis", "00000"))


def region(code: str) -> Region:
    if code not in REGIONS:
        raise Conflict(f"the emulator has no sellers in {code!r}: it serves {', '.join(REGIONS)}")
    return REGIONS[code]


def recipient(name: str, place: Place, region_code: str) -> RecipientAddress:
    first, _, last = name.partition(" ")
    home = region(region_code)
    return RecipientAddress(
        name=name,
        first_name=first,
        last_name=last,
        phone_number=home.buyer_phone,
        full_address=f"{place.street}, {place.city}, {place.state}, {place.postal_code}",
        address_line1=place.street,
        postal_code=place.postal_code,
        region_code=region_code,
        district_info=[
            DistrictInfo(address_level_name="Country", address_name=home.country, address_level="L0"),
            DistrictInfo(address_level_name="State", address_name=place.state, address_level="L1"),
            DistrictInfo(address_level_name="City", address_name=place.city, address_level="L3"),
        ],
    )
