"""Which TikTok API versions the client calls (docs/reference/tiktok-shop-api.md §3.4, §5.2, §5.5).

TikTok versions each API on its own (`YYYYMM` in the path) and keeps an old version at least two months
after a new one. We set one version per API family: an API of the family is called at its newest version
not after the family's, so `orders = "202507"` calls Get Order Detail at 202507 and Get Order List, which
has no newer version, at 202309. Only versions whose shapes we have checked are accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

# Per family, the versions of its APIs that the reference documents and the client parses, oldest first.
KNOWN_VERSIONS: dict[str, tuple[str, ...]] = {
    "orders": ("202309", "202507"),  # Get Order Detail 202507 (§5.2)
    "products": ("202309", "202502"),  # Search Products 202502 (§5.5)
}


class ApiVersions(BaseModel):
    """One version per API family, `CREATORFLOW_TIKTOK__API_VERSIONS__ORDERS` and `__PRODUCTS`; each
    defaults to the newest one the reference documents."""

    model_config = ConfigDict(frozen=True)

    orders: str = KNOWN_VERSIONS["orders"][-1]
    products: str = KNOWN_VERSIONS["products"][-1]

    @field_validator("orders", "products")
    @classmethod
    def _known(cls, version: str, info: ValidationInfo) -> str:
        family = str(info.field_name)
        known = KNOWN_VERSIONS[family]
        if version not in known:
            raise ValueError(
                f"TikTok {family} API version {version!r} is not one we parse: use one of {known}"
            )
        return version


@dataclass(frozen=True)
class VersionedPath:
    """An API path with a `{version}` slot, and the versions of that API we know, oldest first."""

    family: str
    template: str
    versions: tuple[str, ...]

    def at(self, versions: ApiVersions) -> str:
        """The path at the newest version of this API not after its family's setting."""
        family_version = getattr(versions, self.family)
        version = max(v for v in self.versions if v <= family_version)
        return self.template.replace("{version}", version)
