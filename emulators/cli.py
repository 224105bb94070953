"""`creatorflow sandbox <service>`: run one local emulator standalone, in the foreground."""

from __future__ import annotations

import typer

from creatorflow.config import SANDBOX_HOST, SANDBOX_PORTS, get_settings

sandbox_app = typer.Typer(
    help="Run a local emulator of TikTok Shop, Shippo or EasyPost on a port.", no_args_is_help=True
)


@sandbox_app.command("shippo")
def shippo(
    port: int = typer.Option(SANDBOX_PORTS["shippo"], help="port to listen on"),
    host: str = typer.Option(SANDBOX_HOST, help="interface to bind"),
) -> None:
    """Shippo API emulator; takes the API key and version of `CREATORFLOW_SHIPPO__*` settings."""
    import uvicorn

    from emulators.carriers.shippo import ShippoEmulatorConfig, create_app

    settings = get_settings().shippo
    config = ShippoEmulatorConfig(
        api_key=settings.api_key.get_secret_value(), api_version=settings.api_version
    )
    uvicorn.run(create_app(config), host=host, port=port)


@sandbox_app.command("easypost")
def easypost(
    port: int = typer.Option(SANDBOX_PORTS["easypost"], help="port to listen on"),
    host: str = typer.Option(SANDBOX_HOST, help="interface to bind"),
) -> None:
    """EasyPost API emulator (under /v2); takes the API key of `CREATORFLOW_EASYPOST__*` settings."""
    import uvicorn

    from emulators.carriers.easypost import EasyPostEmulatorConfig, create_app

    config = EasyPostEmulatorConfig(api_key=get_settings().easypost.api_key.get_secret_value())
    uvicorn.run(create_app(config), host=host, port=port)


@sandbox_app.command("tiktok")
def tiktok(
    port: int = typer.Option(SANDBOX_PORTS["tiktok"], help="port to listen on"),
    host: str = typer.Option(SANDBOX_HOST, help="interface to bind"),
    webhook_url: str | None = typer.Option(None, help="where to push webhooks when a shop set no address"),
    loopback_webhooks: bool = typer.Option(
        False,
        "--loopback-webhooks/--strict-webhooks",
        help="also take http://127.0.0.1:PORT webhook addresses, which TikTok refuses (local use only)",
    ),
    app_key: str | None = typer.Option(None, help="default: CREATORFLOW_TIKTOK__APP_KEY"),
    app_secret: str | None = typer.Option(None, help="default: CREATORFLOW_TIKTOK__APP_SECRET"),
    service_id: str | None = typer.Option(None, help="default: CREATORFLOW_TIKTOK__SERVICE_ID"),
    redirect_url: str | None = typer.Option(None, help="default: {public_base_url}/oauth/callback"),
    demo: bool = typer.Option(True, "--demo/--empty", help="start with a demo seller, products and orders"),
) -> None:
    """TikTok Shop emulator (Open API, authorization and token endpoints, webhooks, /_admin)."""
    import uvicorn

    from emulators.tiktok.app import TikTokEmulatorConfig, create_app

    app = dict(app_key=app_key, app_secret=app_secret, service_id=service_id, redirect_url=redirect_url)
    config = TikTokEmulatorConfig.from_settings(
        get_settings(),
        demo=demo,
        webhooks={"default_url": webhook_url, "allow_loopback_addresses": loopback_webhooks},
        **{name: value for name, value in app.items() if value is not None},
    )
    uvicorn.run(create_app(config), host=host, port=port)
