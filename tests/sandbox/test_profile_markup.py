"""The profile pages' HTML, generation by generation and state by state, against linkedin-surface.md.

Every fact the doc states about the 2026, 2022 and older pages is asserted on the served HTML (parsed
with the stdlib), through the sandbox app in-process: no browser needed for what the source shows.
What only a browser can tell (visibility, the popover opening, clicks) is in test_profile_browser.py.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from openoutreach.sandbox.app import build_sandbox, create_app
from openoutreach.sandbox.population import Person

UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
HASHED = re.compile(r"^_?[0-9a-f]{8}$")
HIDDEN_WRAP = "_4dbe9f21"
APP_CSS = Path(__file__).resolve().parents[2] / "openoutreach" / "sandbox" / "static" / "app.css"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


# -- a tiny DOM over html.parser -------------------------------------------------------------------


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        for c in self.children:
            if isinstance(c, Node):
                yield c
                yield from c.iter()

    def all(self, tag: str | None = None, **attrs: str | bool) -> list[Node]:
        """Descendants with `tag` whose attributes equal `attrs` (True: present, False: absent)."""
        found = []
        for n in self.iter():
            if tag is not None and n.tag != tag:
                continue
            ok = True
            for name, want in attrs.items():
                name = name.rstrip("_").replace("_", "-")
                have = n.attrs.get(name)
                ok = ok and (
                    have is not None if want is True else have is None if want is False else have == want
                )
            if ok:
                found.append(n)
        return found

    def ancestors(self):
        node = self.parent
        while node is not None:
            yield node
            node = node.parent

    def classes(self) -> list[str]:
        return (self.attrs.get("class") or "").split()


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = self.cur = Node("#document", {}, None)

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, {k: v or "" for k, v in attrs}, self.cur))

    def handle_endtag(self, tag):
        node = self.cur
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.cur = node.parent

    def handle_data(self, data):
        self.cur.children.append(data)


def parse(html: str) -> Node:
    builder = _Builder()
    builder.feed(html)
    return builder.root


def norm(text: str) -> str:
    return " ".join(text.split())


# -- the sandbox in-process ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def app():
    box = build_sandbox(people=500, seed=7)
    return box, TestClient(create_app(box))


@pytest.fixture
def site(app):
    box, client = app
    box.faults.clear()
    box.world.reset_state()
    client.cookies.clear()
    login = client.post(
        "/login",
        content="session_key=alice%40sandbox.test&session_password=alice-pass",
        headers={"content-type": "application/x-www-form-urlencoded"},
        follow_redirects=False,
    )
    assert login.headers["location"] == "/feed/"
    return Site(box, client)


class Site:
    def __init__(self, box, client) -> None:
        self.box, self.client = box, client
        self.world = box.world

    def people(self, relation: str | None = None, **match) -> list[Person]:
        out = []
        for p in self.world.population.people[: self.world.population.size]:
            if p.private:
                continue
            rel = self.world.degree("alice", p)
            if relation == "not_connected" and rel not in ("DISTANCE_2", "DISTANCE_3", "OUT_OF_NETWORK"):
                continue
            if relation not in (None, "not_connected") and rel != relation:
                continue
            if all(getattr(p, k) == v for k, v in match.items()):
                out.append(p)
        return out

    def person(self, relation: str | None = None, **match) -> Person:
        return self.people(relation, **match)[0]

    def html(self, path: str) -> str:
        response = self.client.get(path, follow_redirects=False)
        assert response.status_code == 200, (path, response.status_code)
        return response.text

    def page(self, person: Person, **faults) -> Page:
        if faults:
            self.box.faults.set(None, **faults)
        html = self.html(f"/in/{quote(person.public_id, safe='')}/")
        return Page(html, person)

    def me(self) -> Person:
        return self.world.population.people[self.world.accounts["alice"].person]

    def pend(self, person: Person) -> None:
        self.world.invite("alice", person)


class Page:
    def __init__(self, html: str, person: Person) -> None:
        self.html, self.person = html, person
        self.doc = parse(html)
        self.body = self.doc.all("body")[0]
        cards = self.doc.all(componentkey=f"com.linkedin.sdui.profile.card.ref{person.profile_id}Topcard")
        self.card = cards[0] if cards else None
        config = re.search(r"window.__SANDBOX__ = (\{.*?\});</script>", html).group(1)
        self.config = json.loads(config)

    def controls(self, node: Node | None = None) -> list[Node]:
        return [
            n
            for n in (node or self.card).iter()
            if n.tag in ("a", "button") or n.attrs.get("role") == "button"
        ]

    def portal(self) -> Node | None:
        pops = self.doc.all(popover=True)
        assert len(pops) <= 1
        return pops[0] if pops else None

    def message_link(self, node: Node | None = None) -> list[Node]:
        prefix = f"/messaging/compose/?profileUrn=urn%3Ali%3Afsd_profile%3A{self.person.profile_id}"
        return [a for a in (node or self.card).all("a") if a.attrs.get("href", "").startswith(prefix)]

    def by_label(self, label: str, node: Node | None = None) -> list[Node]:
        return (node or self.card).all(aria_label=label)

    def badges(self) -> list[tuple[str, bool]]:
        """(text, hidden by the stylesheet's wrapper) of every "· 1st/2nd/3rd" badge in the top card."""
        out = []
        for p in self.card.all("p"):
            text = norm(p.text())
            if re.fullmatch(r"· (1st|2nd|3rd\+?)", text):
                hidden = any(HIDDEN_WRAP in a.classes() for a in p.ancestors())
                out.append((text, hidden))
        return out


# -- 2026 ------------------------------------------------------------------------------------------


def test_2026_page_has_hashed_classes_componentkey_cards_and_no_ember_ids(site):
    person = site.person("DISTANCE_2")
    page = site.page(person, markup="2026")
    ids = [n.attrs["id"] for n in page.doc.iter() if "id" in n.attrs]
    assert not [i for i in ids if i.startswith("ember")]
    classes = {c for n in page.card.iter() for c in n.classes()}
    assert all(HASHED.match(c) for c in classes), classes - {c for c in classes if HASHED.match(c)}
    assert any(c.startswith("_") for c in classes) and any(not c.startswith("_") for c in classes)
    pid = person.profile_id
    keys = {n.attrs["componentkey"] for n in page.doc.iter() if "componentkey" in n.attrs}
    for key in (
        f"com.linkedin.sdui.profile.card.ref{pid}Topcard",
        f"com.linkedin.sdui.profile.card.ref{pid}About",
        f"com.linkedin.sdui.profile.card.ref{pid}Activity",
        f"profileCardsAboveActivity{pid}",
        f"profileCardsBelowActivityPart1{pid}",
    ):
        assert key in keys
    controls = page.controls() + page.controls(page.portal()) + page.controls(page.doc.all("main")[0])
    assert controls
    for control in controls:  # every button and link carries a random-UUID componentkey
        assert UUID.match(control.attrs.get("componentkey", "")), control.attrs
    again = site.page(person)
    first_keys = {c.attrs["componentkey"] for c in page.controls()}
    assert first_keys.isdisjoint({c.attrs["componentkey"] for c in again.controls()})


def test_2026_name_is_an_h2_inside_a_link_in_the_top_card(site):
    person = site.person("DISTANCE_3")
    page = site.page(person, markup="2026")
    assert page.card.all("h1") == []
    h2 = page.card.all("h2")
    assert [norm(h.text()) for h in h2] == [person.full_name]
    assert any(a.tag == "a" for a in h2[0].ancestors())


@pytest.mark.parametrize(
    "relation,label", [("connected", "· 1st"), ("DISTANCE_2", "· 2nd"), ("DISTANCE_3", "· 3rd")]
)
def test_2026_degree_badge_is_a_plain_p_and_alternates_sit_in_the_stylesheet_hidden_wrapper(
    site, relation, label
):
    pages = [site.page(p, markup="2026") for p in site.people(relation)[:12]]
    with_alternates = [pg for pg in pages if len(pg.badges()) > 1]
    assert len(with_alternates) >= len(pages) // 2, "most pages carry badges for states the person is not in"
    for page in pages:
        badges = page.badges()
        assert [t for t, hidden in badges if not hidden] == [label]
        assert all(t in ("· 1st", "· 2nd", "· 3rd") for t, _ in badges)  # "3rd", never "3rd+"
    page = with_alternates[0]
    assert {t for t, _ in page.badges()} >= {"· 1st", "· 2nd"}
    for p in page.card.all("p"):
        if norm(p.text()) in ("· 1st", "· 2nd") and (norm(p.text()), True) in page.badges():
            wrapper = next(a for a in p.ancestors() if HIDDEN_WRAP in a.classes())
            assert "style" not in wrapper.attrs and "hidden" not in wrapper.attrs
    assert re.search(r"\." + HIDDEN_WRAP + r"\s*\{\s*display:\s*none;?\s*\}", APP_CSS.read_text())


def _order(page: Page) -> list[str]:
    """The top card's controls as names: what a person sees on each."""
    names = []
    for c in page.controls():
        label = c.attrs.get("aria-label", "")
        text = norm(c.text())
        href = c.attrs.get("href", "")
        if href.startswith("/messaging/compose/?profileUrn="):
            names.append("Message")
        elif label.startswith("Follow "):
            names.append("Follow")
        elif label.startswith("Invite "):
            names.append("Connect")
        elif label.startswith("Pending, click to withdraw"):
            names.append("Pending")
        elif label.startswith("Manage notifications"):
            names.append("Bell")
        elif text in ("More", "Open to", "Add profile section", "Contact info") or label == "Edit intro":
            names.append(label or text)
        elif c.tag == "a" and c.all("h2"):
            continue  # the name link
        else:
            names.append(f"?{c.tag}:{label}:{text}")
    return [n for n in names if n != "Contact info"]


def test_2026_not_connected_card_holds_follow_message_more_and_connect_only_in_the_menu(site):
    person = site.person("DISTANCE_2", connect_style="overflow")
    page = site.page(person, markup="2026")
    name = person.full_name
    assert sorted(_order(page)) == ["Follow", "Message", "More"]
    follow = page.by_label(f"Follow {name}")
    assert [f.tag for f in follow] == ["button"]
    assert page.by_label(f"Invite {name} to connect") == []
    more = [c for c in page.controls() if norm(c.text()) == "More"][0]
    assert more.tag == "button" and more.attrs.get("type") == "button"
    assert more.attrs.get("aria-expanded") == "false"
    assert "aria-label" not in more.attrs and "id" not in more.attrs
    assert more.all("span") and norm(more.all("span")[-1].text()) == "More"  # text in nested spans
    assert "Contact info" in norm(page.card.text())
    assert re.search(r"(\d+|500\+) connections", page.card.text())
    assert "mutual connection" in page.card.text()


def test_2026_overflow_menu_is_one_popover_portal_at_the_end_of_body(site):
    person = site.person("DISTANCE_2", connect_style="overflow")
    page = site.page(person, markup="2026")
    portal = page.portal()
    assert portal is not None and portal.attrs["popover"] == "manual" and portal.tag == "div"
    assert portal.parent is page.body  # outside main and the top card
    main = page.doc.all("main")[0]
    body_children = [c for c in page.body.children if isinstance(c, Node)]
    assert body_children.index(portal) > body_children.index(
        next(a for a in main.ancestors() if a.parent is page.body)
    )
    items = [n for n in portal.iter() if n.attrs.get("role") == "menuitem"]
    assert [norm(i.text()) for i in items] == [
        "Send profile in a message",
        "Connect",
        "Report / Block",
        "Verifications",
        "Save to PDF",
    ]
    assert [i.tag for i in items] == ["a", "a", "a", "a", "div"]
    vanity = quote(person.public_id, safe="")
    send, connect, report, verify, _ = items
    assert send.attrs["href"].startswith("/messaging/compose/?screenContext=NON_SELF_PROFILE_VIEW&")
    assert "profileUrn" not in send.attrs["href"]
    assert connect.attrs["href"].startswith(f"/preload/custom-invite/?vanityName={vanity}")
    invite = connect.all("div", aria_label=f"Invite {person.full_name} to connect")
    assert len(invite) == 1 and "role" not in invite[0].attrs
    assert report.attrs["href"].startswith("/preload/report-in-modal/")
    assert verify.attrs["href"] == f"/in/{vanity}/"


def test_2026_direct_connect_sits_in_the_card_for_some_people(site):
    tags = set()
    for person in site.people("DISTANCE_3", connect_style="direct")[:8]:
        page = site.page(person, markup="2026")
        connect = page.by_label(f"Invite {person.full_name} to connect")
        assert len(connect) == 1 and norm(connect[0].text()) == "Connect"
        assert connect[0].tag == "button" or connect[0].attrs.get("role") == "button"
        tags.add(connect[0].tag)
        assert "Connect" not in [norm(i.text()) for i in page.portal().all(role="menuitem")]
    assert tags == {"button", "div"}
    share = [p.connect_style for p in site.people() if p.markup == "2026"]
    assert share.count("overflow") > share.count("direct"), "Connect only in the menu for most people"


def test_2026_pending_card_holds_message_pending_more_and_no_connect(site):
    person = site.person("DISTANCE_2", connect_style="overflow")
    site.pend(person)
    page = site.page(person, markup="2026")
    name = person.full_name
    assert sorted(_order(page)) == ["Message", "More", "Pending"]
    pending = page.by_label(f"Pending, click to withdraw invitation sent to {name}")
    assert [p.tag for p in pending] == ["a"] and norm(pending[0].text()) == "Pending"
    assert page.by_label(f"Invite {name} to connect") == []
    assert not [a for a in page.portal().all("a") if "custom-invite" in a.attrs.get("href", "")]


def test_2026_connected_card_holds_message_more_and_the_bell(site):
    person = site.person("connected")
    page = site.page(person, markup="2026")
    assert sorted(_order(page)) == ["Bell", "Message", "More"]
    assert page.by_label(f"Manage notifications about {person.full_name}")[0].tag == "a"
    assert "Connect" not in [norm(i.text()) for i in page.portal().all(role="menuitem")]


def test_2026_own_profile_has_edit_controls_and_nothing_to_act_on(site):
    page = site.page(site.me(), markup="2026")
    assert sorted(_order(page)) == ["Add profile section", "Edit intro", "Open to"]
    assert page.message_link() == [] and page.portal() is None


@pytest.mark.parametrize("relation", ["connected", "DISTANCE_2", "DISTANCE_3", "OUT_OF_NETWORK", "pending"])
def test_2026_message_is_a_compose_link_with_the_profile_urn_in_every_state(site, relation):
    person = site.person("DISTANCE_2" if relation == "pending" else relation)
    if relation == "pending":
        site.pend(person)
    page = site.page(person, markup="2026")
    links = page.message_link()
    assert len(links) == 1
    link = links[0]
    assert norm(link.text()) == "Message" and "aria-label" not in link.attrs
    assert page.config["controls"][link.attrs["componentkey"]]["kind"] == (
        "message" if relation == "connected" else "inmail"
    )


def test_2026_control_order_varies_between_people(site):
    orders = {tuple(_order(site.page(p, markup="2026"))) for p in site.people("DISTANCE_2")[:12]}
    assert len(orders) >= 2


def test_2026_sidebars_hold_five_or_six_other_people_with_their_own_controls_namesakes_first(site):
    pop = site.world.population
    seen_connect = seen_follow = seen_message = False
    namesake_people = [p for p in site.people("not_connected") if len(pop.by_name[p.full_name]) > 1][:6]
    assert namesake_people
    for person in namesake_people + site.people("DISTANCE_2")[:6]:
        page = site.page(person, markup="2026")
        main = page.doc.all("main")[0]
        above = main.all(componentkey=f"profileCardsAboveActivity{person.profile_id}")[0]
        below = main.all(componentkey=f"profileCardsBelowActivityPart1{person.profile_id}")[0]
        names = [norm(li.all("a")[0].text()) for side in (above, below) for li in side.all("li")]
        assert 5 <= len(names) <= 6
        if len(pop.by_name[person.full_name]) > 1:
            assert names[0] == person.full_name  # a namesake comes first
            first_link = above.all("li")[0].all("a")[0].attrs["href"]
            assert first_link != f"/in/{quote(person.public_id, safe='')}/"
        for side in (above, below):
            for control in page.controls(side):
                label = control.attrs.get("aria-label", "")
                seen_connect |= label.startswith("Invite ")
                seen_follow |= label.startswith("Follow ")
                seen_message |= control.attrs.get("href", "").startswith("/messaging/compose/?profileUrn=")
        assert page.message_link(above) == [] and page.message_link(below) == []
    assert seen_connect and seen_follow and seen_message


def test_2026_missing_connect_fault_removes_connect_from_card_and_menu(site):
    person = site.person("DISTANCE_2", connect_style="overflow")
    site.box.faults.set(None, missing_connect_rate=1.0)
    page = site.page(person, markup="2026")
    assert page.by_label(f"Invite {person.full_name} to connect") == []
    assert not [a for a in page.portal().all("a") if "custom-invite" in a.attrs.get("href", "")]
    assert sorted(_order(page)) == ["Follow", "Message", "More"]


# -- 2022 ------------------------------------------------------------------------------------------


def test_2022_top_card_h1_ember_ids_and_more_actions_with_a_dropdown_inside_the_card(site):
    person = site.person("DISTANCE_2", connect_style="overflow")
    page = site.page(person, markup="2022", legacy_flavor=1)
    card = page.doc.all("section", data_member_id=str(person.member_id))[0]
    assert [norm(h.text()) for h in card.all("h1")] == [person.full_name]
    more = card.all("button", aria_label="More actions")
    assert len(more) == 1 and re.fullmatch(r"ember\d+-profile-overflow-action", more[0].attrs["id"])
    item = [n for n in card.all(role="button") if "Connect" in n.text()]
    assert len(item) == 1, "the menu's Connect sits inside the card"
    assert "aria-label" not in item[0].attrs and re.fullmatch(r"ember\d+", item[0].attrs["id"])
    hidden = item[0].all("span", class_="visually-hidden")
    assert [norm(s.text()) for s in hidden] == [f"Invite {person.full_name} to connect"]
    css = APP_CSS.read_text()
    rule = re.search(r"\.visually-hidden\s*\{([^}]*)\}", css).group(1)
    assert "clip" in rule and "1px" in rule and "display" not in rule
    assert [norm(s.text()) for s in card.all("span", class_="dist-value")] == ["2nd"]


def test_2022_apostrophes_are_html_escaped_in_the_source(site):
    person = next(p for p in site.people("not_connected") if "'" in p.full_name)
    page = site.page(person, markup="2022", connect_style="overflow")
    escaped = person.full_name.replace("'", "&#39;")
    assert f"Invite {escaped} to connect" in page.html
    assert f"Invite {person.full_name} to connect" not in page.html


def test_2022_message_button_has_no_aria_label_on_some_pages(site):
    labelled = set()
    for person in site.people("connected")[:12]:
        page = site.page(person, markup="2022")
        actions = [d for d in page.doc.all("div") if "pvs-profile-actions" in d.classes()][0]
        buttons = [b for b in actions.all("button") if norm(b.text()) == "Message"]
        assert len(buttons) == 1 and re.fullmatch(r"ember\d+", buttons[0].attrs["id"])
        labelled.add("aria-label" in buttons[0].attrs)
    assert labelled == {True, False}


def test_2022_flavors_each_match_one_documented_top_card(site):
    person = site.person("DISTANCE_3")
    for flavor in range(4):
        page = site.page(person, markup="2022", legacy_flavor=flavor)
        sections = page.doc.all("section")
        top = sections[0] if flavor != 1 else page.doc.all("section", data_member_id=True)[0]
        assert person.full_name in top.text()
        assert page.portal() is None and not page.doc.all(componentkey=True)


# -- older -----------------------------------------------------------------------------------------


def test_older_page_has_the_pv_top_card_section_connect_button_and_a_bpr_guid_datalet(site):
    person = site.person("DISTANCE_2")
    page = site.page(person, markup="older")
    card = [s for s in page.doc.all("section") if "pv-top-card-section" in s.classes()]
    assert len(card) == 1
    name = [h for h in card[0].all("h1") if "pv-top-card-section__name" in h.classes()]
    assert [norm(h.text()) for h in name] == [person.full_name]
    connect = [b for b in card[0].all("button") if "pv-s-profile-actions--connect" in b.classes()]
    assert [norm(b.text()) for b in connect] == ["Connect"]
    assert [norm(b.text()) for b in card[0].all("button")] == ["Connect", "Message"]
    codes = [c for c in page.doc.all("code") if re.fullmatch(r"bpr-guid-\d+", c.attrs.get("id", ""))]
    assert len(codes) == 1
    data = json.loads(codes[0].text())
    profiles = [e for e in data["included"] if e.get("publicIdentifier") == person.public_id]
    assert profiles and profiles[0]["firstName"] == person.first_name
    assert page.portal() is None and not page.doc.all("button", aria_label="More actions")


def test_older_pending_and_connected_use_plain_buttons_with_visible_text(site):
    friend, other = site.person("connected"), site.person("DISTANCE_3")
    site.pend(other)
    card_texts = []
    for person in (friend, other):
        page = site.page(person, markup="older")
        card = [s for s in page.doc.all("section") if "pv-top-card-section" in s.classes()][0]
        card_texts.append([norm(b.text()) for b in card.all("button")])
    assert card_texts == [["Message"], ["Pending", "Message"]]


# -- generations, shares, faults ---------------------------------------------------------------------


def test_each_person_keeps_one_generation_and_2026_is_the_most_common(site):
    people = site.world.population.people[:500]
    counts = {g: sum(p.markup == g for p in people) for g in ("2026", "2022", "older")}
    assert counts["2026"] > counts["2022"] > counts["older"] > 0
    person = next(p for p in people if p.markup == "older" and not p.private)
    for _ in range(2):
        assert "pv-top-card-section" in site.html(f"/in/{quote(person.public_id, safe='')}/")


def test_legacy_is_accepted_as_the_old_name_of_2022(site):
    site.box.faults.set(None, markup="legacy")
    assert site.box.faults.get("markup") == "2022"
    from openoutreach.sandbox.faults import FaultError

    with pytest.raises(FaultError, match="markup"):
        site.box.faults.set(None, markup="2019")


# -- pages the 2026 links lead to ----------------------------------------------------------------------


def test_custom_invite_link_page_opens_the_modal_for_that_person_only(site):
    person = site.person("DISTANCE_2")
    html = site.html(f"/preload/custom-invite/?vanityName={quote(person.public_id, safe='')}")
    config = json.loads(re.search(r"window.__SANDBOX__ = (\{.*?\});</script>", html).group(1))
    control = config["controls"][config["autoConnect"]]
    assert control["kind"] == "connect" and control["urn"] == person.urn
    friend = site.person("connected")
    html = site.html(f"/preload/custom-invite/?vanityName={quote(friend.public_id, safe='')}")
    assert "autoConnect" not in html and "already connected" in html
    missing = site.client.get("/preload/custom-invite/?vanityName=nobody-here", follow_redirects=False)
    assert missing.status_code == 302 and missing.headers["location"] == "/404/"


def test_compose_link_page_has_the_editor_for_a_connection_and_the_upsell_otherwise(site):
    friend, stranger = site.person("connected"), site.person("DISTANCE_2")
    doc = parse(site.html(f"/messaging/compose/?profileUrn={quote(friend.urn, safe='')}&screenContext=X"))
    forms = [f for f in doc.all("form") if "msg-form" in f.classes()]
    assert len(forms) == 1
    assert [n for n in forms[0].iter() if "msg-form__contenteditable" in n.classes()]
    assert forms[0].all("button", type="submit")
    doc = parse(site.html(f"/messaging/compose/?profileUrn={quote(stranger.urn, safe='')}"))
    assert not [f for f in doc.all("form") if "msg-form" in f.classes()] and "InMail" in doc.text()
    doc = parse(site.html("/messaging/compose/?screenContext=NON_SELF_PROFILE_VIEW&interop=msgOverlay"))
    assert [n for n in doc.iter() if "msg-connections-typeahead__search-field" in n.classes()]
