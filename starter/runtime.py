"""What every process builds from `Settings`: the keyring, the store, the clients, the API app."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from temporalio.client import Client

from creatorflow.api.app import create_app
from creatorflow.api.inbox import WebhookInbox
from creatorflow.api.onboarding import Onboarding
from creatorflow.config import Settings
from creatorflow.crypto import Keyring
from creatorflow.shipping.providers import enabled_carriers
from creatorflow.store import Store
from creatorflow.store.db import create_schema, make_engine
from workers.client import client_metrics
from workers.codec import EncryptionCodec, codec_router
from workers.gateway import TemporalGateway

log = logging.getLogger(__name__)


def keyring(settings: Settings) -> Keyring:
    """The configured keyring; without one, a key generated once under the data dir (dev only)."""
    if settings.encryption_keys is not None:
        return Keyring.parse(settings.encryption_keys.get_secret_value())
    return Keyring.parse(_dev_secret(settings, "encryption.key", lambda: Keyring.generate_spec("dev1")))


def codec_token(settings: Settings) -> str:
    """The configured codec token; without one, a token generated once under the data dir (dev only)."""
    if settings.codec_token is not None:
        return settings.codec_token.get_secret_value()
    return _dev_secret(settings, "codec.token", lambda: secrets.token_urlsafe(32))


def _dev_secret(settings: Settings, name: str, generate: Callable[[], str]) -> str:
    path = settings.data_dir / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate())
        os.chmod(path, 0o600)
        log.warning("no %s configured: generated a development one in %s", name, path)
    return path.read_text().strip()


def store(settings: Settings) -> Store:
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return Store(engine, keyring(settings))


def api_app(settings: Settings, client: Client, store: Store, forward_interval: float = 2.0) -> FastAPI:
    carriers = {carrier.provider: carrier for carrier in enabled_carriers(settings)}
    gateway = TemporalGateway.from_settings(client, settings)
    metrics = client_metrics(client)
    inbox = WebhookInbox(store, gateway, settings.tiktok, carriers, metrics=metrics)
    onboarding = Onboarding(
        store, settings.tiktok, gateway, state_ttl=settings.oauth_state_ttl, metrics=metrics
    )
    app = create_app(inbox, onboarding, store, forward_interval=forward_interval)
    app.include_router(codec_router(EncryptionCodec(keyring(settings)), codec_token(settings)))
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.codec_cors_origins,
        allow_methods=["POST"],
        allow_headers=["authorization", "content-type", "x-namespace"],
        allow_credentials=True,
    )
    return app


def data_file(settings: Settings, name: str) -> Path:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.data_dir / name
