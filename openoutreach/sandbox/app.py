"""Builds the sandbox's ASGI app: pages, Voyager APIs, the control API and the LLM stand-in.

Starlette + uvicorn: small, well-kept ASGI pieces with no ORM or settings of their own, fast enough to
serve thousands of pages and Voyager calls per second from one process on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from openoutreach.sandbox import api, control, pages_member, pages_network, pages_profile
from openoutreach.sandbox.faults import Faults
from openoutreach.sandbox.oracle import Oracle
from openoutreach.sandbox.population import Population
from openoutreach.sandbox.scenarios import load
from openoutreach.sandbox.signals import PROXY_HEADER, BotSignals, RequestLog
from openoutreach.sandbox.voyager_graphql import DEFAULT_QUERY_ID, DEFAULT_SHARE
from openoutreach.sandbox.web import Sandbox
from openoutreach.sandbox.world import World

STATIC = Path(__file__).with_name("static")


def build_sandbox(
    people: int = 500,
    seed: int = 7,
    scenario: str = "devops",
    clock_speed: float = 1.0,
    llm_noise: float = 0.0,
    markup_share: str | dict[str, float] | None = None,
    voyager_graphql_share: float = DEFAULT_SHARE,
    voyager_graphql_query_id: str = DEFAULT_QUERY_ID,
    accept_delay_scale: float = 1.0,
) -> Sandbox:
    """`markup_share`: which profile-page generation people get, e.g. "2026=0.6,2022=0.3,older=0.1"
    (population.parse_markup_share; the default serves 2026 most)."""
    population = Population.generate(people, seed, markup_share=markup_share)
    world = World.create(population, load(scenario), clock_speed)
    world.accept_delay_scale = accept_delay_scale
    box = Sandbox(
        world=world,
        faults=Faults(seed=seed),
        signals=BotSignals(world),
        log=RequestLog(),
        initial_clock_speed=clock_speed,
        voyager_graphql_share=voyager_graphql_share,
        voyager_graphql_query_id=voyager_graphql_query_id,
    )
    try:
        from openoutreach.sandbox.llm import LLMStandIn
    except ImportError as exc:  # the LLM stand-in is written separately; pages still work without it
        box.llm_missing = f"openoutreach.sandbox.llm not importable: {exc}"
    else:
        box.llm = LLMStandIn(Oracle(world), noise=llm_noise, seed=seed)
    return box


class Observe:
    """ASGI middleware: slow-page faults, the per-account request log, request-level bot signals."""

    def __init__(self, app, box: Sandbox) -> None:
        self.app, self.box = app, box

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_sandbox/"):
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith("/sandbox-static/"):  # assets: only which proxy they came through
            self._count_proxy(scope, None)
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 0}
        scope.setdefault("state", {})

        async def capture(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        request = Request(scope)
        session = self.box.world.session_for(request.cookies.get("li_at"))
        account = session.account if session else None
        seconds = self.box.faults.get("slow_seconds", account)
        if seconds and self.box.faults.roll("slow_rate", account):
            await asyncio.sleep(seconds)
        await self.app(scope, receive, capture)
        account = scope["state"].get("account", account)
        path = scope["path"]
        proxy = self._count_proxy(scope, account)
        is_page = not path.startswith(("/voyager/", "/li/"))
        if session is not None and path != "/li/track":
            self.box.signals.request(session.account, session.token, session.user_agent, is_page)
        self.box.log.add(
            account,
            {
                "method": scope["method"],
                "path": path,
                "query": scope.get("query_string", b"").decode("latin-1"),
                "status": status["code"],
                "ms": round((time.perf_counter() - start) * 1000, 2),
                "real_time": time.time(),
                "sandbox_time": self.box.world.clock.now(),
                "kind": "page" if is_page else "api",
                "session": session.token[:12] if session else None,
                "proxy": proxy,
            },
        )

    def _count_proxy(self, scope, account: str | None) -> str | None:
        """Count the request under the proxy that forwarded it (its header), or None; the LLM stand-in's
        callers (the ML worker) are not browser traffic and are not counted."""
        if scope["path"].startswith("/v1/"):
            return None
        proxy = _header(scope, PROXY_HEADER_BYTES)
        if account is None and scope["path"].startswith("/sandbox-static/"):
            session = self.box.world.session_for(Request(scope).cookies.get("li_at"))
            account = session.account if session else None
        self.box.log.count_proxy(account, proxy)
        return proxy


PROXY_HEADER_BYTES = PROXY_HEADER.lower().encode("latin-1")


def _header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def _missing(request: Request, exc: Exception) -> Response:
    return RedirectResponse("/404/", status_code=302)


def create_app(box: Sandbox) -> Starlette:
    routes = [
        *pages_member.routes,
        *pages_profile.routes,
        *pages_network.routes,
        *api.routes,
        *control.routes,
        Mount("/sandbox-static", StaticFiles(directory=STATIC), name="static"),
    ]
    if box.llm is not None:
        routes.extend(box.llm.routes())
    app = Starlette(routes=routes, exception_handlers={404: _missing})
    app.state.sandbox = box
    app.add_middleware(Observe, box=box)
    return app


__all__ = ["build_sandbox", "create_app", "Route"]
