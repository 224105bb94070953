"""The Shippo and EasyPost emulators, and what they share: `shared_rules.py` (services, prices, ids, address
checks) and `shared_state.py` (labels sold, parcels in flight, tracking webhooks, the `/_admin` routes)."""
