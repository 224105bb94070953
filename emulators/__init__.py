"""Local emulators of the services CreatorFlow talks to, for development and tests (never in production).

- `tiktok/`: TikTok Shop (Open API, seller authorization, webhooks, and `/_admin` to play the other parties).
- `carriers/`: Shippo and EasyPost, which the official SDKs talk to over real HTTP.
- `faults.py` (injected errors and the call ledger), `saved_state.py` (state kept across restarts),
  `label_files.py` (label PDFs/PNGs): what every emulator shares.
- `traffic.py`: carriers at work, scanning and delivering what was shipped.
- `cli.py`: `creatorflow sandbox tiktok|shippo|easypost`, one emulator in the foreground.

They import the product's core (config, signing) and nothing else of it; the product never imports them.
"""
