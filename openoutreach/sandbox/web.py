"""Shared web plumbing: the runtime object every handler reaches, sessions from cookies, rendering.

Handlers are all `async def` so they run on the event loop one at a time and the World needs no locks.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from openoutreach.sandbox import pools
from openoutreach.sandbox.faults import Faults
from openoutreach.sandbox.population import Person
from openoutreach.sandbox.signals import BotSignals, RequestLog
from openoutreach.sandbox.world import Session, World

TEMPLATES = Path(__file__).with_name("templates")


@dataclass
class Sandbox:
    """Everything the handlers share; one per server process."""

    world: World
    faults: Faults
    signals: BotSignals
    log: RequestLog
    initial_clock_speed: float
    voyager_graphql_share: float = 0.3  # share of people the REST path answers in the GraphQL shape
    voyager_graphql_query_id: str = ""  # the current voyagerIdentityDashProfiles.<hash>; others are stale
    llm: Any = None  # LLMStandIn when openoutreach.sandbox.llm is importable
    llm_missing: str | None = None
    jinja: Environment = field(
        default_factory=lambda: Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )
    )

    def __post_init__(self) -> None:
        self.jinja.filters["urlpath"] = lambda s: quote(s, safe="")


def sb(request: Request) -> Sandbox:
    return request.app.state.sandbox


def current_session(request: Request) -> Session | None:
    """The live session behind the request's li_at cookie; the session-expiry fault can kill it."""
    box = sb(request)
    session = box.world.session_for(request.cookies.get("li_at"))
    if session is not None and box.faults.roll("session_expired_rate", session.account):
        session.alive = False
        return None
    if session is not None:
        request.state.account = session.account
        request.state.session = session.token
    return session


def csrf_ok(request: Request, session: Session) -> bool:
    """`csrf-token` must equal the JSESSIONID cookie with its quotes stripped, as on LinkedIn."""
    token = request.headers.get("csrf-token", "")
    cookie = request.cookies.get("JSESSIONID", "").strip('"')
    return bool(token) and token == cookie == session.jsessionid.strip('"')


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?session_redirect={quote(target, safe='')}", status_code=303)


def json_error(status: int, message: str, code: str | None = None) -> JSONResponse:
    return JSONResponse({"status": status, "message": message, "code": code}, status_code=status)


class Page:
    """Rendering context for one page: the controls app.js acts on, keyed by an ember-like element id
    (2022 and older markup) or by a random-UUID `componentkey` (2026), and the config handed to app.js."""

    def __init__(self, request: Request, session: Session | None) -> None:
        self.request = request
        self.box = sb(request)
        self.session = session
        self.account = self.box.world.accounts[session.account] if session else None
        self.me = self.box.world.population.people[self.account.person] if self.account else None
        self.controls: dict[str, dict] = {}
        self.extra_config: dict[str, Any] = {}
        # the connect modal a page's Connect controls open: per person, unless a fault forces one
        self.modal_override = self.box.faults.get("modal_variant", session.account if session else None)
        self._ember = 100 + secrets.randbelow(800)
        self._rng = secrets.SystemRandom()

    def ctl(self, kind: str, person: Person | None = None, suffix: str = "", **extra: Any) -> str:
        """Register an actionable control; app.js finds what it does by the element id alone, so
        the markup carries no sandbox-only attributes a selector could lean on."""
        self._ember += 1 + self._rng.randrange(7)
        ident = f"ember{self._ember}{suffix}"
        self._register(ident, kind, person, extra)
        return ident

    def key(self, kind: str | None = None, person: Person | None = None, **extra: Any) -> str:
        """A random-UUID `componentkey`, as 2026 pages put on every button and link; with a `kind`
        it also registers the element as a control app.js acts on (like `ctl`, keyed by the UUID)."""
        ident = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
        if kind is not None:
            self._register(ident, kind, person, extra)
        return ident

    def _register(self, ident: str, kind: str, person: Person | None, extra: dict) -> None:
        entry = {"kind": kind, **extra}
        if person is not None:
            modal = person.modal_variant if self.modal_override is None else self.modal_override
            entry.update(urn=person.urn, name=person.full_name, first=person.first_name, modal=modal)
        self.controls[ident] = entry

    def h(self, n: int = 2) -> str:
        """Hashed, meaningless class names (2026 markup), with and without a leading underscore; new on
        every request."""
        return " ".join(
            self._rng.choice(("_", "")) + self._rng.choice("abcdef") + secrets.token_hex(4)[1:]
            for _ in range(n)
        )

    def location(self, person: Person) -> str:
        return self.box.world.population.location_name(person)

    def country(self, person: Person) -> str:
        return pools.COUNTRIES[person.country][0]

    def render(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        world = self.box.world
        config = {
            "controls": self.controls,
            "limitReached": bool(self.account and world.weekly_limit_reached(self.account.handle)),
            "me": self.me.urn if self.me else None,
            **self.extra_config,
        }
        context.setdefault("title", "LinkedIn")
        html = self.box.jinja.get_template(template).render(
            page=self, me=self.me, account=self.account, config=config, **context
        )
        # control ids registered while rendering are only known now: patch the config in
        html = html.replace("__SANDBOX_CONFIG__", _json_for_script(config))
        return HTMLResponse(html, status_code=status)


def _json_for_script(data: dict) -> str:
    import json

    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def degree_label(relation: str) -> str:
    """The degree badge text of 2022-era pages and search results ("3rd+")."""
    return {
        "connected": "1st",
        "DISTANCE_2": "2nd",
        "DISTANCE_3": "3rd+",
        "pending": "2nd",
        "OUT_OF_NETWORK": "",
        "self": "",
    }.get(relation, "")


def add_cookie(response: Response, name: str, value: str, max_age: int | None, http_only: bool) -> None:
    """Set-Cookie written by hand: JSESSIONID keeps its literal double quotes, as LinkedIn sends it."""
    parts = [f"{name}={value}", "Path=/", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if http_only:
        parts.append("HttpOnly")
    response.headers.append("set-cookie", "; ".join(parts))
