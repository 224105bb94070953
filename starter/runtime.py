"""What every process builds from `Settings`: the keyring, the store, the clients, the API app."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from fastapi import FastAPI
from temporalio.client import Client

from creatorflow.api.app import create_app
from creatorflow.api.inbox import WebhookInbox
from creatorflow.api.onboarding import Onboarding
from creatorflow.config import Settings
from creatorflow.crypto import Keyring
from creatorflow.shipping import enabled_carriers
from creatorflow.store.db import create_schema, make_engine
from creatorflow.store.repository import Store
from workers.gateway import TemporalGateway

log = logging.getLogger(__name__)


def keyring(settings: Settings) -> Keyring:
    """The configured keyring; without one, a key generated once under the data dir (dev only)."""
    if settings.encryption_keys is not None:
        return Keyring.parse(settings.encryption_keys.get_secret_value())
    key_file = settings.data_dir / "encryption.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(Keyring.generate_spec("dev1"))
        os.chmod(key_file, 0o600)
        log.warning("no CREATORFLOW_ENCRYPTION_KEYS set: generated a development key in %s", key_file)
    return Keyring.parse(key_file.read_text().strip())


def store(settings: Settings) -> Store:
    engine = make_engine(settings.database_url)
    create_schema(engine)
    return Store(engine, keyring(settings))


def api_app(settings: Settings, client: Client, store: Store, forward_interval: float = 2.0) -> FastAPI:
    carriers = {carrier.provider: carrier for carrier in enabled_carriers(settings)}
    gateway = TemporalGateway(client, settings.orders, settings.shops)
    inbox = WebhookInbox(store, gateway, settings.tiktok, carriers)
    onboarding = Onboarding(store, settings.tiktok, gateway, state_ttl=settings.oauth_state_ttl)
    return create_app(inbox, onboarding, store, forward_interval=forward_interval)


def data_file(settings: Settings, name: str) -> Path:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings.data_dir / name
