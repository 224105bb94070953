"""Webhook addresses TikTok would refuse (§6: https only, a domain name, no port) are refused here too, for a
shop (Update Shop Webhook) and for the app's default URL; `allow_loopback_addresses` lets the dev stack and
tests use their http://127.0.0.1:PORT receivers."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from tiktok_sandbox_helpers import Emulator, Shop, StartEmulator

from emulators.tiktok.settings import WebhookSettings

WEBHOOKS = "/event/202309/webhooks"
REFUSED = 99009001  # TikTok documents no code for this; the emulator's own (99...)
REFUSED_ADDRESSES = [
    "http://hooks.example.com/tiktok",  # not https
    "https://203.0.113.7/tiktok",  # an IP address
    "https://[2001:db8::1]/tiktok",
    "https://hooks.example.com:8443/tiktok",  # a port
    "https://hooks.example.com:443/tiktok",  # even the https one
    "http://127.0.0.1:8080/webhooks/tiktok",  # the dev stack's, when not allowed
    "hooks.example.com/tiktok",  # no scheme, no host
]


def subscribe(shop: Shop, address: str) -> int:
    body = {"address": address, "event_type": "ORDER_STATUS_CHANGE"}
    return shop.api.call("PUT", WEBHOOKS, body=body).code


@pytest.mark.parametrize("address", REFUSED_ADDRESSES)
def test_an_address_tiktok_would_refuse_is_refused_and_not_kept(shop: Shop, address: str) -> None:
    answer = shop.api.call("PUT", WEBHOOKS, body={"address": address, "event_type": "ORDER_STATUS_CHANGE"})
    assert answer.code == REFUSED and "Invalid webhook address" in answer.body["message"]
    assert shop.api.ok("GET", WEBHOOKS)["webhooks"] == []


def test_a_domain_over_https_without_a_port_is_taken(shop: Shop) -> None:
    assert subscribe(shop, "https://hooks.example.com/tiktok?source=tts") == 0


def test_loopback_addresses_are_taken_only_when_allowed(
    emulator: Emulator, start_emulator: StartEmulator
) -> None:
    assert subscribe(emulator.new_shop(), "http://127.0.0.1:8080/webhooks/tiktok") == REFUSED
    local = start_emulator(webhooks={"allow_loopback_addresses": True})
    shop = local.new_shop()
    for address in ("http://127.0.0.1:8080/webhooks/tiktok", "http://localhost:9/hook", "http://[::1]:9/"):
        assert subscribe(shop, address) == 0
    # Allowing loopback waives nothing for other hosts.
    assert subscribe(shop, "http://hooks.example.com/tiktok") == REFUSED
    assert subscribe(shop, "https://10.0.0.5/tiktok") == REFUSED


def test_the_default_url_follows_the_same_rules() -> None:
    with pytest.raises(ValidationError, match="must use https"):
        WebhookSettings(default_url="http://127.0.0.1:8080/webhooks/tiktok")
    assert WebhookSettings(default_url="https://hooks.example.com/tiktok").default_url
    allowed = WebhookSettings(
        default_url="http://127.0.0.1:8080/webhooks/tiktok", allow_loopback_addresses=True
    )
    assert allowed.default_url


def test_the_admin_api_refuses_a_default_url_tiktok_would_refuse(emulator: Emulator) -> None:
    """`PATCH /_admin/webhooks` is how the dev stack aims webhooks at itself (with loopback allowed)."""
    answer = emulator.http.patch("/_admin/webhooks", json={"default_url": "http://127.0.0.1:8080/hook"})
    assert answer.status_code == 422
