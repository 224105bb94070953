"""One `Settings` object for every process: env vars prefixed `CREATORFLOW_`, or a `.env` file.

Nested groups use `__` in variable names, e.g. `CREATORFLOW_TIKTOK__APP_KEY`. The defaults point every
client at the local emulators (`emulators/` in a checkout), so a fresh checkout runs with no configuration;
production sets the real base URLs and credentials.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from creatorflow.alerts.models import AlertsSettings
from creatorflow.finance import FinancePolicy
from creatorflow.inventory import InventoryPolicy
from creatorflow.logs import LogFormat
from creatorflow.orders import OrderPolicy
from creatorflow.shops import ShopPolicy
from creatorflow.sync import SyncPolicy
from creatorflow.tiktok.versions import ApiVersions

SANDBOX_HOST = "127.0.0.1"
# Where TikTok sends the seller back after the authorize page (the app's redirect URL in Partner Center).
OAUTH_CALLBACK_PATH = "/oauth/callback"
SANDBOX_PORTS = {"tiktok": 9101, "shippo": 9102, "easypost": 9103}


def _sandbox_url(name: str, suffix: str = "") -> str:
    return f"http://{SANDBOX_HOST}:{SANDBOX_PORTS[name]}{suffix}"


class TikTokSettings(BaseModel):
    """A TikTok Shop Partner app (docs/reference/tiktok-shop-api.md §1-§3)."""

    app_key: str = "sandbox_app_key"
    app_secret: SecretStr = SecretStr("sandbox_app_secret")
    service_id: str = "sandbox_service_id"
    # Production: https://open-api.tiktokglobalshop.com
    api_base_url: str = _sandbox_url("tiktok")
    # Production: https://auth.tiktok-shops.com
    auth_base_url: str = _sandbox_url("tiktok")
    # Production: https://services.tiktokshop.com/open/authorize (US: copy from Partner Center)
    authorize_url: str = _sandbox_url("tiktok", "/open/authorize")
    # The API version called per family (orders, products): the newest documented unless set otherwise.
    api_versions: ApiVersions = ApiVersions()
    # TikTok allows 50 QPS per API per (app, shop); stay under it so one process never trips a 429. Each
    # worker process has its own limiter: with N of them, keep this under 50 / N.
    qps_per_api: float = Field(default=40.0, gt=0, le=50)
    # TikTok API activities started per second on the TikTok task queue, all shops and APIs together, across
    # every worker: the Temporal server enforces it (the latest worker to poll sets it). It bounds the
    # fleet's total, not TikTok's per-(shop, API) quota, which `qps_per_api` keeps. The default leaves one
    # shop room for five APIs at the client's full 40 QPS (200 = 5 x 40), so a single shop's live orders
    # meet the per-API limiter first and this cap only binds when many shops are busy at once.
    queue_activities_per_second: float = Field(default=200.0, gt=0)
    timeout_seconds: float = Field(default=10.0, gt=0)


class ShippoSettings(BaseModel):
    enabled: bool = True
    api_key: SecretStr = SecretStr("shippo_test_sandbox")
    base_url: str = _sandbox_url("shippo")  # production: https://api.goshippo.com
    api_version: str = "2018-02-08"
    timeout_seconds: float = Field(default=30.0, gt=0)
    webhook_token: SecretStr = SecretStr("sandbox-shippo-webhook-token")


class EasyPostSettings(BaseModel):
    enabled: bool = True
    api_key: SecretStr = SecretStr("EZTK_sandbox")
    base_url: str = _sandbox_url("easypost", "/v2")  # production: https://api.easypost.com/v2
    timeout_seconds: float = Field(default=30.0, gt=0)
    webhook_secret: SecretStr = SecretStr("sandbox-easypost-webhook-secret")


class TemporalSettings(BaseModel):
    address: str = "127.0.0.1:7233"
    namespace: str = "default"
    ui_port: int = 8233


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CREATORFLOW_",
        env_nested_delimiter="__",
        env_file=".env",
        extra="ignore",
    )

    tiktok: TikTokSettings = TikTokSettings()
    shippo: ShippoSettings = ShippoSettings()
    easypost: EasyPostSettings = EasyPostSettings()
    temporal: TemporalSettings = TemporalSettings()
    orders: OrderPolicy = OrderPolicy()  # includes the after-sales policy (orders.aftersales)
    shops: ShopPolicy = ShopPolicy()
    inventory: InventoryPolicy = InventoryPolicy()
    # Reconciliation interval, overlap and first-pass lookback; the backfill window.
    sync: SyncPolicy = SyncPolicy()
    # SMTP relay, webhook signing secret, the alerts sweep (docs/alerts.md); shops choose what they get.
    alerts: AlertsSettings = AlertsSettings()
    # The daily finance sync, and when an order's settlement is flagged (unsettled, differing).
    finance: FinancePolicy = FinancePolicy()

    # Where `creatorflow dev` keeps its SQLite files, dev-server database and generated keys.
    data_dir: Path = Path(".creatorflow")
    database_url: str = "sqlite:///.creatorflow/creatorflow.db"
    # AES-256-GCM keyring `id:base64(32 bytes)[,id:base64...]`, the first one active (see crypto.Keyring).
    # Tokens at rest and workflow payloads are encrypted with it. `creatorflow dev` generates one.
    encryption_keys: SecretStr | None = None
    # Public base URL of our API (webhooks, OAuth redirect).
    public_base_url: str = "http://127.0.0.1:8080"
    # Bearer token for the API's codec endpoint (/codec/decode), through which the Temporal UI shows payloads
    # in clear. `creatorflow dev` generates one. The UI's origins may call it from the operator's browser.
    codec_token: SecretStr | None = None
    codec_cors_origins: list[str] = ["http://localhost:8233", "http://127.0.0.1:8233"]
    # `host:port` where `creatorflow worker` / `creatorflow api` serve Prometheus metrics; off when unset.
    metrics_address: str | None = None
    log_format: LogFormat = LogFormat.TEXT
    log_level: str = "INFO"
    # How long a "connect your shop" link stays usable (its OAuth state expires after this).
    oauth_state_ttl: timedelta = Field(default=timedelta(minutes=10), gt=timedelta(0))

    @model_validator(mode="after")
    def _activities_outlast_their_calls(self) -> Settings:
        """An activity cut off by Temporal while its provider call is still waiting is retried beside that
        call, which runs on: every client must give up before its activity does."""
        limit = self.orders.activity_timeout.total_seconds()
        for name, timeout in (
            ("tiktok", self.tiktok.timeout_seconds),
            ("shippo", self.shippo.timeout_seconds),
            ("easypost", self.easypost.timeout_seconds),
        ):
            if timeout >= limit:
                raise ValueError(
                    f"{name}.timeout_seconds ({timeout:g}) must be under"
                    f" orders.activity_timeout ({limit:g} s)"
                )
        return self

    @property
    def oauth_redirect_url(self) -> str:
        return f"{self.public_base_url}{OAUTH_CALLBACK_PATH}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
