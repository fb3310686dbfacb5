"""Voyager-style JSON endpoints: the profiles API the product reads (REST and GraphQL paths), the action APIs the pages'
own scripts call when a member clicks Connect, Withdraw or Send (so an invitation exists only when
the right control for the right person was clicked), plus the messaging typeahead and telemetry.

Every endpoint wants the li_at session cookie (401 without a live one) and a `csrf-token` header equal
to JSESSIONID without its quotes (403 otherwise), except telemetry, which pages send as a beacon.
"""

from __future__ import annotations

import asyncio
import json
import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from openoutreach.sandbox.population import Person
from openoutreach.sandbox.voyager import profile_json
from openoutreach.sandbox.voyager_graphql import graphql_json, served_as_graphql
from openoutreach.sandbox.web import Sandbox, csrf_ok, current_session, json_error, sb
from openoutreach.sandbox.world import ActionError, Session

NORMALIZED = "application/vnd.linkedin.normalized+json+2.1"
DECORATION_PREFIX = "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities"


def _auth(request: Request) -> tuple[Session | None, Response | None]:
    session = current_session(request)
    if session is None:
        return None, json_error(401, "Unauthorized: the session is missing or expired.")
    if not csrf_ok(request, session):
        return None, json_error(403, "CSRF check failed.")
    return session, None


async def voyager_profile(request: Request) -> Response:
    """The REST profile endpoint; answers in the GraphQL shape for a share of people, and 410 Gone for
    an account whose `voyager_rest_gone` fault is on (LinkedIn retiring the endpoint)."""
    box = sb(request)
    session, error = _auth(request)
    if error is not None:
        return error
    params = request.query_params
    if params.get("q") != "memberIdentity" or not params.get("memberIdentity"):
        return json_error(400, "Expected q=memberIdentity&memberIdentity=<public id>.")
    decoration = params.get("decorationId", DECORATION_PREFIX)
    if not decoration.startswith(DECORATION_PREFIX):
        return json_error(400, f"Unknown decorationId {decoration!r}.")
    if box.faults.get("voyager_rest_gone", session.account):
        return json_error(410, "Gone: this endpoint is no longer available.")
    return _profile(box, session, params["memberIdentity"], graphql=None)


# (vanityName:<public id>) or (memberIdentity:<profile id>); the id arrives percent-decoded
_VARIABLES = re.compile(r"\((vanityName|memberIdentity):(.+)\)", re.DOTALL)


async def voyager_graphql(request: Request) -> Response:
    """`/voyager/api/graphql?variables=(vanityName:<id>)&queryId=voyagerIdentityDashProfiles.<hash>`.

    A stale or unknown query id: the surface doc does not say what LinkedIn answers then. The sandbox's
    ASSUMPTION is a 400 with a `{"status": 400, ...}` body, the way Voyager refuses other requests it
    cannot serve; a client must treat any such refusal as "the query id needs refreshing".
    """
    box = sb(request)
    session, error = _auth(request)
    if error is not None:
        return error
    params = request.query_params
    query_id = params.get("queryId", "")
    if query_id != box.voyager_graphql_query_id:
        return json_error(400, f"Unknown or outdated queryId {query_id!r}.", "stale_query_id")
    match = _VARIABLES.fullmatch(params.get("variables", ""))
    if match is None:
        return json_error(
            400, "Expected variables=(vanityName:<public id>) or (memberIdentity:<profile id>)."
        )
    kind, ident = match.groups()
    if kind == "memberIdentity":
        ident = ident.removeprefix("urn:li:fsd_profile:")
        if ident not in box.world.population.by_profile_id:
            return json_error(404, f"No member {ident!r}.")
    elif box.world.population.get(ident) is None:
        return json_error(404, f"No member {ident!r}.")
    return _profile(box, session, ident, graphql=True)


def _profile(box: Sandbox, session: Session, ident: str, graphql: bool | None) -> Response:
    """One member's profile as `session`'s account sees it; `graphql` None = the person's own shape."""
    handle = session.account
    for fault, status in (("voyager_999_rate", 999), ("voyager_429_rate", 429), ("voyager_500_rate", 500)):
        if box.faults.roll(fault, handle):
            return json_error(status, "Request denied" if status != 500 else "Internal error")
    world = box.world
    world.advance()
    me = world.population.people[world.accounts[handle].person]
    if ident == "me":
        person = me
    else:
        person = world.population.get(ident)
        if person is None and ident in world.population.by_profile_id:
            person = world.population.people[world.population.by_profile_id[ident]]
    if person is None:
        return json_error(404, f"No member {ident!r}.")
    if person.private:
        return json_error(403, "This profile is not accessible.")
    box.signals.profile_view(handle, session.token)
    if graphql is None:
        graphql = served_as_graphql(world.population, person, box.voyager_graphql_share)
    invitation = world.pending_invitation(handle, person.index)
    build = graphql_json if graphql else profile_json
    body = build(
        world.population,
        person,
        me,
        world.degree(handle, person),
        world.distance(handle, person),
        invitation.id if invitation else None,
    )
    return Response(json.dumps(body), media_type=NORMALIZED)


async def _body(request: Request) -> dict:
    try:
        data = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ActionError("bad_json", f"Request body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ActionError("bad_json", "Request body must be a JSON object.")
    return data


def _person_from_urn(request: Request, urn: object) -> Person:
    world = sb(request).world
    prefix = "urn:li:fsd_profile:"
    if not isinstance(urn, str) or not urn.startswith(prefix):
        raise ActionError("bad_urn", f"Expected a {prefix}<id> URN, got {urn!r}.")
    index = world.population.by_profile_id.get(urn[len(prefix) :])
    if index is None:
        raise ActionError("unknown_member", f"No member {urn!r}.", 404)
    return world.population.people[index]


async def _action(request: Request, kind: str, fault: str | None, run) -> Response:
    box = sb(request)
    session, error = _auth(request)
    if error is not None:
        return error
    try:
        data = await _body(request)
        if fault and box.faults.roll(fault, session.account):
            raise ActionError("server_error", "Something went wrong. Please try again.", 500)
        result = run(session.account, data)
    except ActionError as exc:
        return json_error(exc.status, str(exc), exc.code)
    box.signals.action(session.account, session.token, kind)
    # Faults after delivery: the action happened, the answer misleads.
    if kind in ("invite", "message", "withdraw"):
        if hang := box.faults.get("after_delivery_seconds", session.account):
            await asyncio.sleep(hang)
        if box.faults.roll("deliver_then_fail_rate", session.account):
            return json_error(500, "Something went wrong. Please try again.", "server_error")
    return JSONResponse(result, status_code=201 if kind != "withdraw" else 200)


async def invite(request: Request) -> Response:
    world = sb(request).world

    def run(handle: str, data: dict) -> dict:
        invitee = (data.get("invitee") or {}).get("inviteeUnion", {}).get("memberProfile")
        note = data.get("customMessage")
        if note is not None and (not isinstance(note, str) or len(note) > 300):
            raise ActionError("bad_note", "A note is text of at most 300 characters.")
        inv = world.invite(handle, _person_from_urn(request, invitee), note or None)
        return {"value": {"invitationUrn": f"urn:li:fsd_invitation:{7_000_000 + inv.id}"}}

    return await _action(request, "invite", "connect_error_rate", run)


async def withdraw(request: Request) -> Response:
    world = sb(request).world

    def run(handle: str, data: dict) -> dict:
        inv = world.withdraw(handle, _person_from_urn(request, data.get("invitee")))
        return {"value": {"withdrawn": f"urn:li:fsd_invitation:{7_000_000 + inv.id}"}}

    return await _action(request, "withdraw", None, run)


async def send_message(request: Request) -> Response:
    world = sb(request).world

    def run(handle: str, data: dict) -> dict:
        text = data.get("text")
        if not isinstance(text, str):
            raise ActionError("bad_text", "Message text is missing.")
        person = _person_from_urn(request, data.get("recipient"))
        msg = world.send_message(handle, person, text)
        return {"value": {"messageId": msg.id, "threadId": thread_id(person)}}

    return await _action(request, "message", "message_error_rate", run)


def thread_id(person: Person) -> str:
    return f"2-{person.profile_id}"


async def typeahead(request: Request) -> Response:
    """Connections whose name words start with the typed words; oldest connections first, so with
    namesakes in the network the first row is often not the person you mean."""
    session, error = _auth(request)
    if error is not None:
        return error
    world = sb(request).world
    world.advance()
    words = request.query_params.get("q", "").lower().split()
    if not words:
        return JSONResponse({"elements": []})
    hits = []
    for index, since in world.connections[session.account].items():
        person = world.population.people[index]
        names = person.full_name.lower().split()
        if all(any(n.startswith(w) for n in names) for w in words):
            hits.append((since, person))
    hits.sort(key=lambda h: h[0])
    return JSONResponse(
        {"elements": [{"urn": p.urn, "name": p.full_name, "headline": p.headline} for _, p in hits[:10]]}
    )


async def telemetry(request: Request) -> Response:
    box = sb(request)
    session = box.world.session_for(request.cookies.get("li_at"))
    if session is not None:
        request.state.account = session.account
    try:
        data = json.loads(await request.body() or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return json_error(400, "telemetry must be JSON")
    if isinstance(data, dict):
        box.signals.telemetry(session.account if session else None, session.token if session else None, data)
    return Response(status_code=204)


routes = [
    Route("/voyager/api/identity/dash/profiles", voyager_profile),
    Route("/voyager/api/graphql", voyager_graphql),
    Route("/voyager/api/voyagerRelationshipsDashMemberRelationships", invite, methods=["POST"]),
    Route("/voyager/api/voyagerRelationshipsDashInvitations", withdraw, methods=["POST"]),
    Route("/voyager/api/voyagerMessagingDashMessengerMessages", send_message, methods=["POST"]),
    Route("/voyager/api/voyagerMessagingDashTypeahead", typeahead),
    Route("/li/track", telemetry, methods=["POST"]),
]
