"""The webhook addresses TikTok takes (docs/reference/tiktok-shop-api.md §6): `https://` only, a domain name
(no IP address), no port. The emulator holds every address to the same rules, the shops' (Update Shop
Webhook) and the app's (`WebhookSettings.default_url`, Partner Center's URL), unless it is told to take
loopback addresses as well: the dev stack and the tests receive webhooks on `http://127.0.0.1:PORT`.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import SplitResult, urlsplit

LOOPBACK_NAMES = frozenset({"localhost"})


def refusal(address: str, *, allow_loopback: bool) -> str | None:
    """Why TikTok would refuse `address` as a webhook URL, or None if it would take it."""
    parts = urlsplit(address)
    if not parts.hostname:
        return f"Invalid webhook address {address!r}: it has no host."
    if allow_loopback and _is_loopback(parts.hostname):
        return None
    if parts.scheme != "https":
        return f"Invalid webhook address {address!r}: it must use https."
    if _is_ip(parts.hostname):
        return f"Invalid webhook address {address!r}: use a domain name, not an IP address."
    if _has_port(parts):
        return f"Invalid webhook address {address!r}: it must not carry a port."
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _is_loopback(host: str) -> bool:
    return host in LOOPBACK_NAMES or (_is_ip(host) and ipaddress.ip_address(host).is_loopback)


def _has_port(parts: SplitResult) -> bool:
    """Any port written out, even 443, and even one that is not a number."""
    return ":" in parts.netloc.rpartition("@")[2].rpartition("]")[2]
