"""The hard filters on a quoted rate: carrier and service allow/deny lists, the currency, a deadline.

Promised delivery is `ship_on` plus the rate's `delivery_days` in calendar days; a rate without a promise
cannot meet a deadline. The seller's rules (`rules.py`) are built from these filters.
"""

from __future__ import annotations

from datetime import date, timedelta

from pydantic import Field, field_validator

from creatorflow.domain import DomainModel, Rate

_NO_PROMISE = 10_000  # sorts rates without a delivery promise after every rate with one


class RatePolicy(DomainModel):
    """A seller's rules. Names compare case-insensitively; an empty allow-list allows everything."""

    allow_carriers: frozenset[str] = frozenset()
    deny_carriers: frozenset[str] = frozenset()
    allow_services: frozenset[str] = frozenset()
    deny_services: frozenset[str] = frozenset()
    currency: str | None = Field(default=None, description="the shop's; None: any")

    @field_validator("allow_carriers", "deny_carriers", "allow_services", "deny_services")
    @classmethod
    def _casefold(cls, names: frozenset[str]) -> frozenset[str]:
        return frozenset(name.casefold() for name in names)

    def rejection(self, rate: Rate, *, ship_on: date, deliver_by: date | None) -> str | None:
        """Why `rate` may not be bought, or None if it may."""
        carrier, service = rate.carrier.casefold(), rate.service.casefold()
        if carrier in self.deny_carriers:
            return f"carrier {rate.carrier} is denied"
        if self.allow_carriers and carrier not in self.allow_carriers:
            return f"carrier {rate.carrier} is not allowed"
        if service in self.deny_services:
            return f"service {rate.service} is denied"
        if self.allow_services and service not in self.allow_services:
            return f"service {rate.service} is not allowed"
        if self.currency is not None and rate.currency != self.currency:
            return f"priced in {rate.currency}, not {self.currency}"
        if deliver_by is not None:
            if rate.delivery_days is None:
                return "no delivery promise to hold against the deadline"
            arrives = ship_on + timedelta(days=rate.delivery_days)
            if arrives > deliver_by:
                return f"arrives {arrives}, after the {deliver_by} deadline"
        return None
