"""Cancellations, returns and refunds (reference §5.6), each change pushed as a type-11 or type-12 webhook.

Cancellations:
- A buyer who cancels before the order leaves ON_HOLD gets it at once (CANCELLATION_REQUEST_COMPLETE);
  later, the request waits (PENDING) for the seller to approve (order CANCELLED) or reject (request CANCEL).
- A seller's own cancellation completes at once.

Returns (decision -> from status -> to status):
- REFUND:            APPROVE_REFUND / REJECT_REFUND: PENDING -> COMPLETE / REJECT.
- RETURN_AND_REFUND: APPROVE_RETURN / REJECT_RETURN: PENDING -> AWAITING_BUYER_SHIP / REJECT; the buyer ships
  (admin) -> BUYER_SHIPPED_ITEM; APPROVE_RECEIVED_PACKAGE / REJECT_RECEIVED_PACKAGE -> COMPLETE /
  REJECT_RECEIVE_PACKAGE.
A completed full refund of an order that has shipped but not completed completes the order (§5.2).
Every rejection is kept with the seller's reason and comment in `rejections`.

A decision on a request that is no longer in the status it needs is 25001003; a decision the request's type
has no use for (or one the emulator does not model: replacements, partial refunds) is an emulator code.
The `seller_next_action_response` action names are the emulator's.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from emulators.tiktok.webhook_events import CancellationStatusChange, ReturnStatusChange
from emulators.tiktok.wire_errors import ApiError, Code, Conflict, EmulatorCode, owned_by
from emulators.tiktok.wire_models import (
    SELLER_CANCELLABLE,
    AftersaleLineItem,
    Cancellation,
    CancelStatus,
    NextAction,
    Order,
    OrderStatus,
    RefundAmount,
    ReturnRequest,
    ReturnStatus,
    ReturnType,
    Role,
    SellerRejection,
    Shop,
    money,
)
from emulators.tiktok.world_catalog import Catalog
from emulators.tiktok.world_context import WorldContext, WorldPart
from emulators.tiktok.world_orders import REFUND_COMPLETES, OrderBook

SELLER_RESPONSE_SECONDS = 2 * 24 * 3600
FREE_CANCEL = frozenset({OrderStatus.UNPAID, OrderStatus.ON_HOLD})
BUYER_MAY_CANCEL = frozenset({OrderStatus.UNPAID, OrderStatus.ON_HOLD, OrderStatus.AWAITING_SHIPMENT})
RETURNABLE = {
    ReturnType.REFUND: REFUND_COMPLETES | {OrderStatus.COMPLETED},
    ReturnType.RETURN_AND_REFUND: frozenset({OrderStatus.DELIVERED, OrderStatus.COMPLETED}),
}
OPEN_RETURN = frozenset(
    {ReturnStatus.PENDING, ReturnStatus.AWAITING_BUYER_SHIP, ReturnStatus.BUYER_SHIPPED_ITEM}
)


@dataclass(frozen=True)
class Step:
    return_type: ReturnType
    from_status: ReturnStatus
    to_status: ReturnStatus


DECISIONS = {
    "APPROVE_REFUND": Step(ReturnType.REFUND, ReturnStatus.PENDING, ReturnStatus.COMPLETE),
    "REJECT_REFUND": Step(ReturnType.REFUND, ReturnStatus.PENDING, ReturnStatus.REJECTED),
    "APPROVE_RETURN": Step(
        ReturnType.RETURN_AND_REFUND, ReturnStatus.PENDING, ReturnStatus.AWAITING_BUYER_SHIP
    ),
    "REJECT_RETURN": Step(ReturnType.RETURN_AND_REFUND, ReturnStatus.PENDING, ReturnStatus.REJECTED),
    "APPROVE_RECEIVED_PACKAGE": Step(
        ReturnType.RETURN_AND_REFUND, ReturnStatus.BUYER_SHIPPED_ITEM, ReturnStatus.COMPLETE
    ),
    "REJECT_RECEIVED_PACKAGE": Step(
        ReturnType.RETURN_AND_REFUND, ReturnStatus.BUYER_SHIPPED_ITEM, ReturnStatus.REJECT_RECEIVE_PACKAGE
    ),
}
NEXT_ACTIONS = {
    ReturnStatus.PENDING: "SELLER_RESPOND_REQUEST",
    ReturnStatus.BUYER_SHIPPED_ITEM: "SELLER_CONFIRM_RECEIVE_PACKAGE",
}


class AfterSales(WorldPart):
    def __init__(self, context: WorldContext, catalog: Catalog, orders: OrderBook) -> None:
        super().__init__(context)
        self._catalog = catalog
        self._orders = orders
        self.cancellations: dict[str, Cancellation] = {}
        self.returns: dict[str, ReturnRequest] = {}
        self.rejections: list[SellerRejection] = []

    def cancellation(self, shop: Shop, cancel_id: str) -> Cancellation:
        message = f"Cancellation {cancel_id} does not exist in this shop."
        return owned_by(shop.id, self.cancellations.get(cancel_id), EmulatorCode.AFTERSALE_NOT_FOUND, message)

    def return_request(self, shop: Shop, return_id: str) -> ReturnRequest:
        message = f"Return {return_id} does not exist in this shop."
        return owned_by(shop.id, self.returns.get(return_id), EmulatorCode.AFTERSALE_NOT_FOUND, message)

    # --- cancellations -------------------------------------------------------------------------------------

    def buyer_cancels(self, order: Order, reason: str) -> Cancellation:
        if order.status not in BUYER_MAY_CANCEL:
            raise Conflict(f"a buyer cannot ask to cancel order {order.id}: it is {order.status}")
        if any(
            c.order_id == order.id and c.cancel_status == CancelStatus.PENDING
            for c in self.cancellations.values()
        ):
            raise Conflict(f"order {order.id} already has a pending cancellation request")
        cancellation = self._new_cancellation(order, Role.BUYER, "BUYER_CANCEL", reason)
        if order.status in FREE_CANCEL:
            self._orders.cancel(order, Role.BUYER, reason)
            self._set_cancel_status(cancellation, CancelStatus.COMPLETE)
        else:
            order.is_buyer_request_cancel = True
            order.update_time = self._clock.now()
            self._set_cancel_status(cancellation, CancelStatus.PENDING)
        return cancellation

    def seller_cancels(self, shop: Shop, order_id: str, reason: str) -> Cancellation:
        order = self._orders.order(shop, order_id)
        if order.status not in SELLER_CANCELLABLE:
            raise ApiError(
                Code.INVALID_ORDER_STATUS, f"Invalid order status: order {order.id} is {order.status}."
            )
        cancellation = self._new_cancellation(order, Role.SELLER, "CANCEL", reason)
        self._orders.cancel(order, Role.SELLER, reason)
        self._set_cancel_status(cancellation, CancelStatus.COMPLETE)
        return cancellation

    def approve_cancellation(self, shop: Shop, cancel_id: str) -> None:
        cancellation = self._pending(shop, cancel_id)
        order = self._orders.find(cancellation.order_id)
        self._orders.cancel(order, Role.BUYER, cancellation.cancel_reason)
        self._set_cancel_status(cancellation, CancelStatus.COMPLETE)

    def reject_cancellation(self, shop: Shop, cancel_id: str, reason: str, comment: str | None) -> None:
        cancellation = self._pending(shop, cancel_id)
        order = self._orders.find(cancellation.order_id)
        order.is_buyer_request_cancel = False
        order.update_time = self._clock.now()
        self._set_cancel_status(cancellation, CancelStatus.CANCELLED)
        self._keep_rejection(cancel_id, order.id, "REJECT_CANCELLATION", reason, comment)

    def _pending(self, shop: Shop, cancel_id: str) -> Cancellation:
        cancellation = self.cancellation(shop, cancel_id)
        if cancellation.cancel_status != CancelStatus.PENDING:
            raise ApiError(
                Code.INVALID_ORDER_STATUS,
                f"Invalid order status: cancellation {cancel_id} is already {cancellation.cancel_status}.",
            )
        return cancellation

    def _new_cancellation(self, order: Order, role: Role, cancel_type: str, reason: str) -> Cancellation:
        now = self._clock.now()
        cancellation = Cancellation(
            cancel_id=self._ids.numeric("4035", 18),
            order_id=order.id,
            cancel_type="BUYER_CANCEL" if cancel_type == "BUYER_CANCEL" else "CANCEL",
            cancel_status=CancelStatus.PENDING,
            role=role,
            cancel_reason=reason,
            refund_amount=RefundAmount(
                currency=order.payment.currency, refund_total=order.payment.total_amount
            ),
            cancel_line_items=_aftersale_items(order),
            seller_next_action_response=[],
            create_time=now,
            update_time=now,
            shop_id=order.shop_id,
        )
        self.cancellations[cancellation.cancel_id] = cancellation
        return cancellation

    def _set_cancel_status(self, cancellation: Cancellation, status: CancelStatus) -> None:
        cancellation.cancel_status = status
        cancellation.update_time = self._clock.now()
        pending = status == CancelStatus.PENDING
        cancellation.seller_next_action_response = (
            [
                NextAction(
                    action="SELLER_RESPOND_CANCELLATION",
                    deadline=cancellation.update_time + SELLER_RESPONSE_SECONDS,
                )
            ]
            if pending
            else []
        )
        self._publisher.publish(
            self._catalog.shop(cancellation.shop_id),
            CancellationStatusChange(
                order_id=cancellation.order_id,
                cancellations_role=cancellation.role.value,
                cancel_status=status.value,
                cancel_id=cancellation.cancel_id,
                create_time=cancellation.create_time,
            ),
        )

    # --- returns and refunds -------------------------------------------------------------------------------

    def open_return(
        self, order: Order, return_type: ReturnType, amount: Decimal | None, reason: str
    ) -> ReturnRequest:
        if return_type not in RETURNABLE:
            raise Conflict(f"the emulator does not model {return_type} requests")
        if order.status not in RETURNABLE[return_type]:
            raise Conflict(
                f"a buyer cannot open a {return_type} request on order {order.id}: it is {order.status}"
            )
        if any(r.order_id == order.id and r.return_status in OPEN_RETURN for r in self.returns.values()):
            raise Conflict(f"order {order.id} already has an open return or refund request")
        total = Decimal(order.payment.total_amount)
        refund = total if amount is None else amount
        if not Decimal(0) < refund <= total:
            raise Conflict(f"refund amount must be more than 0 and at most the order total {total}")
        now = self._clock.now()
        request = ReturnRequest(
            return_id=self._ids.numeric("4036", 18),
            order_id=order.id,
            return_type=return_type,
            return_status=ReturnStatus.PENDING,
            role=Role.BUYER,
            return_reason=reason,
            return_line_items=_aftersale_items(order),
            refund_amount=RefundAmount(currency=order.payment.currency, refund_total=money(refund)),
            seller_next_action_response=[],
            create_time=now,
            update_time=now,
            shop_id=order.shop_id,
        )
        self.returns[request.return_id] = request
        self._set_return_status(request, ReturnStatus.PENDING)
        return request

    def decide(self, shop: Shop, return_id: str, decision: str) -> None:
        """Approve Return / Reject Return: one `decision` moves the request one step (see the module doc)."""
        request = self.return_request(shop, return_id)
        step = DECISIONS.get(decision)
        if step is None or step.return_type != request.return_type:
            raise ApiError(
                EmulatorCode.DECISION_NOT_APPLICABLE,
                f"Decision {decision} does not apply to a {request.return_type} request.",
            )
        if request.return_status != step.from_status:
            raise ApiError(
                Code.INVALID_ORDER_STATUS,
                f"Invalid order status: return {return_id} is {request.return_status}, "
                f"{decision} needs {step.from_status}.",
            )
        self._set_return_status(request, step.to_status)
        if step.to_status == ReturnStatus.COMPLETE:
            self._refunded(request)

    def reject_return(
        self, shop: Shop, return_id: str, decision: str, reason: str, comment: str | None
    ) -> None:
        order_id = self.return_request(shop, return_id).order_id
        self.decide(shop, return_id, decision)
        self._keep_rejection(return_id, order_id, decision, reason, comment)

    def _keep_rejection(
        self, request_id: str, order_id: str, decision: str, reason: str, comment: str | None
    ) -> None:
        self.rejections.append(
            SellerRejection(
                request_id=request_id,
                order_id=order_id,
                decision=decision,
                reject_reason=reason,
                comment=comment,
                create_time=self._clock.now(),
            )
        )

    def buyer_ships(self, request: ReturnRequest) -> None:
        if request.return_status != ReturnStatus.AWAITING_BUYER_SHIP:
            raise Conflict(f"return {request.return_id} is {request.return_status}, not AWAITING_BUYER_SHIP")
        self._set_return_status(request, ReturnStatus.BUYER_SHIPPED_ITEM)

    def _refunded(self, request: ReturnRequest) -> None:
        order = self._orders.find(request.order_id)
        full = Decimal(request.refund_amount.refund_total) == Decimal(order.payment.total_amount)
        if full and order.status in REFUND_COMPLETES:
            self._orders.complete_by_refund(order)

    def _set_return_status(self, request: ReturnRequest, status: ReturnStatus) -> None:
        request.return_status = status
        request.update_time = self._clock.now()
        action = NEXT_ACTIONS.get(status)
        request.seller_next_action_response = (
            [NextAction(action=action, deadline=request.update_time + SELLER_RESPONSE_SECONDS)]
            if action
            else []
        )
        self._publisher.publish(
            self._catalog.shop(request.shop_id),
            ReturnStatusChange(
                order_id=request.order_id,
                return_role=request.role.value,
                return_type=request.return_type.value,
                return_status=status.value,
                return_id=request.return_id,
                create_time=request.create_time,
                update_time=request.update_time,
            ),
        )


def _aftersale_items(order: Order) -> list[AftersaleLineItem]:
    return [
        AftersaleLineItem(
            order_line_item_id=item.id,
            sku_id=item.sku_id,
            product_name=item.product_name,
            sku_name=item.sku_name,
            seller_sku=item.seller_sku,
        )
        for item in order.line_items
    ]
