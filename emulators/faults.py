"""Fault injection and a call ledger shared by every emulator.

Each emulator installs `FaultMiddleware` with its own way of rendering an error (TikTok's envelope,
EasyPost's `{"error": ...}`, Shippo's plain body) and mounts `admin_router` under `/_admin`, which is
clearly apart from the emulated paths. Tests and the chaos suite steer faults over HTTP:

    PUT /_admin/faults  [{"path": "/order/*", "error_rate": 0.2, "kinds": ["5xx", "429"]}]

`after_commit` faults are the nasty ones: the emulator does the work (buys the label, ships the
package), then loses the response, which is exactly what makes a retry dangerous. `after_commit_latency_ms`
holds the response after the work is done instead: a window in which the chaos suite can kill the caller
that has bought a label but does not know it yet.

An emulator whose answers carry a result code of their own (TikTok's envelope answers a business error with
HTTP 200 too) sends it in the `RESULT_CODE_HEADER`, so the ledger can tell a success from a refusal.
"""

from __future__ import annotations

import asyncio
import fnmatch
import random
import threading
import time
from collections.abc import Callable
from typing import Literal

from fastapi import APIRouter, FastAPI, Request, Response
from pydantic import BaseModel, Field
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

FaultKind = Literal["5xx", "429", "timeout"]
ErrorRenderer = Callable[[FaultKind], Response]
RESULT_CODE_HEADER = "x-emulator-result-code"


class FaultRule(BaseModel):
    """Which requests to disturb, and how."""

    path: str = Field(default="*", description="fnmatch pattern on the request path")
    method: str | None = Field(default=None, description="only this HTTP method, if set")
    error_rate: float = Field(default=0.0, ge=0, le=1, description="share answered with an error instead")
    kinds: list[FaultKind] = Field(default_factory=lambda: list[FaultKind](["5xx"]))
    latency_ms: int = Field(default=0, ge=0, description="added to every matching request")
    after_commit: Literal["timeout", "5xx"] | None = Field(
        default=None, description="do the work, then answer with this instead of the result"
    )
    after_commit_rate: float = Field(default=0.0, ge=0, le=1)
    after_commit_latency_ms: int = Field(
        default=0, ge=0, description="hold every matching response this long once the work is committed"
    )
    times: int | None = Field(default=None, ge=0, description="fire at most this many times, then stop")

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(path, self.path)


class LedgerEntry(BaseModel):
    at: float = Field(description="when the answer left")
    received: float = Field(description="when it reached the handlers (after any injected latency)")
    method: str
    path: str
    route: str | None = Field(
        default=None, description="the path template the request matched, as rate limits count calls"
    )
    query: str
    status: int
    code: int | None = Field(
        default=None,
        description="the emulator's own result code for the work, if it has one (0: done), even when an "
        "after_commit fault then lost the answer",
    )
    fault: str | None = None


class FaultInjector:
    """Holds the active rules and the ledger; safe to use from the server thread and admin calls."""

    def __init__(self, seed: int | None = None, hang_seconds: float = 30.0) -> None:
        self._rules: list[FaultRule] = []
        self._fired: dict[int, int] = {}
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.hang_seconds = hang_seconds
        self.ledger: list[LedgerEntry] = []

    def set_rules(self, rules: list[FaultRule]) -> None:
        with self._lock:
            self._rules = list(rules)
            self._fired = {}

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def _draw(self, method: str, path: str, rate_of: Callable[[FaultRule], float]) -> FaultRule | None:
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not rule.matches(method, path):
                    continue
                if rule.times is not None and self._fired.get(index, 0) >= rule.times:
                    continue
                rate = rate_of(rule)
                if rate and self._random.random() < rate:
                    self._fired[index] = self._fired.get(index, 0) + 1
                    return rule
            return None

    def latency(self, method: str, path: str) -> float:
        """Seconds to wait before answering."""
        return self._total_ms(method, path, lambda r: r.latency_ms) / 1000

    def after_commit_latency(self, method: str, path: str) -> float:
        """Seconds to hold a response once its work is committed."""
        return self._total_ms(method, path, lambda r: r.after_commit_latency_ms) / 1000

    def _total_ms(self, method: str, path: str, ms_of: Callable[[FaultRule], int]) -> int:
        with self._lock:
            return sum(ms_of(r) for r in self._rules if r.matches(method, path))

    def draw_error(self, method: str, path: str) -> FaultKind | None:
        rule = self._draw(method, path, lambda r: r.error_rate)
        return self._random.choice(rule.kinds) if rule else None

    def draw_after_commit(self, method: str, path: str) -> Literal["timeout", "5xx"] | None:
        rule = self._draw(method, path, lambda r: r.after_commit_rate if r.after_commit else 0.0)
        return rule.after_commit if rule else None

    def record(self, entry: LedgerEntry) -> None:
        with self._lock:
            self.ledger.append(entry)


class FaultMiddleware(BaseHTTPMiddleware):
    """Adds latency, answers injected errors, and holds or loses responses after the work is committed."""

    def __init__(self, app: object, injector: FaultInjector, render_error: ErrorRenderer) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.injector = injector
        self.render_error = render_error

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        method, path = request.method, request.url.path
        if path.startswith("/_admin"):
            return await call_next(request)
        fault: str | None = None
        delay = self.injector.latency(method, path)
        if delay:
            await asyncio.sleep(delay)
        received = time.time()
        kind = self.injector.draw_error(method, path)
        if kind is not None:
            fault = kind
            response = await self._fail(kind)
            code = response.headers.get(RESULT_CODE_HEADER)
        else:
            response = await call_next(request)
            code = response.headers.get(RESULT_CODE_HEADER)
            # A refusal is no commit, even when answered HTTP 200 (TikTok's business errors are).
            committed = response.status_code < 400 and code in (None, "0")
            hold = self.injector.after_commit_latency(method, path) if committed else 0.0
            if hold:
                await asyncio.sleep(hold)
            lost = self.injector.draw_after_commit(method, path)
            if lost is not None and committed:
                fault = f"after_commit:{lost}"
                response = await self._fail(lost)
        self.injector.record(
            LedgerEntry(
                at=time.time(),
                received=received,
                method=method,
                path=path,
                route=getattr(request.scope.get("route"), "path", None),
                query=request.url.query,
                status=response.status_code,
                code=int(code) if code is not None else None,
                fault=fault,
            )
        )
        return response

    async def _fail(self, kind: FaultKind) -> Response:
        if kind == "timeout":
            # Hold the connection past any sane client timeout; the client sees a read timeout.
            await asyncio.sleep(self.injector.hang_seconds)
        return self.render_error(kind)


def install_faults(app: FastAPI, injector: FaultInjector, render_error: ErrorRenderer) -> None:
    """Wire fault injection and the shared `/_admin/faults` + `/_admin/ledger` endpoints into an emulator."""
    app.add_middleware(FaultMiddleware, injector=injector, render_error=render_error)
    router = APIRouter(prefix="/_admin", tags=["admin"])

    @router.put("/faults")
    def set_faults(rules: list[FaultRule]) -> list[FaultRule]:
        injector.set_rules(rules)
        return injector.rules()

    @router.get("/faults")
    def get_faults() -> list[FaultRule]:
        return injector.rules()

    @router.delete("/faults", status_code=204)
    def clear_faults() -> None:
        injector.set_rules([])

    @router.get("/ledger")
    def get_ledger(path: str = "*") -> list[LedgerEntry]:
        return [e for e in list(injector.ledger) if fnmatch.fnmatchcase(e.path, path)]

    app.include_router(router)
