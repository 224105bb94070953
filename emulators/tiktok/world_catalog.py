"""Sellers, their shops and warehouses, the carriers TikTok knows, and each shop's products and stock.

A seller may own several shops (cross-border sellers do); one access token covers them all (reference §3.3).
Every shop gets a default sales warehouse, which offers TikTok Shipping and "send by seller" delivery
options, and a return warehouse, both at its region's main site (`world_regions`); the seller may add
more warehouses. Prices are in the shop's region's currency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from emulators.tiktok.webhook_events import ProductStatusChange
from emulators.tiktok.wire_errors import ApiError, Conflict, EmulatorCode, UnknownObject, owned_by
from emulators.tiktok.wire_models import (
    DeliveryOption,
    Inventory,
    PackageDimensions,
    PackageWeight,
    Price,
    Product,
    ProductStatus,
    SalesAttribute,
    Seller,
    ShippingProvider,
    Shop,
    Sku,
    Warehouse,
    WarehouseAddress,
    WarehouseType,
    WebhookSubscription,
)
from emulators.tiktok.wire_schemas import (
    InventoryError,
    InventoryErrorDetail,
    ProductError,
    ProductErrorDetail,
    SkuInventoryUpdate,
    WarehouseError,
)
from emulators.tiktok.world_context import WorldContext, WorldPart
from emulators.tiktok.world_regions import region

# The carriers a seller may ship with from a warehouse, by its country: real names with fixed
# (emulator-chosen) ids, so logs stay comparable between runs.
CARRIERS = {
    "US": (
        ShippingProvider(id="6617675021119438849", name="USPS"),
        ShippingProvider(id="6617675021119438850", name="UPS"),
        ShippingProvider(id="6617675021119438851", name="FedEx"),
        ShippingProvider(id="6617675021119438852", name="DHL eCommerce"),
    ),
    "GB": (
        ShippingProvider(id="6617675021119438861", name="Royal Mail"),
        ShippingProvider(id="6617675021119438862", name="Evri"),
        ShippingProvider(id="6617675021119438863", name="DPD UK"),
    ),
}
INVENTORY_RANGE = range(1, 100_000)  # quantity must be in [1, 99999] (§5.5)


@dataclass(frozen=True)
class NewSku:
    seller_sku: str
    price: Decimal
    stock: int
    variant: str = "Default"


class Catalog(WorldPart):
    def __init__(self, context: WorldContext) -> None:
        super().__init__(context)
        self.sellers: dict[str, Seller] = {}
        self.shops: dict[str, Shop] = {}
        self.products: dict[str, Product] = {}

    # --- sellers and shops -------------------------------------------------------------------------------

    def create_seller(
        self, name: str, base_region: str, shop_count: int, seller_type: str = "LOCAL", user_type: int = 0
    ) -> Seller:
        home = region(base_region)
        seller = Seller(
            id=self._ids.numeric("7494"),
            name=name,
            base_region=base_region,
            user_type=user_type,
            open_id=self._ids.opaque("", 43),
        )
        main = home.warehouse_address(home.sites[0])
        for number in range(1, shop_count + 1):
            shop = Shop(
                id=self._ids.numeric("7495"),
                name=f"{name} {base_region} {number}",
                region=base_region,
                seller_type="CROSS_BORDER" if seller_type == "CROSS_BORDER" else "LOCAL",
                cipher=self._ids.opaque("ROW_", 40),
                code=f"{base_region}LC{self._ids.opaque('', 6).upper()}",
                seller_id=seller.id,
                warehouses=[
                    self._new_warehouse("Main warehouse", "SALES_WAREHOUSE", True, main),
                    self._new_warehouse("Returns", "RETURN_WAREHOUSE", True, main),
                ],
            )
            self.shops[shop.id] = shop
            seller.shop_ids.append(shop.id)
        self.sellers[seller.id] = seller
        return seller

    def add_warehouse(
        self,
        shop: Shop,
        name: str,
        type: WarehouseType = "SALES_WAREHOUSE",
        address: WarehouseAddress | None = None,
    ) -> Warehouse:
        """The seller sets up another warehouse in Seller Center (not the default); without an address it
        stands at the region's second site."""
        home = region(shop.region)
        warehouse = self._new_warehouse(name, type, False, address or home.warehouse_address(home.sites[1]))
        shop.warehouses.append(warehouse)
        return warehouse

    def _new_warehouse(
        self, name: str, type: WarehouseType, is_default: bool, address: WarehouseAddress
    ) -> Warehouse:
        """A sales warehouse offers TikTok Shipping and "send by seller" delivery options; a return
        warehouse none."""
        warehouse_id = self._ids.numeric("7281")
        options = (
            [
                DeliveryOption(
                    id=self._ids.numeric("7286"),
                    name="Standard shipping",
                    type="STANDARD",
                    description="TikTok Shipping: TikTok buys the label and assigns the tracking number.",
                ),
                DeliveryOption(
                    id=self._ids.numeric("7286"),
                    name="Shipped by seller",
                    type="SEND_BY_SELLER",
                    description="Seller Shipping: upload the tracking number of your own carrier label.",
                    shipping_providers=list(CARRIERS[address.region_code]),
                ),
            ]
            if type == "SALES_WAREHOUSE"
            else []
        )
        return Warehouse(
            id=warehouse_id,
            name=name,
            type=type,
            is_default=is_default,
            address=address,
            delivery_options=options,
        )

    def seller(self, seller_id: str) -> Seller:
        if seller_id not in self.sellers:
            raise UnknownObject(f"no seller {seller_id}")
        return self.sellers[seller_id]

    def shop(self, shop_id: str) -> Shop:
        if shop_id not in self.shops:
            raise UnknownObject(f"no shop {shop_id}")
        return self.shops[shop_id]

    def shop_by_cipher(self, cipher: str) -> Shop | None:
        return next((shop for shop in self.shops.values() if shop.cipher == cipher), None)

    def shops_of(self, seller_id: str) -> list[Shop]:
        return [self.shops[shop_id] for shop_id in self.seller(seller_id).shop_ids]

    def warehouse(self, shop: Shop, warehouse_id: str) -> Warehouse:
        for warehouse in shop.warehouses:
            if warehouse.id == warehouse_id:
                return warehouse
        raise ApiError(
            EmulatorCode.WAREHOUSE_NOT_FOUND, f"Warehouse {warehouse_id} does not belong to this shop."
        )

    def delivery_option(self, shop: Shop, option_id: str) -> DeliveryOption:
        for warehouse in shop.warehouses:
            for option in warehouse.delivery_options:
                if option.id == option_id:
                    return option
        raise ApiError(
            EmulatorCode.DELIVERY_OPTION_NOT_FOUND,
            f"Delivery option {option_id} does not belong to this shop.",
        )

    def sales_warehouse(self, shop: Shop, warehouse_id: str | None) -> Warehouse:
        """Where an order ships from, or a product is stocked: `warehouse_id`, else the shop's default."""
        if warehouse_id is None:
            return shop.sales_warehouse
        warehouse = self.warehouse(shop, warehouse_id)
        if warehouse.type != "SALES_WAREHOUSE" or warehouse.effect_status != "ENABLED":
            raise Conflict(f"warehouse {warehouse_id} is not an enabled sales warehouse")
        return warehouse

    @staticmethod
    def delivery_option_for(warehouse: Warehouse, sent_by_seller: bool) -> DeliveryOption:
        return next(o for o in warehouse.delivery_options if o.sent_by_seller == sent_by_seller)

    def subscribe(self, shop: Shop, event_type: str, address: str) -> None:
        now = self._clock.now()
        existing = shop.webhooks.get(event_type)
        shop.webhooks[event_type] = WebhookSubscription(
            event_type=event_type,
            address=address,
            create_time=existing.create_time if existing else now,
            update_time=now,
        )

    # --- products and stock ------------------------------------------------------------------------------

    def create_product(
        self,
        shop: Shop,
        title: str,
        skus: Sequence[NewSku],
        status: ProductStatus = ProductStatus.ACTIVATE,
        package: tuple[PackageWeight, PackageDimensions] | None = None,
        warehouse_id: str | None = None,
    ) -> Product:
        """`package`: the packed unit the seller entered on TikTok; None lists a product without one.
        `warehouse_id`: the sales warehouse that stocks it (default: the shop's default one)."""
        now = self._clock.now()
        stocked_at = self.sales_warehouse(shop, warehouse_id).id
        currency = region(shop.region).currency
        product = Product(
            id=self._ids.numeric("1729"),
            title=title,
            status=status,
            skus=[
                Sku(
                    id=self._ids.numeric("1729"),
                    seller_sku=sku.seller_sku,
                    price=Price(
                        currency=currency,
                        tax_exclusive_price=f"{sku.price:.2f}",
                        sale_price=f"{sku.price:.2f}",
                    ),
                    inventory=[Inventory(warehouse_id=stocked_at, quantity=sku.stock)],
                    sales_attributes=[SalesAttribute(name="Variant", value_name=sku.variant)],
                )
                for sku in skus
            ],
            create_time=now,
            update_time=now,
            package_weight=package[0] if package else None,
            package_dimensions=package[1] if package else None,
            shop_id=shop.id,
        )
        self.products[product.id] = product
        return product

    def product(self, shop: Shop, product_id: str) -> Product:
        message = f"Product {product_id} does not exist in this shop."
        return owned_by(shop.id, self.products.get(product_id), EmulatorCode.PRODUCT_NOT_FOUND, message)

    def sku(self, shop: Shop, sku_id: str) -> tuple[Product, Sku]:
        for product in self.products.values():
            if product.shop_id != shop.id:
                continue
            for sku in product.skus:
                if sku.id == sku_id:
                    return product, sku
        raise UnknownObject(f"no SKU {sku_id} in shop {shop.id}")

    def edit_product(self, product: Product, title: str) -> None:
        product.title = title
        product.update_time = self._clock.now()

    def set_product_status(
        self, shop: Shop, product: Product, status: ProductStatus, reason: str = ""
    ) -> None:
        product.status = status
        product.update_time = self._clock.now()
        self._publisher.publish(
            shop,
            ProductStatusChange(
                product_id=product.id,
                status="PRODUCT_STATUS_CHANGED",
                suspended_reason=reason,
                update_time=product.update_time,
            ),
        )

    def set_on_sale(self, shop: Shop, product_ids: list[str], on_sale: bool) -> list[ProductError]:
        """Activate Product / Deactivate Products (§5.5 "Others"; body and errors as noted in the client):
        SELLER_DEACTIVATED <-> ACTIVATE, each change with a type-5 webhook. A product already where it is
        asked to be is left as it is (the emulator's choice: TikTok does not document it); one TikTok holds
        (frozen, platform-deactivated, draft...) or that is not the shop's goes to data.errors[]."""
        wanted, other = (
            (ProductStatus.ACTIVATE, ProductStatus.SELLER_DEACTIVATED)
            if on_sale
            else (ProductStatus.SELLER_DEACTIVATED, ProductStatus.ACTIVATE)
        )
        errors: list[ProductError] = []
        for product_id in product_ids:
            product = self.products.get(product_id)
            if product is None or product.shop_id != shop.id:
                code, message = EmulatorCode.PRODUCT_NOT_FOUND, f"Product {product_id} does not exist."
            elif product.status == other:
                self.set_product_status(shop, product, wanted)
                continue
            elif product.status == wanted:
                continue
            else:
                code, message = (
                    EmulatorCode.PRODUCT_STATUS_LOCKED,
                    f"Product {product_id} is {product.status}.",
                )
            errors.append(
                ProductError(code=code, message=message, detail=ProductErrorDetail(product_id=product_id))
            )
        return errors

    def check_on_sale(self, product: Product) -> None:
        """Buyers see and order only ACTIVATE products."""
        if product.status != ProductStatus.ACTIVATE:
            raise Conflict(f"product {product.id} is {product.status}: buyers cannot order it")

    def stock_in(self, shop: Shop, sku_id: str, warehouse_id: str, quantity: int) -> Product:
        """The seller assigns a SKU to one more sales warehouse in Seller Center, with its stock there."""
        product, sku = self.sku(shop, sku_id)
        warehouse = self.sales_warehouse(shop, warehouse_id)
        if any(level.warehouse_id == warehouse.id for level in sku.inventory):
            raise Conflict(f"SKU {sku_id} is already stocked in warehouse {warehouse.id}")
        sku.inventory.append(Inventory(warehouse_id=warehouse.id, quantity=quantity))
        product.update_time = self._clock.now()
        return product

    def move_stock(self, sku: Sku, warehouse_id: str, delta: int) -> None:
        """Take stock when a buyer orders (delta < 0) and put it back when the order is cancelled."""
        level = next((i for i in sku.inventory if i.warehouse_id == warehouse_id), None)
        if level is None:
            raise Conflict(f"SKU {sku.id} is not stocked in warehouse {warehouse_id}")
        if level.quantity + delta < 0:
            raise Conflict(f"SKU {sku.id} has only {level.quantity} in stock")
        level.quantity += delta

    def update_inventory(
        self, shop: Shop, product_id: str, updates: list[SkuInventoryUpdate]
    ) -> list[InventoryError]:
        """Update Inventory (§5.5): each SKU is applied whole or not at all; failures go to data.errors[]."""
        product = self.product(shop, product_id)
        if product.status != ProductStatus.ACTIVATE:
            raise ApiError(
                EmulatorCode.PRODUCT_NOT_ACTIVE,
                f"Product {product_id} is {product.status}; only ACTIVATE products "
                "can have their inventory updated.",
            )
        skus = {sku.id: sku for sku in product.skus}
        errors: list[InventoryError] = []
        for update in updates:
            sku = skus.get(update.id)
            if sku is None:
                errors.append(
                    InventoryError(
                        code=EmulatorCode.SKU_NOT_IN_PRODUCT,
                        message=f"SKU {update.id} does not belong to product {product_id}.",
                        detail=InventoryErrorDetail(sku_id=update.id),
                    )
                )
                continue
            warehouse_errors = _check_quantities(sku, update)
            if warehouse_errors:
                errors.append(
                    InventoryError(
                        code=EmulatorCode.INVALID_INVENTORY,
                        message=f"The inventory of SKU {sku.id} was not updated.",
                        detail=InventoryErrorDetail(sku_id=sku.id, extra_errors=warehouse_errors),
                    )
                )
                continue
            for change in update.inventory:
                warehouse_id = change.warehouse_id or sku.inventory[0].warehouse_id
                next(i for i in sku.inventory if i.warehouse_id == warehouse_id).quantity = change.quantity
        product.update_time = self._clock.now()
        return errors


def _check_quantities(sku: Sku, update: SkuInventoryUpdate) -> list[WarehouseError]:
    """Each listed warehouse, and every assigned warehouse listed (§5.5: "list all warehouses assigned to
    the SKU"; a single-warehouse SKU may leave the id out)."""
    assigned = {level.warehouse_id for level in sku.inventory}
    named = {change.warehouse_id for change in update.inventory}
    if None in named and len(assigned) == 1:
        named |= assigned
    errors = [
        WarehouseError(
            warehouse_id=missing,
            code=EmulatorCode.INVALID_INVENTORY,
            message=f"Warehouse {missing} is assigned to this SKU but missing: list all of its warehouses.",
        )
        for missing in sorted(assigned - named)
    ]
    for change in update.inventory:
        if change.warehouse_id is None and len(assigned) > 1:
            problem = "warehouse_id is required: the SKU is stocked in several warehouses."
        elif change.warehouse_id is not None and change.warehouse_id not in assigned:
            problem = f"Warehouse {change.warehouse_id} is not assigned to this SKU."
        elif change.quantity not in INVENTORY_RANGE:
            problem = f"quantity must be between 1 and 99999, got {change.quantity}."
        else:
            continue
        errors.append(
            WarehouseError(
                warehouse_id=change.warehouse_id, code=EmulatorCode.INVALID_INVENTORY, message=problem
            )
        )
    return errors
