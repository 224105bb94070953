#!/bin/sh
# One-shot: the namespace and CreatorFlow's search attributes (they must match workflows/shared.py;
# tests/unit/test_deploy.py checks it). SQL visibility allows 10 Keyword and 3 of each other type.
set -eu
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" | grep -q SERVING; do sleep 2; done
temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" --retention 30d
attribute() {
  temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" --name "$1" --type "$2" ||
    echo "search attribute $1 already exists"
}
attribute ShopId Keyword
attribute OrderId Keyword
attribute FulfillmentState Keyword
attribute TikTokStatus Keyword
attribute FulfillmentMode Keyword
attribute Carrier Keyword
attribute TrackingNumber Keyword
attribute AttentionReason Keyword
attribute ShipBy Datetime
attribute LabelCostCents Int
attribute ShopStatus Keyword
attribute AuthorizationExpiresAt Datetime
