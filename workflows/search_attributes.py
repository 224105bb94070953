"""Search attribute keys, defined once (the other names are in `creatorflow.names`): the workflows set
them, the CLI, tests and operators' saved queries find workflows by them, and the dev server registers
`SEARCH_ATTRIBUTES`. They are Temporal objects, so they live on the workflow side.

No PII ever (values are stored in clear). The dev server's SQLite visibility allows at most 10 Keyword and
3 of each other type per namespace.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

SHOP_ID = SearchAttributeKey.for_keyword("ShopId")
ORDER_ID = SearchAttributeKey.for_keyword("OrderId")
FULFILLMENT_STATE = SearchAttributeKey.for_keyword("FulfillmentState")
TIKTOK_STATUS = SearchAttributeKey.for_keyword("TikTokStatus")
FULFILLMENT_MODE = SearchAttributeKey.for_keyword("FulfillmentMode")
CARRIER = SearchAttributeKey.for_keyword("Carrier")
TRACKING_NUMBER = SearchAttributeKey.for_keyword("TrackingNumber")
ATTENTION_REASON = SearchAttributeKey.for_keyword("AttentionReason")
SHIP_BY = SearchAttributeKey.for_datetime("ShipBy")
LABEL_COST_CENTS = SearchAttributeKey.for_int("LabelCostCents")
# Shop workflows: ShopId and AttentionReason as above, plus the credentials' lifecycle and when the
# seller's authorization ends (they must re-authorize before then).
SHOP_STATUS = SearchAttributeKey.for_keyword("ShopStatus")
AUTHORIZATION_EXPIRES_AT = SearchAttributeKey.for_datetime("AuthorizationExpiresAt")
LOW_STOCK = SearchAttributeKey.for_bool("LowStock")  # a shop's catalog has SKUs at or under the threshold
# An order not yet in the carrier's hands within the policy's margin of its ShipBy.
LATE_SHIPMENT_RISK = SearchAttributeKey.for_bool("LateShipmentRisk")

SEARCH_ATTRIBUTES: list[SearchAttributeKey] = [
    SHOP_ID,
    ORDER_ID,
    FULFILLMENT_STATE,
    TIKTOK_STATUS,
    FULFILLMENT_MODE,
    CARRIER,
    TRACKING_NUMBER,
    ATTENTION_REASON,
    SHIP_BY,
    LABEL_COST_CENTS,
    SHOP_STATUS,
    AUTHORIZATION_EXPIRES_AT,
    LOW_STOCK,
    LATE_SHIPMENT_RISK,
]
