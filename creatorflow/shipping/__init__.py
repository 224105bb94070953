"""Shipping labels through Shippo and EasyPost: quote, choose, buy once, refund, track.

Activities use `enabled_carriers` + `select_rate` to choose, persist the `PurchaseRequest`, then call
`carrier_for(rate.provider).buy_label(...)`, retrying on `error.retryable` (with the same request when
`error.ambiguous`). See `errors` for how each failure maps onto a retry decision.

Import from the submodules: this package imports nothing, so what needs one error type or model does not
load both carrier SDKs.
"""
