"""Connecting through the profile page, in every markup generation, top-card and modal variant.

An invitation must exist in the sandbox only when the right control of the right person was clicked;
the weekly limit shows LinkedIn's alert instead of sending.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

SEND_BUTTONS = [
    'button[aria-label*="Send without"]',
    'button:has-text("Send now")',
    'button[aria-label*="Send invitation"]',
]


def click_connect(page, person: dict, ui) -> None:
    """Click this person's Connect: in the top card when it is there, else through the card's More
    (2026: the popover portal's custom-invite item for this vanity name; 2022: the card's dropdown)."""
    card = ui.top_card(page, person)
    name = person["full_name"]
    direct = card.locator(f'[aria-label="Invite {name} to connect"], button.pv-s-profile-actions--connect')
    if direct.count() and direct.first.is_visible():
        direct.first.click()
        return
    more_2026 = card.get_by_role("button", name="More", exact=True)
    if more_2026.count():
        more_2026.click()
        vanity = quote(person["public_id"], safe="")
        page.locator(
            f'[popover]:popover-open a[role="menuitem"][href^="/preload/custom-invite/?vanityName={vanity}"]'
        ).click()
        return
    card.locator('button[aria-label="More actions"]').click()
    card.get_by_role("button", name=f"Invite {name} to connect").click()


def click_send(page) -> str:
    for selector in SEND_BUTTONS:
        button = page.locator(f'[role="dialog"] {selector}')
        if button.count():
            button.first.click()
            return selector
    raise AssertionError("no send button in the connect modal")


def invitations(sandbox, account="alice") -> list[dict]:
    return [i for i in sandbox.control.snapshot()["invitations"] if i["account"] == account]


@pytest.mark.parametrize(
    "markup,style,modal",
    [
        ("2026", "direct", 0),
        ("2026", "overflow", 1),
        ("2022", "direct", 2),
        ("legacy", "overflow", 0),
        ("older", "direct", 1),
    ],
)
def test_connect_variant_end_to_end(sandbox, login, pick, ui, markup, style, modal):
    sandbox.control.set_faults(markup=markup, connect_style=style, modal_variant=modal)
    person = pick(relation="DISTANCE_2")
    page = login("alice")
    page.goto(f"/in/{person['public_id']}/")
    card = ui.top_card(page, person)
    name = person["full_name"]
    in_card = card.locator(f'[aria-label="Invite {name} to connect"], button.pv-s-profile-actions--connect')
    if markup == "2026" and style == "overflow":
        assert in_card.count() == 0  # only in the popover menu, outside the card
    elif markup in ("2022", "legacy") and style == "overflow":
        assert in_card.count() == 0  # named only by hidden text, inside the card's dropdown
        assert card.get_by_role("button", name=f"Invite {name} to connect", include_hidden=True).count() == 1
    else:
        assert in_card.count() == 1 and in_card.is_visible()
    click_connect(page, person, ui)
    used = click_send(page)
    assert used == SEND_BUTTONS[modal]
    pending = card.get_by_text("Pending", exact=True)
    pending.wait_for()
    sent = invitations(sandbox)
    assert [(i["person"], i["status"]) for i in sent] == [(person["public_id"], "pending")]
    assert sandbox.control.person(person["public_id"])["relations"]["alice"] == "pending"
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')


def test_every_legacy_top_card_flavor_matches_one_documented_selector(sandbox, login, pick, ui):
    LEGACY_TOP_CARD = ui.legacy_top_card
    page = login("alice")
    person = pick(relation="DISTANCE_2")
    for flavor in range(4):
        sandbox.control.set_faults(markup="2022", legacy_flavor=flavor)
        page.goto(f"/in/{person['public_id']}/")
        first = next(i for i, sel in enumerate(LEGACY_TOP_CARD) if page.locator(sel).count())
        assert first == flavor
        assert person["full_name"] in page.locator(LEGACY_TOP_CARD[flavor]).first.inner_text()


def test_sidebar_invite_invites_the_other_person_not_the_profile_owner(sandbox, login, pick, ui):
    sandbox.control.set_faults(markup="2026", connect_style="direct")
    page = login("alice")
    for skip in range(10):  # the first profile whose sidebars offer someone else's Connect
        person = pick(relation="DISTANCE_2", skip=skip)
        page.goto(f"/in/{person['public_id']}/")
        own = f'[aria-label="Invite {person["full_name"]} to connect"]'
        others = page.locator(f'main [aria-label^="Invite "][aria-label$=" to connect"]:not({own})')
        if others.count():
            break
    else:
        raise AssertionError("sidebars must offer other people's Invite controls")
    card = ui.top_card(page, person)
    label = others.first.get_attribute("aria-label")
    other_name = re.match(r"Invite (.+) to connect", label).group(1)
    others.first.click()
    click_send(page)
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
    sent = invitations(sandbox)
    assert len(sent) == 1 and sent[0]["name"] == other_name
    assert sent[0]["person"] != person["public_id"]
    assert card.locator(own).count() == 1  # the viewed person is still not invited


def test_add_a_note_sends_the_note(sandbox, login, pick, ui):
    sandbox.control.set_faults(markup="2022", connect_style="direct", modal_variant=0)
    person = pick(relation="DISTANCE_3")
    page = login("alice")
    page.goto(f"/in/{person['public_id']}/")
    click_connect(page, person, ui)
    page.click('[role="dialog"] button[aria-label="Add a note"]')
    page.fill("textarea#custom-message", "Hi, loved your talk on observability.")
    page.click('[role="dialog"] button[aria-label="Send invitation"]')
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
    assert invitations(sandbox)[0]["note"] == "Hi, loved your talk on observability."


def test_weekly_limit_shows_the_alert_and_sends_nothing(sandbox, login, pick, ui):
    sandbox.control.update_account("alice", weekly_limit=1)
    sandbox.control.set_faults(markup="2026", connect_style="direct", modal_variant=0)
    first, second = pick(relation="DISTANCE_2"), pick(relation="DISTANCE_2", skip=1)
    page = login("alice")
    page.goto(f"/in/{first['public_id']}/")
    click_connect(page, first, ui)
    click_send(page)
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
    page.goto(f"/in/{second['public_id']}/")
    click_connect(page, second, ui)
    page.wait_for_selector('div[class*="ip-fuse-limit-alert__warning"]')
    assert page.locator('[role="dialog"] button[aria-label*="Send without"]').count() == 0
    assert [i["person"] for i in invitations(sandbox)] == [first["public_id"]]
    # the API refuses too, so a page rendered before the limit was reached cannot slip through
    response = page.request.post(
        "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2",
        data={"invitee": {"inviteeUnion": {"memberProfile": second["urn"]}}},
        headers={"csrf-token": ui.csrf(page)},
    )
    assert response.status == 429 and response.json()["code"] == "weekly_limit"
    # a week later the rolling window has room again
    sandbox.control.advance(7 * 86_400 + 60)
    page.goto(f"/in/{second['public_id']}/")
    click_connect(page, second, ui)
    click_send(page)
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
    assert len(invitations(sandbox)) == 2


def test_connect_error_fault_shows_an_error_toast_and_sends_nothing(sandbox, login, pick, ui):
    sandbox.control.set_faults(markup="2026", connect_style="direct", modal_variant=2, connect_error_rate=1.0)
    person = pick(relation="DISTANCE_2")
    page = login("alice")
    page.goto(f"/in/{person['public_id']}/")
    click_connect(page, person, ui)
    click_send(page)
    page.wait_for_selector('div[data-test-artdeco-toast-item-type="error"]')
    assert invitations(sandbox) == []
    sandbox.control.set_faults(connect_error_rate=0.0)
    page.goto(f"/in/{person['public_id']}/")  # nothing was sent: Connect is still offered
    assert (
        ui.top_card(page, person).locator(f'[aria-label="Invite {person["full_name"]} to connect"]').count()
        == 1
    )


@pytest.mark.parametrize("markup", ["2026", "2022", "older"])
def test_missing_connect_fault_leaves_no_connect_in_card_or_menu(sandbox, login, pick, ui, markup):
    sandbox.control.set_faults(missing_connect_rate=1.0, markup=markup, connect_style="overflow")
    person = pick(relation="DISTANCE_2")
    page = login("alice")
    page.goto(f"/in/{person['public_id']}/")
    card = ui.top_card(page, person)
    name = person["full_name"]
    everywhere = page.get_by_role("button", name=f"Invite {name} to connect", include_hidden=True)
    assert everywhere.count() == 0
    assert page.locator('a[href^="/preload/custom-invite/"]').count() == 0
    assert card.locator("button.pv-s-profile-actions--connect").count() == 0
    if markup != "older":
        assert card.locator(f'[aria-label="Follow {name}"]').count() == 1


def test_pending_withdraw_and_first_degree_cards(sandbox, login, pick, ui):
    sandbox.control.set_faults(markup="2026", connect_style="direct", modal_variant=0)
    person = pick(relation="DISTANCE_2")
    friend = pick(relation="connected")
    page = login("alice")
    page.goto(f"/in/{friend['public_id']}/")
    card = ui.top_card(page, friend)
    assert card.get_by_text("· 1st", exact=True).is_visible()
    message = card.locator(f'a[href^="/messaging/compose/?profileUrn={quote(friend["urn"], safe="")}"]')
    assert message.count() == 1 and message.inner_text().strip() == "Message"
    assert card.locator(f'[aria-label="Invite {friend["full_name"]} to connect"]').count() == 0

    page.goto(f"/in/{person['public_id']}/")
    click_connect(page, person, ui)
    click_send(page)
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
    page.goto(f"/in/{person['public_id']}/")  # a fresh render shows Pending (an <a> in 2026 markup)
    pending = ui.top_card(page, person).locator(
        f'a[aria-label="Pending, click to withdraw invitation sent to {person["full_name"]}"]'
    )
    assert pending.count() == 1
    page.goto("/mynetwork/invitation-manager/sent/")
    assert person["full_name"] in page.locator("li.invitation-card").first.inner_text()
    page.click(f'button[aria-label="Withdraw invitation sent to {person["full_name"]}"]')
    page.click('[role="dialog"] button:has-text("Withdraw")')
    page.wait_for_selector(".mn-invitation-manager__no-invites")
    assert invitations(sandbox)[0]["status"] == "withdrawn"
