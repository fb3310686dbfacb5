"""Control API under /_sandbox/ for tests and the demo (loopback clients only).

GET  /_sandbox/health                      ready check: people, scenario, whether the LLM is mounted
POST /_sandbox/reset                       {"scenario": optional} back to the initial world
GET  /_sandbox/faults                      current faults and the list of known ones
POST /_sandbox/faults                      {"account": null|"alice", "<fault>": value, ...}
DELETE /_sandbox/faults[?account=alice]    clear (all, or one account's)
GET|POST /_sandbox/clock                   {"speed": x} and/or {"advance_seconds": s}
GET  /_sandbox/snapshot                    who invited/messaged whom, from which account, when; acceptances,
                                           replies, connections, LLM stats, bot signals, faults
GET  /_sandbox/accounts                    accounts (no passwords) with their limits and counters
POST /_sandbox/accounts/{handle}           {"weekly_limit", "working_hours", "timezone", "*_norm", "checkpoint"}
GET  /_sandbox/people?offset=&limit=       ground truth of many people (compact)
GET  /_sandbox/people/{public_id}          ground truth of one person (fit per scenario, propensities, variants)
GET  /_sandbox/requests[?account=alice]    request log with timings (account omitted: every account)
GET  /_sandbox/bot-signals                 bot signals so far
POST /_sandbox/messages/reply              a person replies now; /_sandbox/messages/by-hand: the operator types
                                           a message on LinkedIn (see sandbox/messaging.py)
GET  /_sandbox/proxies                     requests per (account, proxy that forwarded them; null = none)
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import asdict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from openoutreach.sandbox import messaging, scenarios
from openoutreach.sandbox.faults import LLM_FAULTS, FaultError
from openoutreach.sandbox.signals import PROXY_HEADER
from openoutreach.sandbox.voyager import quirks
from openoutreach.sandbox.voyager_graphql import DEFAULT_SHARE, served_as_graphql, top_card
from openoutreach.sandbox.web import Sandbox, json_error, sb
from openoutreach.sandbox.world import World


def is_loopback(request: Request) -> bool:
    """True for a client on a loopback address (127.0.0.0/8, ::1, ::ffff:127.x), or Starlette's
    TestClient. Parsed as an address, never matched by prefix: `::1a:2b` or `127.example` is not local."""
    host = request.client.host if request.client else ""
    if host == "testclient":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


async def _json(request: Request) -> dict:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def _guard(handler):
    async def wrapped(request: Request) -> Response:
        if not is_loopback(request):
            return json_error(403, "The control API only answers loopback clients.")
        try:
            return await handler(request, sb(request))
        except (ValueError, FaultError, scenarios.ScenarioError) as exc:
            return json_error(400, str(exc))

    return wrapped


async def health(request: Request, box: Sandbox) -> Response:
    return JSONResponse(
        {
            "ok": True,
            "people": box.world.population.size,
            "seed": box.world.population.seed,
            "scenario": box.world.scenario.name,
            "llm": box.llm is not None,
            "llm_missing": box.llm_missing,
            "voyager_graphql_share": box.voyager_graphql_share,
            "voyager_graphql_query_id": box.voyager_graphql_query_id,
        }
    )


async def reset(request: Request, box: Sandbox) -> Response:
    data = await _json(request)
    if data.get("scenario"):
        box.world.scenario = scenarios.load(data["scenario"])
    box.world.clock.restart(box.initial_clock_speed)
    box.world.reset_state()
    box.faults.clear()
    box.signals.clear()
    box.log.clear()
    if box.llm is not None:
        box.llm.reset()
        box.llm.set_faults()
    return JSONResponse({"ok": True, "scenario": box.world.scenario.name})


async def faults(request: Request, box: Sandbox) -> Response:
    if request.method == "DELETE":
        account = request.query_params.get("account")
        box.faults.clear(account)
    elif request.method == "POST":
        data = await _json(request)
        account = data.pop("account", None)
        if account is not None and account not in box.world.accounts:
            raise ValueError(f"unknown account {account!r}")
        if account is not None and any(k in LLM_FAULTS for k in data):
            raise ValueError("LLM faults are global: the LLM has no account")
        box.faults.set(account, **data)
    if box.llm is not None and request.method != "GET":
        box.llm.set_faults(**{arg: box.faults.get(name) for name, arg in LLM_FAULTS.items()})
    return JSONResponse(box.faults.describe())


async def clock(request: Request, box: Sandbox) -> Response:
    if request.method == "POST":
        data = await _json(request)
        if "speed" in data:
            box.world.clock.set_speed(float(data["speed"]))
        if "advance_seconds" in data:
            box.world.clock.advance(float(data["advance_seconds"]))
        box.world.advance()
    return JSONResponse({"now": box.world.clock.now(), "speed": box.world.clock.speed})


def _account_info(world: World, handle: str) -> dict:
    acc = world.accounts[handle]
    me = world.population.people[acc.person]
    return {
        **acc.public(),
        "public_id": me.public_id,
        "profile_urn": me.urn,
        "full_name": me.full_name,
        "connections": len(world.connections[handle]),
        "invitations_this_week": world.invitations_this_week(handle),
        "weekly_limit_reached": world.weekly_limit_reached(handle),
    }


async def accounts(request: Request, box: Sandbox) -> Response:
    box.world.advance()
    return JSONResponse([_account_info(box.world, h) for h in box.world.accounts])


async def account_update(request: Request, box: Sandbox) -> Response:
    handle = request.path_params["handle"]
    acc = box.world.accounts.get(handle)
    if acc is None:
        return json_error(404, f"unknown account {handle!r}")
    data = await _json(request)
    ints = (
        "weekly_limit",
        "daily_invite_norm",
        "weekly_invite_norm",
        "daily_message_norm",
        "daily_profile_view_norm",
    )
    for key, value in data.items():
        if key in ints:
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"{key} must be a non-negative integer")
            setattr(acc, key, value)
        elif key == "working_hours":
            start, end = value
            if not (0 <= int(start) < int(end) <= 24):
                raise ValueError("working_hours must be [start, end) hours with 0 <= start < end <= 24")
            acc.working_hours = (int(start), int(end))
        elif key == "timezone":
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError(f"unknown time zone {value!r}") from exc
            acc.timezone = value
        elif key == "checkpoint":
            acc.checkpoint = bool(value)
        else:
            raise ValueError(f"unknown account setting {key!r}")
    return JSONResponse(_account_info(box.world, handle))


def person_truth(world: World, public_id: str, graphql_share: float = DEFAULT_SHARE) -> dict | None:
    pop = world.population
    p = pop.get(public_id)
    if p is None:
        return None
    company = pop.company_of(p)
    all_scenarios = scenarios.load_all()
    return {
        "public_id": p.public_id,
        "profile_id": p.profile_id,
        "urn": p.urn,
        "member_id": p.member_id,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "full_name": p.full_name,
        "headline": p.headline,
        "title": p.title,
        "role": p.role,
        "seniority": p.seniority,
        "company": {
            "name": company.name,
            "industry": company.industry,
            "size": company.size,
            "id": company.company_id,
        },
        "country": p.country,
        "location": pop.location_name(p),
        "fit": pop.fits(p, world.scenario),
        "fits": {name: pop.fits(p, s) for name, s in all_scenarios.items()},
        "accept_prob": p.accept_prob,
        "accept_median_hours": p.accept_median_hours,
        "reply_prob": p.reply_prob,
        "markup": p.markup,
        "legacy_flavor": p.legacy_flavor,
        "connect_style": p.connect_style,
        "modal_variant": p.modal_variant,
        "private": p.private,
        "injection": p.injection,
        "is_account": p.index >= pop.size,
        "namesake_of": pop.people[p.namesake_of].public_id if p.namesake_of is not None else None,
        "voyager": {
            **asdict(quirks(pop, p)),
            "graphql": served_as_graphql(pop, p, graphql_share),  # the REST path answers in GraphQL shape
            "graphql_top_card": top_card(pop, p),  # its GraphQL answer is the top-card variant
        },
        "relations": {h: world.degree(h, p) for h in world.accounts},
    }


async def person(request: Request, box: Sandbox) -> Response:
    box.world.advance()
    truth = person_truth(box.world, request.path_params["public_id"], box.voyager_graphql_share)
    if truth is None:
        return json_error(404, f"no person {request.path_params['public_id']!r}")
    return JSONResponse(truth)


async def people(request: Request, box: Sandbox) -> Response:
    offset = int(request.query_params.get("offset", 0))
    limit = min(int(request.query_params.get("limit", 1000)), 5000)
    pop = box.world.population
    share = box.voyager_graphql_share
    rows = [person_truth(box.world, p.public_id, share) for p in pop.people[offset : offset + limit]]
    return JSONResponse({"total": len(pop.people), "offset": offset, "people": rows})


def snapshot_data(box: Sandbox) -> dict:
    world = box.world
    world.advance()
    pub = lambda i: world.population.people[i].public_id  # noqa: E731
    invitations = [
        {**asdict(inv), "person": pub(inv.person), "name": world.population.people[inv.person].full_name}
        for inv in world.invitations
    ]
    for inv in invitations:  # the decision is hidden until it happens
        if inv["status"] == "pending":
            inv.pop("will_accept"), inv.pop("decide_at")
    messages = [{**asdict(m), "person": pub(m.person)} for m in world.messages]
    return {
        "clock": {"now": world.clock.now(), "speed": world.clock.speed},
        "scenario": world.scenario.name,
        "accounts": [_account_info(world, h) for h in world.accounts],
        "invitations": invitations,
        "acceptances": [i for i in invitations if i["status"] == "accepted"],
        "messages": messages,
        "replies": [m for m in messages if m["sender"] == "member"],
        "connections": {h: {pub(i): since for i, since in c.items()} for h, c in world.connections.items()},
        "sessions": [
            {
                "account": s.account,
                "alive": s.alive,
                "user_agent": s.user_agent,
                "created_real": s.created_real,
            }
            for s in world.sessions.values()
        ],
        "llm": box.llm.stats() if box.llm is not None else {"mounted": False, "reason": box.llm_missing},
        "bot_signals": box.signals.summary(),
        "faults": {"global": box.faults.global_, "accounts": box.faults.per_account},
    }


async def snapshot(request: Request, box: Sandbox) -> Response:
    return JSONResponse(snapshot_data(box))


async def requests_log(request: Request, box: Sandbox) -> Response:
    account = request.query_params.get("account")
    entries = box.log.get(account) if account else box.log.get(all_accounts=True)
    return JSONResponse({"account": account, "entries": entries})


async def proxies(request: Request, box: Sandbox) -> Response:
    return JSONResponse({"header": PROXY_HEADER, "counts": box.log.proxies()})


async def bot_signals(request: Request, box: Sandbox) -> Response:
    return JSONResponse(box.signals.summary())


routes = [
    Route("/_sandbox/health", _guard(health)),
    Route("/_sandbox/reset", _guard(reset), methods=["POST"]),
    Route("/_sandbox/faults", _guard(faults), methods=["GET", "POST", "DELETE"]),
    Route("/_sandbox/clock", _guard(clock), methods=["GET", "POST"]),
    Route("/_sandbox/snapshot", _guard(snapshot)),
    Route("/_sandbox/accounts", _guard(accounts)),
    Route("/_sandbox/accounts/{handle}", _guard(account_update), methods=["POST"]),
    Route("/_sandbox/people", _guard(people)),
    Route("/_sandbox/people/{public_id}", _guard(person)),
    Route("/_sandbox/requests", _guard(requests_log)),
    Route("/_sandbox/bot-signals", _guard(bot_signals)),
    *messaging.routes(_guard),
    Route("/_sandbox/proxies", _guard(proxies)),
]
