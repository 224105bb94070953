"""`creatorflow backfill`: bring a shop's historical orders under management, and watch it happen.

    creatorflow backfill --shop S --since 2026-10-01 [--until 2026-11-01] [--dry-run] [--detach]
    creatorflow backfill status backfill:S:2026-10-01:2026-11-01

Starting the same backfill again while it runs attaches to it; after it finished, it runs again and
starts nothing new (orders it already handed over are running or finished).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowFailureError, WorkflowHandle
from temporalio.common import WorkflowIDConflictPolicy
from temporalio.service import RPCError, RPCStatusCode

from creatorflow.config import Settings, get_settings
from creatorflow.names import ORDERS_TASK_QUEUE, backfill_workflow_id
from creatorflow.store.shops import ShopNotFoundError
from creatorflow.store.tables import ShopStatus
from creatorflow.sync import BackfillInput, SyncProgress
from starter import runtime
from starter.progress import changed_lines
from workers.client import connect
from workflows.backfill import BackfillWorkflow

backfill_app = typer.Typer(
    help="Backfill a shop's historical orders: closed ones are recorded, the rest get their order "
    "workflow; none is started twice.",
    invoke_without_command=True,
)

POLL_SECONDS = 0.5


def parse_when(text: str) -> datetime:
    """`2026-10-01` (midnight UTC) or an ISO 8601 time (UTC unless it names its zone)."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not a date (YYYY-MM-DD) or an ISO 8601 time") from exc
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def _label(when: datetime | None) -> str:
    if when is None:
        return "now"
    if when.time() == datetime.min.time():
        return f"{when:%Y-%m-%d}"
    return f"{when:%Y-%m-%dT%H:%M:%SZ}"


def backfill_id(request: BackfillInput) -> str:
    return backfill_workflow_id(
        request.shop_id, _label(request.since), _label(request.until), dry_run=request.dry_run
    )


async def start_backfill(
    client: Client, request: BackfillInput
) -> WorkflowHandle[BackfillWorkflow, SyncProgress]:
    """Start the backfill, or attach to the same one (same shop, dates and mode) if it is running."""
    return await client.start_workflow(
        BackfillWorkflow.run,
        request,
        id=backfill_id(request),
        task_queue=ORDERS_TASK_QUEUE,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        static_summary=f"backfill TikTok shop {request.shop_id}" + (" (dry run)" if request.dry_run else ""),
    )


@backfill_app.callback()
def backfill(
    ctx: typer.Context,
    shop: str | None = typer.Option(None, help="the connected TikTok shop id"),
    since: str | None = typer.Option(None, help="orders created from this date or time (UTC)"),
    until: str | None = typer.Option(None, help="... up to (not including) this one; default: now"),
    dry_run: bool = typer.Option(False, "--dry-run", help="page and count the orders, touch nothing"),
    detach: bool = typer.Option(False, "--detach", help="print the backfill's id and return at once"),
) -> None:
    """Start a backfill (or attach to the same one) and show its progress until it finishes."""
    if ctx.invoked_subcommand is not None:
        return
    if shop is None or since is None:
        raise typer.BadParameter("--shop and --since are required (or use `creatorflow backfill status ID`)")
    settings = get_settings()
    start, end = parse_when(since), parse_when(until) if until else None
    now = datetime.now(UTC)
    if start >= (end or now):
        raise typer.BadParameter(f"--since {since} must be before --until ({until or 'now'})")
    require_connected(settings, shop)
    request = BackfillInput(
        shop_id=shop, since=start, until=end, dry_run=dry_run, window=settings.sync.window
    )
    asyncio.run(_backfill(settings, request, detach))


def require_connected(settings: Settings, shop_id: str) -> None:
    try:
        shop = runtime.store(settings).shop(shop_id)
    except ShopNotFoundError:
        raise typer.BadParameter(
            f"shop {shop_id} is not connected (connect it through TikTok OAuth first)"
        ) from None
    if shop.status is not ShopStatus.ACTIVE:
        raise typer.BadParameter(f"shop {shop_id} is {shop.status.value}: it must authorize the app again")


async def _backfill(settings: Settings, request: BackfillInput, detach: bool) -> None:
    client = await connect(settings.temporal, runtime.keyring(settings))
    handle = await start_backfill(client, request)
    typer.echo(f"backfill {handle.id}")
    if detach:
        typer.echo(f"follow it with: creatorflow backfill status '{handle.id}'")
        return
    await _watch(handle)


async def _watch(handle: WorkflowHandle[BackfillWorkflow, SyncProgress]) -> None:
    """Show the workflow's `progress` query until the workflow ends, then its outcome."""
    finished = asyncio.ensure_future(handle.result())
    with _progress_display(Console()) as show:
        while not finished.done():
            show(await handle.query(BackfillWorkflow.progress))
            await asyncio.wait([finished], timeout=POLL_SECONDS)
        try:
            progress = finished.result()
        except WorkflowFailureError as exc:
            raise typer.Exit(_failed(handle.id, exc)) from exc
        show(progress)
    print_summary(handle.id, "COMPLETED", progress)


@contextlib.contextmanager
def _progress_display(console: Console) -> Iterator[Callable[[SyncProgress], None]]:
    """A live bar on a terminal; anywhere else (a pipe, CI's log) one plain line whenever the counts
    change, with no escape codes or bar glyphs in the log."""
    if not console.is_terminal:
        yield changed_lines(_counts, typer.echo)
        return
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[counts]}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("orders", total=None, counts="")
        yield lambda progress: bar.update(
            task,
            completed=progress.seen,
            total=progress.total or (progress.seen if progress.done else None),
            counts=_counts(progress),
        )


def _failed(workflow_id: str, exc: WorkflowFailureError) -> int:
    typer.echo(f"backfill {workflow_id} failed: {exc.cause}", err=True)
    return 1


def _counts(progress: SyncProgress) -> str:
    return (
        f"pages {progress.pages} · seen {progress.seen} · started {progress.started} · "
        f"already running {progress.already_existed} · skipped {progress.skipped} · errors {progress.errors}"
        f" · closed, recorded without a workflow {progress.closed}"
    )


def print_summary(workflow_id: str, status: str, progress: SyncProgress) -> None:
    typer.echo(f"{workflow_id}: {status}")
    typer.echo(f"  {_counts(progress)}")
    if progress.by_status:
        typer.echo("  TikTok status: " + ", ".join(f"{k} {v}" for k, v in sorted(progress.by_status.items())))
    for failure in progress.failures:
        typer.echo(f"  failed: {failure}")


@backfill_app.command("status")
def status(backfill_id: str = typer.Argument(..., help="the id `creatorflow backfill` printed")) -> None:
    """Show a backfill's progress (running) or its outcome (finished)."""
    asyncio.run(_status(get_settings(), backfill_id))


async def _status(settings: Settings, workflow_id: str) -> None:
    client = await connect(settings.temporal, runtime.keyring(settings))
    handle: WorkflowHandle[BackfillWorkflow, SyncProgress] = client.get_workflow_handle_for(
        BackfillWorkflow.run, workflow_id
    )
    try:
        description = await handle.describe()
    except RPCError as exc:
        if exc.status is RPCStatusCode.NOT_FOUND:
            raise typer.BadParameter(f"no backfill {workflow_id!r}") from exc
        raise
    state = description.status
    if state is WorkflowExecutionStatus.COMPLETED:
        progress = await handle.result()
    elif state is WorkflowExecutionStatus.RUNNING:
        progress = await handle.query(BackfillWorkflow.progress)
    else:
        typer.echo(f"backfill {workflow_id}: {state.name if state else 'UNKNOWN'}", err=True)
        raise typer.Exit(1)
    print_summary(workflow_id, state.name, progress)
