"""Every patch id of `OrderWorkflow`, with the new command it guards.

A command added on a path that released histories took must be guarded by `workflow.patched(ID)`, or
those workflows fail to replay (docs/reference/temporal.md §B8). An id is never reused or renamed: it is
in the histories of the workflows that took the new path.
"""

# Reading TikTok's cancellation and return requests (an activity) on paths released histories took: their
# cancellation events.
AFTERSALES_PATCH = "aftersales-v1"
# Holding stock for a paid order (an activity) before anything else is done for it, on every released path.
STOCK_PATCH = "stock-reservation-v1"
# Watching TikTok's ship-by: a timer that ends a wait when the order becomes at risk, and the search
# attribute that publishes it.
LATE_SHIPMENT_PATCH = "late-shipment-v1"
# Asking whether the seller still authorizes the app (an activity) before every released purchase.
SHOP_CHECK_PATCH = "shop-authorized-before-label-v1"
# Asking again, on a timer, while parked for the shop's authorization: a timer and an activity on that
# parked path.
SHOP_RECHECK_PATCH = "shop-recheck-while-parked-v1"
# Reading what TikTok knows of the shipment (an activity: the products' package data, the warehouse) before
# every rate is chosen, so an order for a product or warehouse new since the last catalog sync ships from
# real data.
SHIPMENT_FACTS_PATCH = "shipment-facts-before-rate-v1"
# Following a buyer's new address (refund, a new label, TikTok told the new tracking) when TikTok's address
# changes after a rate was chosen for the old one: activities on a path released histories took (a re-read).
ADDRESS_CHANGE_PATCH = "address-change-relabel-v1"
# The shop's own hold after payment: reading it (an activity) and waiting it out (a timer) before stock is
# reserved, on every released path of a paid order.
PAYMENT_HOLD_PATCH = "shop-payment-hold-v1"
# Shipping an order as several parcels: on the path where the rate found the items need several boxes
# (released histories parked there with SplitNeeded), or TikTok had the order in several packages, planning
# the boxes and splitting the order on TikTok (activities), then one rate, label and ship call per package.
PACKAGES_PATCH = "packages-v1"
