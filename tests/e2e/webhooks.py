"""Webhooks as TikTok, Shippo and EasyPost send them to our API, signed with the stack's real secrets (or
deliberately not), for the tests that post their own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import httpx
from pydantic import SecretStr

from creatorflow.config import Settings
from creatorflow.tiktok.signing import sign_webhook
from emulators.carriers.easypost import sign as easypost_signature

Source = Literal["tiktok", "shippo", "easypost"]
SOURCES: tuple[Source, ...] = ("tiktok", "shippo", "easypost")
# Where each sender puts its proof: TikTok and EasyPost sign the body in a header, Shippo's URL holds a token.
SIGNATURE_HEADERS = ("authorization", "x-hmac-signature")


@dataclass(frozen=True)
class Webhook:
    """One POST to `/webhooks/{source}`, exactly as sent."""

    source: Source
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def request(self, api_url: str) -> httpx.Request:
        return httpx.Request(
            "POST",
            f"{api_url}/webhooks/{self.source}",
            content=self.body,
            headers={"content-type": "application/json", **self.headers},
            params=dict(self.query),
        )

    def with_body(self, body: bytes) -> Webhook:
        """Another body under this webhook's signature: what a forger who replays one can send."""
        return replace(self, body=body)


def signed(settings: Settings, source: Source, body: bytes) -> Webhook:
    """`body` as its sender signs it: TikTok's `Authorization` HMAC, Shippo's `?token=`, EasyPost's
    `X-Hmac-Signature`."""
    match source:
        case "tiktok":
            secret = settings.tiktok.app_secret.get_secret_value()
            signature = sign_webhook(settings.tiktok.app_key, secret, body)
            return Webhook(source, body, headers={"authorization": signature})
        case "shippo":
            return Webhook(source, body, query={"token": settings.shippo.webhook_token.get_secret_value()})
        case "easypost":
            signature = easypost_signature(body, settings.easypost.webhook_secret.get_secret_value())
            return Webhook(source, body, headers={"x-hmac-signature": signature})


def forger(settings: Settings) -> Settings:
    """`settings` with every webhook secret guessed wrong: sign with these to forge."""
    guess = SecretStr("guessed")
    return settings.model_copy(
        update={
            "tiktok": settings.tiktok.model_copy(update={"app_secret": guess}),
            "shippo": settings.shippo.model_copy(update={"webhook_token": guess}),
            "easypost": settings.easypost.model_copy(update={"webhook_secret": guess}),
        }
    )


async def post(api_url: str, webhook: Webhook) -> httpx.Response:
    async with httpx.AsyncClient(timeout=30) as http:
        return await http.send(webhook.request(api_url))
