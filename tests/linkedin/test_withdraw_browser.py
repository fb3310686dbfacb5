"""Withdrawing an invitation in real Chromium against the sandbox: the top card's Pending control and its
confirmation dialog in every markup generation, the sent-invitations page when the card has no Pending,
and no click at all when there is nothing to withdraw."""

from __future__ import annotations

import pytest

from openoutreach.linkedin.actions import ConnectOutcome, connect
from openoutreach.linkedin.actions.withdraw import WithdrawOutcome, withdraw

pytestmark = pytest.mark.browser

GENERATIONS = ["2026", "2022", "older"]


def stranger(sandbox, index: int) -> dict:
    people = [
        p for p in sandbox.control.people(limit=500)
        if not p["private"] and not p["is_account"] and not p["namesake_of"]
        and p["relations"]["alice"] in ("DISTANCE_2", "DISTANCE_3")
    ]  # fmt: skip
    return people[index]


def alice_invitations(sandbox, person) -> list[str]:
    return [
        i["status"]
        for i in sandbox.control.snapshot()["invitations"]
        if i["account"] == "alice" and i["person"] == person["public_id"]
    ]


@pytest.mark.parametrize("markup", GENERATIONS)
def test_pending_control_and_its_confirmation_withdraw_the_invitation(alice, sandbox, markup):
    sandbox.control.set_faults(account="alice", markup=markup)
    person = stranger(sandbox, GENERATIONS.index(markup))
    url = f"/in/{person['public_id']}/"
    assert connect(alice, url).outcome is ConnectOutcome.SENT

    result = withdraw(alice, url, full_name=person["full_name"])

    assert result.outcome is WithdrawOutcome.WITHDRAWN and result.via == "profile"
    assert result.confirmed
    assert result.rules["pending"]  # the top card's Pending control was found by a rule
    assert alice_invitations(sandbox, person) == ["withdrawn"]


def test_without_pending_in_the_card_the_sent_invitations_page_withdraws(alice, sandbox):
    sandbox.control.set_faults(account="alice", markup="2026", pending_not_in_card=True)
    person, other = stranger(sandbox, 3), stranger(sandbox, 4)
    for p in (person, other):
        assert connect(alice, f"/in/{p['public_id']}/").outcome is ConnectOutcome.SENT

    result = withdraw(alice, f"/in/{person['public_id']}/", full_name=person["full_name"])

    assert result.outcome is WithdrawOutcome.WITHDRAWN and result.via == "sent_page"
    assert alice_invitations(sandbox, person) == ["withdrawn"]
    assert alice_invitations(sandbox, other) == ["pending"]  # only THIS person's card was used


def test_nothing_pending_means_no_click(alice, sandbox):
    person = stranger(sandbox, 5)
    result = withdraw(alice, f"/in/{person['public_id']}/", full_name=person["full_name"])
    assert result.outcome is WithdrawOutcome.NOT_PENDING
    assert alice_invitations(sandbox, person) == []
