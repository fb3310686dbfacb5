"""Login, checkpoint, logout and feed pages, and the sidebar people other pages show.

Profile pages live in pages_profile.py.
"""

from __future__ import annotations

import random
import secrets
from urllib.parse import parse_qs, unquote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from openoutreach.sandbox.population import Person
from openoutreach.sandbox.web import Page, add_cookie, current_session, login_redirect, sb
from openoutreach.sandbox.world import SESSION_LIFETIME


async def login_page(request: Request) -> Response:
    return Page(request, None).render("login.html", title="LinkedIn Login, Sign in")


async def login_submit(request: Request) -> Response:
    box = sb(request)
    # urlencoded by hand: starlette's form parser needs python-multipart, which a login form doesn't
    body = (await request.body()).decode("utf-8", "replace")
    form = {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}
    email = str(form.get("session_key", "")).strip().lower()
    password = str(form.get("session_password", ""))
    account = next((a for a in box.world.accounts.values() if a.email == email), None)
    page = Page(request, None)
    if account is None:
        return page.render(
            "login.html",
            title="LinkedIn Login",
            email=email,
            error_field="username",
            error="Couldn’t find a LinkedIn account associated with this email. Try again.",
        )
    request.state.account = account.handle
    if password != account.password or box.faults.roll("wrong_password_rate", account.handle):
        return page.render(
            "login.html",
            title="LinkedIn Login",
            email=email,
            error_field="password",
            error="Wrong email or password. Try again or create an account.",
        )
    if account.checkpoint or box.faults.roll("checkpoint_rate", account.handle):
        challenge = "AgH" + secrets.token_urlsafe(24)
        return RedirectResponse(
            f"/checkpoint/challenge/{challenge}?ut=0{secrets.token_hex(4)}", status_code=303
        )
    session = box.world.open_session(account.handle, request.headers.get("user-agent", ""))
    target = unquote(
        request.query_params.get("session_redirect", "") or str(form.get("session_redirect", ""))
    )
    if not target.startswith("/") or target.startswith("//"):
        target = "/feed/"
    response = RedirectResponse(target, status_code=303)
    add_cookie(response, "li_at", session.token, int(SESSION_LIFETIME / box.world.clock.speed) or 1, True)
    add_cookie(response, "JSESSIONID", session.jsessionid, None, False)
    add_cookie(response, "lang", '"v=2&lang=en-us"', None, False)
    return response


async def checkpoint(request: Request) -> Response:
    error = "That code didn’t work. Check the code and try again." if request.method == "POST" else None
    return Page(request, None).render(
        "checkpoint.html", title="Security Verification | LinkedIn", error=error
    )


async def logout(request: Request) -> Response:
    session = current_session(request)
    if session is not None:
        session.alive = False
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("li_at")
    return response


async def feed(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    page = Page(request, session)
    world = page.box.world
    world.advance()
    network = sorted(world.connections[session.account].items(), key=lambda kv: -kv[1])[:6]
    posts = [world.population.people[i] for i, _ in network]
    suggestions = others(page, seed=f"feed:{session.account}", count=3)
    return page.render("feed.html", title="Feed | LinkedIn", posts=posts, suggestions=suggestions)


def others(page: Page, seed: str, count: int, around: Person | None = None) -> list[tuple[Person, str]]:
    """Other people with their relation to the viewer, for sidebars; namesakes of `around` first."""
    world = page.box.world
    pop = world.population
    rng = secrets.SystemRandom() if around is None else random.Random(f"{pop.seed}:{seed}")
    picks = []
    if around is not None:
        same = [pop.people[i] for i in pop.by_name.get(around.full_name, ()) if i != around.index]
        picks.extend(same[:2])
    while len(picks) < count:
        other = pop.people[rng.randrange(pop.size)]
        if (
            other.index != page.me.index
            and other not in picks
            and (around is None or other.index != around.index)
        ):
            picks.append(other)
    return [(p, world.degree(page.account.handle, p)) for p in picks]


async def not_found(request: Request) -> Response:
    session = current_session(request)
    return Page(request, session).render("not_found.html", status=404, title="Page not found | LinkedIn")


async def home(request: Request) -> Response:
    return RedirectResponse("/feed/" if current_session(request) else "/login", status_code=303)


routes = [
    Route("/", home),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login_submit, methods=["POST"]),
    Route("/checkpoint/challenge/{token:path}", checkpoint, methods=["GET", "POST"]),
    Route("/m/logout/", logout),
    Route("/feed/", feed),
    Route("/404/", not_found),
]
