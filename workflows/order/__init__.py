"""`OrderWorkflow`: one TikTok order, from payment to the customer's door (docs/design.md, "Workflows").

Shape (after samples-python `message_passing/safe_message_handlers`): signal and update handlers only
record facts and intentions in `OrderState`; the main loop looks at those facts, does the next piece of
work through activities, and waits when there is nothing to do. So a hold, a cancellation or a carrier
scan that arrives mid-purchase is acted on at the next safe point, and every decision is in history.

Rules kept here:
- Never two labels (`shipping`), not even when the buyer moves (`readdress`).
- Never lose or double-apply an event: events are deduplicated by id and ignored when older than what
  TikTok already told us; the order is always re-read from TikTok before acting on news.
- Business failures never fail the workflow: they park the order in NEEDS_ATTENTION for an operator.
- A paid order holds its stock before any label is bought; without stock it waits for an operator.
- No label while the seller's authorization is void (deauthorized, or a refresh token TikTok rejected): the
  order waits and carries on by itself once the seller authorizes the app again.
- Buyers' cancellations and returns are answered by the after-sales policy (`aftersales`); what the
  policy does not cover waits for an operator.

The files, each a layer built on the one before (so mypy checks the state and calls across them):
- `base`: the state every layer shares; running an activity, changing stage, parking.
- `visibility`: search attributes, UI details, the store's projection, the watch on TikTok's ship-by.
- `shipping`: stock, rate, label, TikTok's shipping, tracking, cancellation and refunds.
- `packages`: an order shipped as several packages: split on TikTok, one rate, label and ship call each.
- `aftersales`: buyers' cancellations and returns.
- `readdress`: the buyer's new address after a rate or label was chosen for the old one.
- `workflow`: `OrderWorkflow`, its run loop and its signal, query and update handlers.
- `patches`: every patch id, with the command it guards.
"""

from workflows.order.workflow import OrderWorkflow

__all__ = ["OrderWorkflow"]
