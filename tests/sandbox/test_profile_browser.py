"""The profile pages in real Chromium: what only a browser shows (visibility, the popover menu) and
that every control of every generation ends in exactly the action the sandbox world records."""

from __future__ import annotations

from urllib.parse import quote

import pytest

pytestmark = pytest.mark.browser

SEND = '[role="dialog"] button[aria-label*="Send without"], [role="dialog"] button:has-text("Send now"), [role="dialog"] button[aria-label*="Send invitation"]'


def sent(sandbox, account="alice") -> list[dict]:
    return [i for i in sandbox.control.snapshot()["invitations"] if i["account"] == account]


def messages(sandbox, account="alice") -> list[dict]:
    return [m for m in sandbox.control.snapshot()["messages"] if m["account"] == account]


def card_of(page, person):
    return page.locator(f'[componentkey="com.linkedin.sdui.profile.card.ref{person["profile_id"]}Topcard"]')


def vanity(person) -> str:
    return quote(person["public_id"], safe="")


def test_hidden_alternate_badges_are_not_visible_and_the_true_one_is(sandbox, login, pick):
    sandbox.control.set_faults(markup="2026")
    page = login("alice")
    for skip in range(10):
        person = pick(relation="DISTANCE_2", skip=skip)
        page.goto(f"/in/{person['public_id']}/")
        first = card_of(page, person).get_by_text("· 1st", exact=True)
        if first.count():
            break
    else:
        raise AssertionError("most 2026 pages carry a hidden '· 1st' badge")
    card = card_of(page, person)
    assert not first.is_visible()
    assert card.get_by_text("· 2nd", exact=True).is_visible()
    assert "· 1st" not in card.inner_text()  # rendered text holds only the true badge


def test_more_opens_the_popover_portal_and_flips_aria_expanded(sandbox, login, pick):
    sandbox.control.set_faults(markup="2026", connect_style="overflow")
    person = pick(relation="DISTANCE_3")
    page = login("alice")
    page.goto(f"/in/{person['public_id']}/")
    more = card_of(page, person).get_by_role("button", name="More", exact=True)
    menu = page.locator('div[popover="manual"]')
    assert more.get_attribute("aria-expanded") == "false" and not menu.is_visible()
    more.click()
    assert page.locator("[popover]:popover-open").count() == 1 and menu.is_visible()
    assert more.get_attribute("aria-expanded") == "true"
    connect = menu.get_by_role("menuitem", name=f"Invite {person['full_name']} to connect")
    assert connect.is_visible() and connect.inner_text().strip() == "Connect"
    page.keyboard.press("Escape")
    assert not menu.is_visible() and more.get_attribute("aria-expanded") == "false"
    more.click()
    assert menu.is_visible()
    more.click()  # a second click closes it
    assert not menu.is_visible() and more.get_attribute("aria-expanded") == "false"
    more.click()
    page.locator("main h2").filter(has_text="Experience").click()  # an outside click closes it
    assert not menu.is_visible() and more.get_attribute("aria-expanded") == "false"
    assert sent(sandbox) == []


def test_the_menu_connect_item_sends_exactly_one_invitation_to_that_person(sandbox, login, pick):
    sandbox.control.set_faults(markup="2026", connect_style="overflow", modal_variant=0)
    person = pick(relation="DISTANCE_2")
    page = login("alice")
    page.goto(f"/in/{person['public_id']}/")
    card = card_of(page, person)
    card.get_by_role("button", name="More", exact=True).click()
    page.locator(
        f'[popover]:popover-open a[role="menuitem"][href^="/preload/custom-invite/?vanityName={vanity(person)}"]'
    ).click()
    page.locator(SEND).first.click()
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
    assert (
        urlpath(page.url) == f"/in/{person['public_id']}/"
    )  # the link click was the page's, not a navigation
    pending = card.locator(
        f'a[aria-label="Pending, click to withdraw invitation sent to {person["full_name"]}"]'
    )
    assert pending.is_visible()
    assert [(i["person"], i["status"]) for i in sent(sandbox)] == [(person["public_id"], "pending")]
    pending.click()  # the Pending control withdraws, after the dialog's confirmation
    page.click('[role="dialog"] button:has-text("Withdraw")')
    page.wait_for_load_state()
    card_of(page, person).get_by_role("button", name="More", exact=True).wait_for()
    assert [i["status"] for i in sent(sandbox)] == ["withdrawn"]


def urlpath(url: str) -> str:
    from urllib.parse import unquote, urlsplit

    return unquote(urlsplit(url).path)


def _namesake_pairs(sandbox) -> list[tuple[dict, dict]]:
    """(person, namesake) pairs: same full name, another vanity name, neither connected to alice."""
    people = {p["public_id"]: p for p in sandbox.control.people()}
    pairs = []
    for p in people.values():
        other = people.get(p["namesake_of"] or "")
        invitable = [
            q for q in (p, other) if q and not q["private"] and q["relations"]["alice"].startswith("DIST")
        ]
        if len(invitable) == 2:
            pairs.append((p, other))
    assert pairs, "the population has namesakes"
    return pairs


def _namesake_pair(sandbox) -> tuple[dict, dict]:
    return _namesake_pairs(sandbox)[0]


def test_custom_invite_followed_as_a_link_invites_that_vanity_name_only(sandbox, login):
    sandbox.control.set_faults(modal_variant=1)
    target, namesake = _namesake_pair(sandbox)
    assert target["full_name"] == namesake["full_name"] and target["public_id"] != namesake["public_id"]
    page = login("alice")
    page.goto(f"/preload/custom-invite/?vanityName={vanity(target)}")
    page.locator(SEND).first.click()
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
    assert "pending" in page.locator(".custom-invite__status").inner_text()
    assert [i["person"] for i in sent(sandbox)] == [target["public_id"]]
    assert sandbox.control.person(namesake["public_id"])["relations"]["alice"] != "pending"


def test_a_sidebar_namesake_is_invited_as_itself_not_as_the_profile_owner(sandbox, login):
    sandbox.control.set_faults(markup="2026", connect_style="overflow")
    page = login("alice")
    views = [view for a, b in _namesake_pairs(sandbox)[:6] for view in ((a, b), (b, a))]
    for viewed, other in views:
        page.goto(f"/in/{viewed['public_id']}/")
        side = page.locator(f'[componentkey="profileCardsAboveActivity{viewed["profile_id"]}"] li').first
        assert side.get_by_role("link").first.get_attribute("href") == f"/in/{vanity(other)}/"
        connect = side.get_by_role("button", name=f"Invite {other['full_name']} to connect")
        if connect.count():
            connect.click()
            page.locator(SEND).first.click()
            page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
            assert [i["person"] for i in sent(sandbox)] == [other["public_id"]]
            return
    pytest.fail("no namesake's sidebar offered a Connect for the other")


def test_the_message_link_opens_the_overlay_for_a_connection_and_sends_one_message(sandbox, login, pick):
    sandbox.control.set_faults(markup="2026")
    friend = pick(relation="connected")
    page = login("alice")
    page.goto(f"/in/{friend['public_id']}/")
    link = card_of(page, friend).get_by_role("link", name="Message", exact=True)
    assert link.get_attribute("href").startswith(
        f"/messaging/compose/?profileUrn={quote(friend['urn'], safe='')}"
    )
    link.click()
    overlay = page.get_by_role("dialog", name=f"Messaging with {friend['full_name']}")
    overlay.locator('div[class*="msg-form__contenteditable"]').fill("Hello from the 2026 page")
    overlay.locator('button[type="submit"][class*="msg-form"]').click()
    page.wait_for_selector(".msg-s-event-listitem__body")
    assert urlpath(page.url) == f"/in/{friend['public_id']}/"
    assert [(m["person"], m["text"]) for m in messages(sandbox)] == [
        (friend["public_id"], "Hello from the 2026 page")
    ]


def test_the_message_link_of_a_non_connection_shows_the_inmail_upsell(sandbox, login, pick):
    sandbox.control.set_faults(markup="2026")
    person = pick(relation="DISTANCE_2")
    page = login("alice")
    page.goto(f"/in/{person['public_id']}/")
    card_of(page, person).get_by_role("link", name="Message", exact=True).click()
    page.get_by_role("dialog").filter(has_text="InMail").wait_for()
    assert page.locator('div[class*="msg-form__contenteditable"]').count() == 0
    assert messages(sandbox) == []


def test_the_compose_link_followed_as_a_link_sends_and_records_the_message(sandbox, login, pick):
    friend = pick(relation="connected")
    page = login("alice")
    page.goto(
        f"/messaging/compose/?profileUrn={quote(friend['urn'], safe='')}&screenContext=NON_SELF_PROFILE_VIEW"
    )
    page.locator('div[class*="msg-form__contenteditable"]').fill("Sent from the compose page")
    page.locator('button[type="submit"][class*="msg-form"]').click()
    page.get_by_text("Sent from the compose page").wait_for()
    assert [(m["person"], m["text"]) for m in messages(sandbox)] == [
        (friend["public_id"], "Sent from the compose page")
    ]


def test_the_2022_menu_connect_is_found_by_its_hidden_text_and_invites_that_person(sandbox, login, pick, ui):
    sandbox.control.set_faults(markup="2022", connect_style="overflow", modal_variant=2)
    person = pick(relation="DISTANCE_3")
    page = login("alice")
    page.goto(f"/in/{person['public_id']}/")
    card = ui.top_card(page, person)
    card.locator('button[aria-label="More actions"]').click()
    item = card.get_by_role("button", name=f"Invite {person['full_name']} to connect")
    assert item.get_attribute("aria-label") is None and item.is_visible()
    item.click()
    page.locator(SEND).first.click()
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
    assert [i["person"] for i in sent(sandbox)] == [person["public_id"]]
    assert card.get_by_role(
        "button", name=f"Pending, click to withdraw invitation sent to {person['full_name']}"
    ).is_visible()


def test_the_older_page_connects_and_its_pending_button_withdraws(sandbox, login, pick, ui):
    sandbox.control.set_faults(markup="older", modal_variant=0)
    person = pick(relation="DISTANCE_2")
    page = login("alice")
    page.goto(f"/in/{person['public_id']}/")
    card = ui.top_card(page, person)
    card.locator("button.pv-s-profile-actions--connect").click()
    page.locator(SEND).first.click()
    page.wait_for_selector('[data-test-artdeco-toast-item-type="success"]')
    assert [i["person"] for i in sent(sandbox)] == [person["public_id"]]
    page.goto(f"/in/{person['public_id']}/")
    ui.top_card(page, person).get_by_role("button", name="Pending", exact=True).click()
    page.click('[role="dialog"] button:has-text("Withdraw")')
    page.wait_for_load_state()
    ui.top_card(page, person).locator("button.pv-s-profile-actions--connect").wait_for()
    assert [i["status"] for i in sent(sandbox)] == ["withdrawn"]


def test_the_menu_connect_meets_the_error_toast_and_the_weekly_limit(sandbox, login, pick):
    sandbox.control.set_faults(
        markup="2026", connect_style="overflow", modal_variant=0, connect_error_rate=1.0
    )
    first, second = pick(relation="DISTANCE_2"), pick(relation="DISTANCE_2", skip=1)
    page = login("alice")
    page.goto(f"/in/{first['public_id']}/")
    card_of(page, first).get_by_role("button", name="More", exact=True).click()
    page.locator(
        f'[popover]:popover-open a[href^="/preload/custom-invite/?vanityName={vanity(first)}"]'
    ).click()
    page.locator(SEND).first.click()
    page.wait_for_selector('div[data-test-artdeco-toast-item-type="error"] h2[data-testid="toasts-title"]')
    assert sent(sandbox) == []
    sandbox.control.set_faults(connect_error_rate=0.0)
    sandbox.control.update_account("alice", weekly_limit=0)
    page.goto(f"/preload/custom-invite/?vanityName={vanity(second)}")
    page.wait_for_selector('div[class*="ip-fuse-limit-alert__warning"]')
    assert page.locator(SEND).count() == 0 and sent(sandbox) == []
