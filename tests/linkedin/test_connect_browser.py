"""Connection requests in real Chromium against the sandbox: every markup variant, via More, with a note,
never on a sidebar person's Invite, and the refusals (weekly limit, error toast, no Connect, no double send)."""

from __future__ import annotations

from pathlib import Path

import pytest

from openoutreach.linkedin.actions import ConnectionStatus, ConnectOutcome, connect, connection_status
from openoutreach.linkedin.actions.topcard import locate_top_card
from openoutreach.linkedin.captures import CaptureStore
from openoutreach.linkedin.errors import ConnectFailed, WeeklyLimitReached

pytestmark = pytest.mark.browser

NOT_CONNECTED = ("DISTANCE_2", "DISTANCE_3", "OUT_OF_NETWORK")


def strangers(sandbox, **quirks) -> list[dict]:
    """People alice is not connected to (and has not invited), optionally with given Voyager quirks."""
    return [
        p
        for p in sandbox.control.people(limit=500)
        if not p["private"]
        and not p["is_account"]
        and p["relations"]["alice"] in NOT_CONNECTED
        and all(p["voyager"][k] == v for k, v in quirks.items())
    ]


def invitations(sandbox) -> list[tuple[str, str, str | None]]:
    return [(i["account"], i["person"], i["note"]) for i in sandbox.control.snapshot()["invitations"]]


VARIANTS = [
    {"markup": "2026", "connect_style": "direct", "modal_variant": 0},
    {"markup": "2026", "connect_style": "direct", "modal_variant": 1},
    {"markup": "2026", "connect_style": "overflow", "modal_variant": 2},
    {"markup": "2022", "legacy_flavor": 0, "connect_style": "direct", "modal_variant": 2},
    {"markup": "2022", "legacy_flavor": 1, "connect_style": "overflow", "modal_variant": 0},
    {"markup": "2022", "legacy_flavor": 2, "connect_style": "direct", "modal_variant": 1},
    {"markup": "2022", "legacy_flavor": 3, "connect_style": "overflow", "modal_variant": 1},
    {"markup": "older", "connect_style": "direct", "modal_variant": 0},
]
GENERATIONS = ["2026", "2022", "older"]


@pytest.mark.parametrize("variant", VARIANTS, ids=lambda v: "-".join(str(x) for x in v.values()))
def test_connect_sends_exactly_one_invitation_in_every_markup_variant(alice, sandbox, variant):
    sandbox.control.set_faults(account="alice", **variant)
    person = strangers(sandbox)[VARIANTS.index(variant)]

    result = connect(alice, f"/in/{person['public_id']}/")

    assert result.outcome is ConnectOutcome.SENT
    assert result.confirmed
    assert result.via_more == (variant["connect_style"] == "overflow")
    assert invitations(sandbox) == [("alice", person["public_id"], None)]
    if variant["markup"] == "2026" and variant["connect_style"] == "overflow":
        # The real 2026 path: the text-only More, then the portal's item chosen by vanity name.
        assert result.rules["more"] == "button 'More'"
        assert result.rules["menu_connect"] == "menuitem custom-invite vanityName"


@pytest.mark.parametrize("markup", ["2026", "2022"])
def test_a_note_goes_with_the_invitation(alice, sandbox, markup):
    sandbox.control.set_faults(account="alice", markup=markup, modal_variant=1 if markup == "2022" else 2)
    person = strangers(sandbox)[10]
    note = "Hi, saw your talk on platform teams.\nWould love to connect!"

    result = connect(alice, person["public_id"] and f"/in/{person['public_id']}/", note=note)

    assert result.outcome is ConnectOutcome.SENT and result.note_sent
    assert invitations(sandbox) == [("alice", person["public_id"], note)]


@pytest.mark.parametrize(
    "variant",
    [
        {"markup": "2026", "connect_style": "direct"},
        {"markup": "2026", "connect_style": "overflow"},
        {"markup": "2022", "connect_style": "overflow", "legacy_flavor": 0},
    ],
    ids=["2026-direct", "2026-menu", "2022-menu"],
)
def test_a_namesake_in_the_sidebar_is_never_invited(alice, sandbox, variant):
    sandbox.control.set_faults(account="alice", **variant)
    target = _with_invitable_namesake_in_sidebar(alice, sandbox, variant["connect_style"])

    result = connect(alice, f"/in/{target['public_id']}/")

    assert result.outcome is ConnectOutcome.SENT
    assert invitations(sandbox) == [("alice", target["public_id"], None)]


def _with_invitable_namesake_in_sidebar(alice, sandbox, style: str) -> dict:
    """A stranger whose profile page also shows a namesake's "Invite <same name> to connect" outside the card."""
    everyone = sandbox.control.people(limit=500)
    names = [p["full_name"] for p in everyone]
    for target in strangers(sandbox):
        if names.count(target["full_name"]) < 2:
            continue
        alice.open(f"/in/{target['public_id']}/")
        invites = alice.session.page.locator(f'[aria-label="Invite {target["full_name"]} to connect"]')
        hidden = alice.session.page.get_by_text(f"Invite {target['full_name']} to connect", exact=True)
        # direct: the card's own control + the sidebar's; overflow: the card's is under More (in the DOM too)
        if invites.count() + hidden.count() >= 2:
            return target
    raise AssertionError("no profile in the sandbox shows an invitable namesake in its sidebar")


def test_already_pending_or_connected_never_clicks(alice, sandbox):
    person = strangers(sandbox)[20]
    friend = next(p for p in sandbox.control.people(limit=500) if p["relations"]["alice"] == "connected")
    assert connect(alice, f"/in/{person['public_id']}/").outcome is ConnectOutcome.SENT

    again = connect(alice, f"/in/{person['public_id']}/")
    connected = connect(alice, f"/in/{friend['public_id']}/")

    assert again.outcome is ConnectOutcome.ALREADY_PENDING
    assert connected.outcome is ConnectOutcome.ALREADY_CONNECTED
    assert invitations(sandbox) == [("alice", person["public_id"], None)]


@pytest.mark.parametrize("markup", GENERATIONS)
def test_the_top_card_decides_when_voyager_has_no_relationship(alice, sandbox, markup):
    sandbox.control.set_faults(account="alice", markup=markup, connect_style="direct")
    person = strangers(sandbox, relationship="missing")[0]
    url = f"/in/{person['public_id']}/"

    assert connection_status(alice, url).status is ConnectionStatus.NOT_CONNECTED
    first = connect(alice, url)
    status = connection_status(alice, url)
    again = connect(alice, url)

    assert first.outcome is ConnectOutcome.SENT and first.confirmed
    assert (status.status, status.source) == (ConnectionStatus.PENDING, "top_card")
    assert again.outcome is ConnectOutcome.ALREADY_PENDING and "top card" in again.detail
    assert len(invitations(sandbox)) == 1


def test_status_reads_the_fresh_voyager_relationship(alice, sandbox):
    person = strangers(sandbox, relationship="present")[0]
    friend = next(
        p
        for p in sandbox.control.people(limit=500)
        if p["relations"]["alice"] == "connected" and p["voyager"]["relationship"] == "present"
    )
    url = f"/in/{person['public_id']}/"

    assert connection_status(alice, url).status is ConnectionStatus.NOT_CONNECTED
    connect(alice, url)
    pending = connection_status(alice, url)
    connected = connection_status(alice, f"/in/{friend['public_id']}/")

    assert (pending.status, pending.source) == (ConnectionStatus.PENDING, "voyager")
    assert (connected.status, connected.source) == (ConnectionStatus.CONNECTED, "voyager")


@pytest.mark.parametrize("markup", GENERATIONS)
def test_a_first_degree_top_card_reads_as_connected(alice, sandbox, markup):
    sandbox.control.set_faults(account="alice", markup=markup)
    friend = next(
        p
        for p in sandbox.control.people(limit=500)
        if p["relations"]["alice"] == "connected" and p["voyager"]["relationship"] != "present"
    )

    status = connection_status(alice, f"/in/{friend['public_id']}/")

    assert (status.status, status.source) == (ConnectionStatus.CONNECTED, "top_card")


def test_the_weekly_limit_is_a_named_stop(alice, sandbox):
    sandbox.control.update_account("alice", weekly_limit=1)
    first, second = strangers(sandbox)[30:32]
    assert connect(alice, f"/in/{first['public_id']}/").outcome is ConnectOutcome.SENT

    with pytest.raises(WeeklyLimitReached):
        connect(alice, f"/in/{second['public_id']}/")

    assert invitations(sandbox) == [("alice", first["public_id"], None)]


def test_an_error_toast_skips_the_person_with_its_reason(alice, sandbox):
    sandbox.control.set_faults(account="alice", connect_error_rate=1.0)

    with pytest.raises(ConnectFailed) as caught:
        connect(alice, f"/in/{strangers(sandbox)[40]['public_id']}/")

    assert "went wrong" in caught.value.reason
    assert invitations(sandbox) == []


@pytest.mark.parametrize("markup", ["2026", "2022"])
def test_no_connect_control_is_a_named_outcome_with_a_capture(alice, sandbox, markup, tmp_path):
    sandbox.control.set_faults(account="alice", markup=markup, missing_connect_rate=1.0)
    alice.captures = CaptureStore(tmp_path, secrets=["alice@sandbox.test", "alice-pass"])
    try:
        result = connect(alice, f"/in/{strangers(sandbox)[50]['public_id']}/")
    finally:
        alice.captures = None

    assert result.outcome is ConnectOutcome.NO_CONNECT_BUTTON
    assert invitations(sandbox) == []
    assert result.capture and Path(result.capture).parent == tmp_path
    assert "connect-no-connect-control" in result.capture and Path(result.capture).stat().st_size > 0


@pytest.mark.parametrize("markup", GENERATIONS)
def test_the_accounts_own_profile_reads_as_self(alice, sandbox, markup):
    sandbox.control.set_faults(account="alice", markup=markup)
    own = alice.own_public_id()
    alice.open(f"/in/{own}/")

    card = locate_top_card(alice.session.page, public_id=own)

    assert card is not None and card.status() is ConnectionStatus.SELF
    assert connect(alice, f"/in/{own}/").outcome is ConnectOutcome.SELF
    assert invitations(sandbox) == []


def test_hidden_alternate_badges_never_make_a_second_degree_person_connected(alice, sandbox):
    sandbox.control.set_faults(account="alice", markup="2026", connect_style="overflow")
    for person in strangers(sandbox, relationship="missing"):
        alice.open(f"/in/{person['public_id']}/")
        if alice.session.page.locator('p:text-is("· 1st")').count():  # in the DOM, hidden by the CSS
            break
    else:
        raise AssertionError("no 2026 page of a stranger carries a hidden '· 1st' badge")
    url = f"/in/{person['public_id']}/"

    status = connection_status(alice, url)

    assert (status.status, status.source) == (ConnectionStatus.NOT_CONNECTED, "top_card")
    assert connect(alice, url).outcome is ConnectOutcome.SENT
    assert invitations(sandbox) == [("alice", person["public_id"], None)]


def test_a_note_longer_than_linkedin_allows_is_refused_before_any_click(alice, sandbox):
    with pytest.raises(ValueError, match="300"):
        connect(alice, f"/in/{strangers(sandbox)[0]['public_id']}/", note="x" * 301)
    assert invitations(sandbox) == []
