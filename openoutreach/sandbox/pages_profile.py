"""Profile pages in LinkedIn's three markup generations, and the two pages their links lead to.

`/in/<id>/` is the page the product reads and acts on most, so it serves every generation the surface
doc describes (linkedin-surface.md, "Profile page"): 2026 server-driven UI, 2022 artdeco/Ember and
the 2018-era page, chosen per person (stable, shares set at start-up) or forced by the `markup` fault.
The 2026 page's Message and menu-Connect controls are links; app.js intercepts their clicks, and
`/messaging/compose/?profileUrn=` and `/preload/custom-invite/?vanityName=` serve the same flows when
those links are followed as links. Every action ends in the same World verbs whichever page started it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from openoutreach.sandbox import withdrawal
from openoutreach.sandbox.pages_member import others
from openoutreach.sandbox.population import Person, person_roll
from openoutreach.sandbox.voyager import profile_json
from openoutreach.sandbox.web import Page, current_session, degree_label, login_redirect, sb

TEMPLATES = {"2026": "profile_2026.html", "2022": "profile_2022.html", "older": "profile_older.html"}
# Share of 2026 pages that also carry badges for states the person is NOT in (7 of the 9 real pages).
ALTERNATE_BADGE_SHARE = 0.78
SIDEBAR_SIZES = (5, 6)


@dataclass(frozen=True)
class Badge:
    """One 2026 degree badge: `visible` False means it sits in the wrapper the stylesheet hides."""

    text: str
    visible: bool


def degree_2026(relation: str, distance: str) -> str:
    """2026 badge text ("3rd", not "3rd+"); a pending invitation keeps the person's distance."""
    if relation == "pending":
        relation = distance
    return {"connected": "1st", "DISTANCE_2": "2nd", "DISTANCE_3": "3rd"}.get(relation, "")


def badges_2026(true_label: str, with_alternates: bool) -> list[Badge]:
    """The person's badge, plus hidden "· 1st" and "· 2nd" on most pages; hidden ones come first in
    document order when they rank first, so "the first 1st in the card" is wrong for a 2nd."""
    badges = []
    for label in ("1st", "2nd", "3rd"):
        if label == true_label:
            badges.append(Badge(label, True))
        elif with_alternates and label != "3rd":
            badges.append(Badge(label, False))
    return badges


def card_controls(relation: str, style: str, missing_connect: bool, flip: bool) -> list[str]:
    """The 2026 top card's controls in page order (the order varies between people)."""
    if relation == "self":
        return ["edit_intro", "open_to", "add_section"]
    if relation == "connected":
        order = ["message", "more", "bell"]
    elif relation == "pending":
        order = ["message", "pending", "more"]
    elif style == "direct" and not missing_connect:
        order = ["connect", "message", "more"]
    else:
        order = ["follow", "message", "more"]
    if flip:
        order[0], order[1] = order[1], order[0]
    return order


def menu_items(relation: str, style: str, missing_connect: bool) -> list[str]:
    """The 2026 overflow menu's items in order (linkedin-surface.md, the not-yet-connected menu)."""
    items = ["send_profile"]
    if relation not in ("connected", "pending", "self") and not missing_connect:
        items.append("connect" if style == "overflow" else "follow")
    return [*items, "report", "verifications", "save_pdf"]


def sidebar_role(seed: int, person: Person, relation: str) -> str:
    """What a sidebar person's one control is: Message for connections, else Follow/Connect/Message."""
    if relation == "connected":
        return "message"
    if relation == "pending":
        return "pending"
    return ("follow", "connect", "message")[int(person_roll(seed, person.index, "sidebar") * 3)]


def mutual_line(page: Page, person: Person, relation: str) -> str | None:
    """The "A, B and N other mutual connections" line for 1st/2nd-degree people, from the network."""
    world = page.box.world
    if relation not in ("connected", "pending", "DISTANCE_2"):
        return None
    if relation == "pending" and world.distance(page.account.handle, person) != "DISTANCE_2":
        return None
    network = sorted(i for i in world.connections[page.account.handle] if i != person.index)
    if not network:
        return None
    rng = random.Random(f"{world.population.seed}:mutual:{page.account.handle}:{person.index}")
    names = [world.population.people[i].full_name for i in rng.sample(network, min(2, len(network)))]
    more = rng.randrange(0, 40)
    if more == 0:
        return " and ".join(names) + (
            " are mutual connections" if len(names) > 1 else " is a mutual connection"
        )
    return f"{', '.join(names)} and {more} other mutual connection{'s' if more > 1 else ''}"


def connections_count(seed: int, person: Person) -> str:
    n = 20 + int(person_roll(seed, person.index, "connections") * 1200)
    return "500+ connections" if n >= 500 else f"{n} connections"


async def profile(request: Request) -> Response:
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    box = sb(request)
    world = box.world
    person = world.population.get(unquote(request.path_params["public_id"]))
    if person is None:
        return RedirectResponse("/404/", status_code=302)
    page = Page(request, session)
    world.advance()
    box.signals.profile_view(session.account, session.token)
    if person.private:
        return page.render("profile_unavailable.html", title="LinkedIn", person=person)
    handle, seed = session.account, world.population.seed
    relation = world.degree(handle, person)
    distance = world.distance(handle, person)
    faults = box.faults
    generation = faults.get("markup", handle) or person.markup
    flavor = faults.get("legacy_flavor", handle)
    style = faults.get("connect_style", handle) or person.connect_style
    missing_connect = faults.sticky("missing_connect_rate", f"{handle}:{person.index}", handle)
    size = SIDEBAR_SIZES[int(person_roll(seed, person.index, "sidebar-size") * 2)]
    sidebar = others(page, seed=f"side:{person.index}", count=size, around=person)
    roll = lambda what: person_roll(seed, person.index, what)  # noqa: E731
    page.extra_config["gen"] = generation  # app.js: 2026 toasts carry their own title element
    context = {
        "person": person,
        "generation": generation,
        "company": world.population.company_of(person),
        "details": world.population.details(person),
        "relation": relation,
        "degree": degree_label(relation),
        "style": style,
        "missing_connect": missing_connect,
        "flavor": person.legacy_flavor if flavor is None else flavor,
        "above": sidebar[: size // 2],
        "below": sidebar[size // 2 :],
        "title": f"{person.full_name} | LinkedIn",
        "degree_label": degree_label,
        # 2022: the Message button has no aria-label on some pages
        "message_labelled": roll("message-label") < 0.5,
    }
    if generation == "2026":
        label = degree_2026(relation, distance)
        context.update(
            badges=badges_2026(label, roll("alternates") < ALTERNATE_BADGE_SHARE),
            controls=withdrawal.card_controls(
                card_controls(relation, style, missing_connect, roll("order") < 0.5),
                faults.get("pending_not_in_card", handle),
            ),
            menu=menu_items(relation, style, missing_connect),
            connect_tag="button" if roll("connect-tag") < 0.5 else "div",
            mutual=mutual_line(page, person, relation) if relation != "self" else None,
            connections=connections_count(seed, person),
            website=roll("website") < 0.2,
            premium=roll("premium") < 0.15,
            degree_2026=lambda rel, p: degree_2026(rel, world.distance(handle, p)),
            sidebar_role=lambda p, rel: sidebar_role(seed, p, rel),
        )
    elif generation == "older":
        invitation = world.pending_invitation(handle, person.index)
        me = world.population.people[world.accounts[handle].person]
        context["datalet"] = profile_json(
            world.population, person, me, relation, distance, invitation.id if invitation else None
        )
        context["datalet_id"] = 1000 + int(roll("datalet") * 8999)
    return page.render(TEMPLATES[generation], **context)


def _person_from_query(request: Request, key: str) -> Person | None:
    world = sb(request).world
    value = request.query_params.get(key, "")
    if key == "profileUrn":
        index = world.population.by_profile_id.get(value.removeprefix("urn:li:fsd_profile:"))
        return None if index is None else world.population.people[index]
    return world.population.get(value)


async def compose(request: Request) -> Response:
    """GET /messaging/compose/: with `profileUrn`, a compose page for that person (the editor for a
    connection, the InMail upsell otherwise); without one (the "Send profile in a message" link),
    the new-message page with its recipient typeahead."""
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    page = Page(request, session)
    world = page.box.world
    world.advance()
    if "profileUrn" not in request.query_params:
        return page.render("new_thread.html", title="New message | LinkedIn")
    person = _person_from_query(request, "profileUrn")
    if person is None or person.private:
        return RedirectResponse("/404/", status_code=302)
    connected = person.index in world.connections[session.account]
    return page.render(
        "compose.html",
        title=f"{person.full_name} | Messaging | LinkedIn",
        person=person,
        connected=connected,
        messages=world.thread(session.account, person.index),
    )


async def custom_invite(request: Request) -> Response:
    """GET /preload/custom-invite/?vanityName=X: the invitation modal for X alone, opened on load (the
    2026 menu's Connect item followed as a link). States where LinkedIn would not invite are said."""
    session = current_session(request)
    if session is None:
        return login_redirect(request)
    page = Page(request, session)
    world = page.box.world
    world.advance()
    person = _person_from_query(request, "vanityName")
    if person is None:
        return RedirectResponse("/404/", status_code=302)
    relation = world.degree(session.account, person)
    page.extra_config["gen"] = "2026"  # reached from a 2026 menu: its toasts
    if relation not in ("connected", "pending", "self") and not person.private:
        page.extra_config["autoConnect"] = page.key("connect", person, gen="2026", where="page")
    return page.render(
        "custom_invite.html",
        title=f"Invite {person.full_name} to connect | LinkedIn",
        person=person,
        relation=relation,
    )


routes = [
    Route("/in/{public_id}/", profile),
    Route(
        "/in/{public_id}", lambda r: RedirectResponse(f"/in/{r.path_params['public_id']}/", status_code=301)
    ),
    Route("/messaging/compose/", compose),
    Route("/preload/custom-invite/", custom_invite),
]
