"""What TikTok pushes when something changes: webhook types and their `data` (reference §7.2-§7.4).

The world publishes one `EventData` per change; `Publisher` wraps it in TikTok's envelope
`{type, tts_notification_id, shop_id, timestamp, data}` and hands it, with the shop's subscribed address,
to whatever delivers webhooks (`webhook_pusher.WebhookPusher`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import Any, ClassVar

from pydantic import BaseModel

from emulators.tiktok.wire_models import Shop
from emulators.tiktok.world_clock import Clock
from emulators.tiktok.world_ids import IdFactory


class WebhookType(IntEnum):
    """The numeric `type` of each topic the emulator pushes; the name is the Event API's `event_type`."""

    ORDER_STATUS_CHANGE = 1
    RECIPIENT_ADDRESS_UPDATE = 3
    PACKAGE_UPDATE = 4
    PRODUCT_STATUS_CHANGE = 5
    SELLER_DEAUTHORIZATION = 6
    UPCOMING_AUTHORIZATION_EXPIRATION = 7
    CANCELLATION_STATUS_CHANGE = 11
    RETURN_STATUS_CHANGE = 12


# Every `event_type` Update Shop Webhook accepts (§5.1), including topics this emulator never pushes.
SUBSCRIBABLE_EVENT_TYPES = frozenset(
    {
        "ORDER_STATUS_CHANGE",
        "RECIPIENT_ADDRESS_UPDATE",
        "PACKAGE_UPDATE",
        "PRODUCT_STATUS_CHANGE",
        "PRODUCT_INFORMATION_CHANGE",
        "PRODUCT_CREATION",
        "PRODUCT_CATEGORY_CHANGE",
        "PRODUCT_AUDIT_STATUS_CHANGE",
        "SELLER_DEAUTHORIZATION",
        "UPCOMING_AUTHORIZATION_EXPIRATION",
        "CANCELLATION_STATUS_CHANGE",
        "RETURN_STATUS_CHANGE",
        "REVERSE_STATUS_UPDATE",
        "NEW_CONVERSATION",
        "NEW_MESSAGE",
        "NEW_MESSAGE_LISTENER",
        "INVOICE_STATUS_CHANGE",
    }
)


class EventData(BaseModel):
    """The `data` of one webhook; `topic` says which type it is."""

    topic: ClassVar[WebhookType]


class OrderStatusChange(EventData):
    topic = WebhookType.ORDER_STATUS_CHANGE
    order_id: str
    order_status: str
    is_on_hold_order: bool
    update_time: int


class RecipientAddressUpdate(EventData):
    topic = WebhookType.RECIPIENT_ADDRESS_UPDATE
    order_id: str
    update_time: int


class PackageOrders(BaseModel):
    package_id: str
    order_id_list: list[str]


class PackageUpdate(EventData):
    topic = WebhookType.PACKAGE_UPDATE
    sc_type: str
    role_type: str
    package_list: list[PackageOrders]
    update_time: int


class ProductStatusChange(EventData):
    topic = WebhookType.PRODUCT_STATUS_CHANGE
    product_id: str
    status: str
    suspended_reason: str
    update_time: int


class SellerDeauthorization(EventData):
    topic = WebhookType.SELLER_DEAUTHORIZATION
    message: str


class UpcomingAuthorizationExpiration(EventData):
    topic = WebhookType.UPCOMING_AUTHORIZATION_EXPIRATION
    message: str
    expiration_time: str  # a string in TikTok's example


class CancellationStatusChange(EventData):
    topic = WebhookType.CANCELLATION_STATUS_CHANGE
    order_id: str
    cancellations_role: str
    cancel_status: str
    cancel_id: str
    create_time: int


class ReturnStatusChange(EventData):
    topic = WebhookType.RETURN_STATUS_CHANGE
    order_id: str
    return_role: str
    return_type: str
    return_status: str
    return_id: str
    create_time: int
    update_time: int


class Notification(BaseModel):
    """The JSON body TikTok POSTs to a webhook address."""

    type: int
    tts_notification_id: str
    shop_id: str
    timestamp: int
    data: dict[str, Any]

    def body(self) -> bytes:
        """The exact bytes sent (and signed): compact JSON, as TikTok's own examples are."""
        return json.dumps(self.model_dump(mode="json"), separators=(",", ":")).encode()


DeliverFn = Callable[[Notification, str | None], None]


class Publisher:
    """Wraps each change in a notification and passes it on with the address the shop subscribed for it."""

    def __init__(self, clock: Clock, ids: IdFactory, deliver: DeliverFn) -> None:
        self._clock = clock
        self._ids = ids
        self._deliver = deliver
        self._muted = False

    def __getstate__(self) -> dict[str, Any]:
        """Saved without where it delivers to: that is the running server's, given again by `reconnect`."""
        return {**self.__dict__, "_deliver": None}

    def reconnect(self, deliver: DeliverFn) -> None:
        self._deliver = deliver

    @contextmanager
    def muted(self) -> Iterator[None]:
        """Publish nothing inside: backfilled history happened before anyone was listening."""
        self._muted = True
        try:
            yield
        finally:
            self._muted = False

    def publish(self, shop: Shop, data: EventData) -> Notification | None:
        if self._muted:
            return None
        subscription = shop.webhooks.get(data.topic.name)
        notification = Notification(
            type=int(data.topic),
            tts_notification_id=self._ids.numeric("7", 19),
            shop_id=shop.id,
            timestamp=self._clock.now(),
            data=data.model_dump(mode="json"),
        )
        self._deliver(notification, subscription.address if subscription else None)
        return notification
