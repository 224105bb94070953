"""Driving a running TikTok Shop emulator through its `/_admin` API: play the seller who authorizes the
app, the buyers who order, and the carriers who scan and deliver. Used by `creatorflow dev`, the traffic
driver and the end-to-end tests; the emulated Open API itself is only ever spoken to by our real client.
"""

from __future__ import annotations

from typing import Any, Literal
from urllib.parse import parse_qs, urlparse

import httpx
from pydantic import BaseModel

OrderAction = Literal["pay", "release_hold", "fbt_ship", "carrier_scan", "deliver", "complete"]


class SandboxShop(BaseModel):
    id: str
    name: str
    region: str
    cipher: str
    sales_warehouse_id: str


class SandboxSeller(BaseModel):
    id: str
    name: str
    open_id: str
    shops: list[SandboxShop]


class SandboxWarehouse(BaseModel):
    id: str
    name: str
    type: str
    is_default: bool


class SandboxSku(BaseModel):
    id: str
    seller_sku: str


class SandboxProduct(BaseModel):
    id: str
    skus: list[SandboxSku]


class TikTokSandboxControl:
    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=f"{self.base_url}/_admin", timeout=timeout)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(self, method: str, admin_path: str, body: Any = None, **params: Any) -> Any:
        response = await self._http.request(
            method, admin_path, json=body, params={k: v for k, v in params.items() if v is not None}
        )
        if response.is_error:
            raise RuntimeError(
                f"emulator {method} {admin_path}: HTTP {response.status_code}: {response.text[:300]}"
            )
        return response.json() if response.content else None

    # --- sellers and OAuth ---------------------------------------------------------------------

    async def create_seller(
        self, name: str = "Sandbox Seller", shops: int = 1, base_region: str = "US"
    ) -> SandboxSeller:
        """`base_region` US or GB: it sets the shops' warehouse sites, buyers and currency (USD, GBP)."""
        body = {"name": name, "shops": shops, "base_region": base_region}
        return SandboxSeller.model_validate(await self._send("POST", "/sellers", body))

    async def add_warehouse(
        self,
        shop_id: str,
        name: str = "Second warehouse",
        type: Literal["SALES_WAREHOUSE", "RETURN_WAREHOUSE"] = "SALES_WAREHOUSE",
        address: dict[str, Any] | None = None,
    ) -> SandboxWarehouse:
        """The seller adds a warehouse (not the default); `address` in TikTok's warehouse shape, or None for
        a second site in the shop's region. Orders and products choose it by `warehouse_id`."""
        body = {"name": name, "type": type, "address": address}
        return SandboxWarehouse.model_validate(await self._send("POST", f"/shops/{shop_id}/warehouses", body))

    async def sign_up_for_tiktok_shipping(self, shop_id: str, enabled: bool = True) -> None:
        """The seller signs the shop up for TikTok Shipping: TikTok then quotes and sells it labels."""
        await self._send("PUT", f"/shops/{shop_id}/tiktok_shipping", {"enabled": enabled})

    async def sellers(self) -> list[SandboxSeller]:
        return [SandboxSeller.model_validate(seller) for seller in await self._send("GET", "/sellers")]

    async def approve(self, authorize_url: str, seller_id: str, *, deny: bool = False) -> dict[str, str]:
        """Click Authorize (or Deny) on TikTok's page as `seller_id`; returns the redirect's query."""
        decision = "deny" if deny else "approve"
        async with httpx.AsyncClient(timeout=10) as http:
            url = httpx.URL(authorize_url).copy_merge_params({"seller_id": seller_id, "decision": decision})
            response = await http.get(url)
        if response.status_code != 302:
            raise RuntimeError(f"authorize page answered {response.status_code}: {response.text[:300]}")
        query = parse_qs(urlparse(response.headers["location"]).query)
        return {key: values[0] for key, values in query.items()}

    async def deauthorize(self, seller_id: str) -> None:
        await self._send("POST", f"/sellers/{seller_id}/deauthorize")

    async def warn_authorization_expiry(self, seller_id: str) -> int:
        """TikTok's UPCOMING_AUTHORIZATION_EXPIRATION push to each shop; returns the expiry (Unix s)."""
        warning = await self._send("POST", f"/sellers/{seller_id}/authorization_expiring")
        return int(warning["expiration_time"])

    async def expire_token(self, access_token: str) -> None:
        await self._send("POST", f"/tokens/{access_token}/expire")

    # --- catalogue and orders ------------------------------------------------------------------

    async def create_product(
        self,
        shop_id: str,
        title: str,
        skus: list[dict[str, Any]],
        package: dict[str, Any] | None = None,
        warehouse_id: str | None = None,
    ) -> SandboxProduct:
        """`package`: `{"package_weight": {...}, "package_dimensions": {...}}` in TikTok's shape, or None for
        a product listed without package data. `warehouse_id`: the sales warehouse stocking it (default:
        the shop's default one)."""
        body = {"shop_id": shop_id, "title": title, "skus": skus, "warehouse_id": warehouse_id} | (
            package or {}
        )
        return SandboxProduct.model_validate(await self._send("POST", "/products", body))

    async def stock_sku_in(self, shop_id: str, sku_id: str, warehouse_id: str, quantity: int) -> None:
        """The seller assigns the SKU to one more sales warehouse (`add_warehouse`), with its stock there;
        Update Inventory must then list both (reference §5.5)."""
        body = {"shop_id": shop_id, "warehouse_id": warehouse_id, "quantity": quantity}
        await self._send("POST", f"/skus/{sku_id}/warehouses", body)

    async def edit_product(self, product_id: str, title: str) -> dict[str, Any]:
        """The seller renames a listing; pushes nothing (see the admin endpoint)."""
        return dict(await self._send("PATCH", f"/products/{product_id}", {"title": title}))

    async def set_product_status(self, product_id: str, status: str, reason: str = "") -> dict[str, Any]:
        """TikTok (or the seller) changes a product's status; pushes a type-5 webhook."""
        body = {"status": status, "reason": reason}
        return dict(await self._send("POST", f"/products/{product_id}/status", body))

    async def create_orders(
        self, shop_id: str, sku_id: str, count: int = 1, **options: Any
    ) -> list[dict[str, Any]]:
        """Orders as buyers place them (`options`: paid, on_hold, shipping_type, undeliverable_address,
        warehouse_id to ship from a warehouse other than the default, fulfilled_by_tiktok for an FBT order,
        or status/create_time/update_time for history); returns the orders as TikTok would show them."""
        created: list[dict[str, Any]] = []
        while count > 0:
            batch = min(count, 1000)
            body = {
                "shop_id": shop_id,
                "items": [{"sku_id": sku_id, "quantity": 1}],
                "count": batch,
                **options,
            }
            created += [entry["order"] for entry in await self._send("POST", "/orders", body)]
            count -= batch
        return created

    async def order(self, order_id: str) -> dict[str, Any]:
        return dict(await self._send("GET", f"/orders/{order_id}"))

    async def update_address(
        self, order_id: str, *, name: str, street: str, city: str, state: str, postal_code: str
    ) -> dict[str, Any]:
        """The buyer edits the order's shipping address; TikTok sends RECIPIENT_ADDRESS_UPDATE."""
        body = {"name": name, "street": street, "city": city, "state": state, "postal_code": postal_code}
        return dict(await self._send("PUT", f"/orders/{order_id}/address", body))

    async def act(self, order_id: str, action: OrderAction) -> dict[str, Any]:
        return dict(await self._send("POST", f"/orders/{order_id}/{action}"))

    async def open_return(self, order_id: str, return_type: str = "REFUND", **options: Any) -> dict[str, Any]:
        body = {"return_type": return_type, **options}
        return dict(await self._send("POST", f"/orders/{order_id}/returns", body))

    async def short_settle(self, order_id: str, amount: str) -> None:
        """TikTok's settlement of the order will pay its revenue short by `amount`."""
        await self._send("PUT", f"/orders/{order_id}/shortfall", {"amount": amount})

    async def buyer_ships_return(self, return_id: str) -> dict[str, Any]:
        """The buyer sends the item back and tells TikTok (AWAITING_BUYER_SHIP -> BUYER_SHIPPED_ITEM)."""
        return dict(await self._send("POST", f"/returns/{return_id}/buyer_ship"))

    async def cancel_by_buyer(
        self, order_id: str, reason: str = "Buyer changed their mind"
    ) -> dict[str, Any]:
        return dict(await self._send("POST", f"/orders/{order_id}/cancellations", {"reason": reason}))

    async def shop_orders(self, shop_id: str) -> list[dict[str, Any]]:
        return list((await self._send("GET", f"/shops/{shop_id}/orders"))["orders"])

    async def status_counts(self, shop_id: str) -> dict[str, int]:
        return dict((await self._send("GET", f"/shops/{shop_id}/orders"))["status_counts"])

    # --- world knobs ---------------------------------------------------------------------------

    async def clock(self) -> int:
        """The emulated world's now (Unix s)."""
        return int((await self._send("GET", "/clock"))["now"])

    async def advance_clock(self, seconds: float) -> int:
        return int((await self._send("POST", "/clock/advance", {"seconds": seconds}))["now"])

    async def configure_webhooks(self, **changes: Any) -> dict[str, Any]:
        return dict(await self._send("PATCH", "/webhooks", changes))

    async def gateway(self) -> dict[str, Any]:
        """The gateway's settings: `qps` per (app, shop, API), and how long a timeout fault hangs."""
        return dict(await self._send("GET", "/gateway"))

    async def configure_gateway(self, **changes: Any) -> dict[str, Any]:
        return dict(await self._send("PATCH", "/gateway", changes))

    async def set_faults(self, rules: list[dict[str, Any]]) -> None:
        await self._send("PUT", "/faults", rules)

    async def ledger(self, path: str = "*") -> list[dict[str, Any]]:
        return list(await self._send("GET", "/ledger", path=path))

    async def deliveries(self, **filters: Any) -> list[dict[str, Any]]:
        return list(await self._send("GET", "/webhooks/deliveries", **filters))
