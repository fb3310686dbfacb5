"""Messages in real Chromium against the sandbox: the profile's chat overlay, the new-thread fallback that
picks the exact person among namesakes, and the refusals (error toast, not a connection)."""

from __future__ import annotations

import pytest

from openoutreach.linkedin.actions import MessageChannel, send_message
from openoutreach.linkedin.errors import MessageFailed

pytestmark = pytest.mark.browser


def friends(sandbox) -> list[dict]:
    return [p for p in sandbox.control.people(limit=500) if p["relations"]["alice"] == "connected"]


def sent(sandbox) -> list[tuple[str, str, str]]:
    return [
        (m["account"], m["person"], m["text"])
        for m in sandbox.control.snapshot()["messages"]
        if m["sender"] == "account"
    ]


@pytest.mark.parametrize("markup", ["2026", "2022", "older"])
def test_the_overlay_sends_to_the_person_on_the_profile(alice, sandbox, markup):
    sandbox.control.set_faults(account="alice", markup=markup)
    friend = friends(sandbox)[0]
    text = f"Hi {friend['first_name']}, thanks for connecting!\nShall we talk next week?"

    result = send_message(alice, f"/in/{friend['public_id']}/", text)

    assert result.channel is MessageChannel.OVERLAY
    assert sent(sandbox) == [("alice", friend["public_id"], text)]


def test_the_new_thread_fallback_picks_the_exact_person_among_namesakes(alice, sandbox):
    mine = friends(sandbox)
    names = [p["full_name"] for p in mine]
    twins = [p for p in mine if names.count(p["full_name"]) > 1]
    assert twins, "alice's network must contain namesakes for this test to mean anything"
    # the one the typeahead does NOT list first (it lists the oldest connection first)
    for friend in reversed(twins):
        result = send_message(
            alice, f"/in/{friend['public_id']}/", "Quick question about your stack", prefer_overlay=False
        )
        assert result.channel is MessageChannel.NEW_THREAD

    assert sent(sandbox) == [
        ("alice", f["public_id"], "Quick question about your stack") for f in reversed(twins)
    ]


def test_an_error_toast_is_a_failed_message(alice, sandbox):
    sandbox.control.set_faults(account="alice", message_error_rate=1.0)
    friend = friends(sandbox)[1]

    with pytest.raises(MessageFailed) as caught:
        send_message(alice, f"/in/{friend['public_id']}/", "Hello there")

    assert caught.value.reason
    assert sent(sandbox) == []


def test_a_stranger_cannot_be_messaged(alice, sandbox):
    stranger = next(
        p
        for p in sandbox.control.people(limit=500)
        if p["relations"]["alice"] in ("DISTANCE_2", "DISTANCE_3")
        and not p["private"]
        and p["connect_style"] == "direct"
    )

    with pytest.raises(MessageFailed, match="InMail"):
        send_message(alice, f"/in/{stranger['public_id']}/", "Hello there")
    with pytest.raises(MessageFailed, match="typeahead"):
        send_message(alice, f"/in/{stranger['public_id']}/", "Hello there", prefer_overlay=False)

    assert sent(sandbox) == []


def test_an_empty_message_is_refused_before_any_click(alice, sandbox):
    with pytest.raises(ValueError, match="empty"):
        send_message(alice, f"/in/{friends(sandbox)[0]['public_id']}/", "  \n ")
