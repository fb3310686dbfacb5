"""People search, sent invitations, connections and messaging pages."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from openoutreach.sandbox.api import thread_id
from openoutreach.sandbox.web import Page, current_session, degree_label, login_redirect, sb

PAGE_SIZE = 10
MAX_RESULTS = 1000  # LinkedIn stops at 100 pages
CONNECTIONS_PER_PAGE = 40


def _page_number(request: Request) -> int:
    try:
        return max(1, int(request.query_params.get("page", "1")))
    except ValueError:
        return 1


def _ago(seconds: float) -> str:
    days = seconds / 86_400
    if days < 1:
        hours = max(1, int(seconds // 3600))
        return f"{hours} hour{'s' if hours > 1 else ''} ago"
    if days < 7:
        return f"{int(days)} day{'s' if days >= 2 else ''} ago"
    weeks = int(days // 7)
    return f"{weeks} week{'s' if weeks > 1 else ''} ago"


async def search(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    box = sb(request)
    world = box.world
    world.advance()
    page = Page(request, session)
    keywords = request.query_params.get("keywords", "").strip()
    number = _page_number(request)
    if box.faults.get("search_limit", session.account):
        return page.render(
            "search.html",
            title="Search | LinkedIn",
            keywords=keywords,
            limit_hit=True,
            results=[],
            total=0,
            number=number,
            pages=0,
        )
    exclude = {world.accounts[session.account].person}
    hits = world.population.search(keywords, exclude)[:MAX_RESULTS] if keywords else []
    pages = math.ceil(len(hits) / PAGE_SIZE)
    chunk = hits[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
    people = world.population.people
    results = [(people[i], world.degree(session.account, people[i])) for i in chunk]

    def link(n: int) -> str:
        return "/search/results/people/?" + urlencode(
            {
                "keywords": keywords,
                "origin": request.query_params.get("origin", "GLOBAL_SEARCH_HEADER"),
                "page": n,
            }
        )

    return page.render(
        "search.html",
        title=f"{keywords} | Search | LinkedIn",
        keywords=keywords,
        limit_hit=False,
        results=results,
        total=len(hits),
        number=number,
        pages=pages,
        link=link,
        degree_label=degree_label,
    )


async def invitations_sent(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    world = sb(request).world
    world.advance()
    now = world.clock.now()
    pending = [
        (world.population.people[inv.person], _ago(now - inv.sent_at))
        for inv in reversed(world.invitations)
        if inv.account == session.account and inv.status == "pending"
    ]
    return Page(request, session).render(
        "invitations_sent.html", title="Sent invitations | LinkedIn", pending=pending
    )


async def connections(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    world = sb(request).world
    world.advance()
    now = world.clock.now()
    ordered = sorted(world.connections[session.account].items(), key=lambda kv: -kv[1])
    number = _page_number(request)
    pages = max(1, math.ceil(len(ordered) / CONNECTIONS_PER_PAGE))
    chunk = ordered[(number - 1) * CONNECTIONS_PER_PAGE : number * CONNECTIONS_PER_PAGE]
    rows = [(world.population.people[i], _ago(now - since)) for i, since in chunk]
    return Page(request, session).render(
        "connections.html",
        title="Connections | LinkedIn",
        rows=rows,
        total=len(ordered),
        number=number,
        pages=pages,
    )


async def messaging(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    world = sb(request).world
    world.advance()
    last: dict[int, object] = {}
    for msg in world.messages:
        if msg.account == session.account:
            last[msg.person] = msg
    threads = sorted(last.values(), key=lambda m: -m.at)
    rows = [
        (world.population.people[m.person], m, thread_id(world.population.people[m.person])) for m in threads
    ]
    return Page(request, session).render("messaging.html", title="Messaging | LinkedIn", rows=rows)


async def thread(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    box = sb(request)
    world = box.world
    world.advance()
    ident = request.path_params["thread_id"]
    index = world.population.by_profile_id.get(ident.removeprefix("2-"))
    if index is None or not world.thread(session.account, index):
        return RedirectResponse("/messaging/", status_code=303)
    person = world.population.people[index]
    me = world.population.people[world.accounts[session.account].person]
    return Page(request, session).render(
        "thread.html",
        title=f"{person.full_name} | Messaging | LinkedIn",
        person=person,
        me_person=me,
        messages=world.thread(session.account, index),
        connected=index in world.connections[session.account],
        thread_id=thread_id(person),
        changed=bool(box.faults.get("thread_markup_changed", session.account)),
        iso=lambda at: datetime.fromtimestamp(at, UTC).isoformat(timespec="seconds"),
        hhmm=lambda at: datetime.fromtimestamp(at, UTC).strftime("%H:%M"),
    )


async def new_thread(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    return Page(request, session).render("new_thread.html", title="New message | LinkedIn")


routes = [
    Route("/search/results/people/", search),
    Route("/mynetwork/invitation-manager/sent/", invitations_sent),
    Route("/mynetwork/invite-connect/connections/", connections),
    Route("/messaging/", messaging),
    Route("/messaging/thread/new/", new_thread),
    Route("/messaging/thread/{thread_id}/", thread),
]
