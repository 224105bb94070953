"""TikTok's addresses as ours (`creatorflow.domain.Address`): one conversion for a buyer's and a warehouse's,
so both spell states and countries the way carriers want them."""

from __future__ import annotations

import pycountry
from pydantic import ValidationError

from creatorflow.domain import Address
from creatorflow.tiktok.models import WarehouseAddress


class AddressUnusableError(ValueError):
    """TikTok's address lacks a field a label needs, or has one carriers would refuse."""


def address_from_tiktok(
    whose: str,
    *,
    name: str,
    line1: str,
    line2: str,
    full_address: str,
    city: str,
    state: str,
    postal_code: str,
    region_code: str,
    phone: str,
) -> Address:
    """`whose` names the address in the error ("recipient", "warehouse"). TikTok may send only
    `full_address`; it then stands as the street line."""
    try:
        return Address(
            name=name,
            street1=line1 or full_address,
            street2=line2 or None,
            city=city,
            state=subdivision_code(region_code, state),
            postal_code=postal_code,
            country=region_code,
            phone=phone or None,
        )
    except ValidationError as exc:
        fields = ", ".join(str(error["loc"][0]) for error in exc.errors())
        raise AddressUnusableError(f"TikTok's {whose} address is missing or has an invalid {fields}") from exc


def warehouse_address(name: str, address: WarehouseAddress) -> Address:
    """A warehouse's address as a label's origin or a return's destination, in the name of its contact
    person, else of the warehouse itself (a label needs a name)."""
    return address_from_tiktok(
        "warehouse",
        name=address.contact_person or name,
        line1=address.address_line1,
        line2=address.address_line2,
        full_address=address.full_address,
        city=address.city,
        state=address.state,
        postal_code=address.postal_code,
        region_code=address.region_code,
        phone=address.phone_number,
    )


def subdivision_code(country: str, state: str) -> str:
    """`CA` for ("US", "California"): carriers want ISO 3166-2 codes where TikTok sends names."""
    if len(state) <= 3:
        return state.upper()
    wanted = state.casefold()
    for subdivision in pycountry.subdivisions.get(country_code=country.upper()) or []:
        if subdivision.name.casefold() == wanted:
            return str(subdivision.code).split("-", 1)[1]
    return state
