"""The breaker: N consecutive "control not found" outcomes of one action pause that action for that
account until an operator resumes it; anything else in between resets the count."""

from __future__ import annotations

from django.test import override_settings

from openoutreach.outreach.models import ActionLog
from openoutreach.outreach.work_models import LanePauseReason
from openoutreach.safety import breaker


def not_found(account, kind="connect") -> bool:
    ActionLog.objects.create(account=account, kind=kind, outcome=ActionLog.Outcome.NOT_FOUND)
    return breaker.record(account, kind)


@override_settings(BREAKER_THRESHOLD=3)
def test_three_in_a_row_pause_that_action_only(alice):
    assert not not_found(alice) and not not_found(alice)
    assert alice.lane_pause("connect") is None

    assert not_found(alice)

    allowed, why = alice.may_act("connect")
    assert not allowed and "LinkedIn's page may have changed: see captures" in why
    assert alice.lane_pause("connect").reason == LanePauseReason.PAGE_CHANGED
    assert alice.lane_pause("follow_up") is None  # other actions go on
    assert ActionLog.objects.filter(account=alice, outcome=ActionLog.Outcome.BREAKER).count() == 1


@override_settings(BREAKER_THRESHOLD=3)
def test_a_success_in_between_resets_the_count(alice, bob):
    not_found(alice)
    not_found(alice)
    ActionLog.objects.create(account=alice, kind="connect", outcome=ActionLog.Outcome.OK)
    assert not not_found(alice) and not not_found(alice)
    ActionLog.objects.create(account=alice, kind="connect", outcome=ActionLog.Outcome.SKIPPED)  # no page
    not_found(bob)  # another account's failures never count for alice
    assert alice.lane_pause("connect") is None
    assert not_found(alice)


@override_settings(BREAKER_THRESHOLD=2)
def test_after_the_operator_resumes_the_count_starts_again(alice):
    not_found(alice, "follow_up")
    assert not_found(alice, "follow_up")
    alice.resume_lane("follow_up")

    assert not not_found(alice, "follow_up")  # one failure after a resume is not yet a trip
    assert alice.lane_pause("follow_up") is None
    assert not_found(alice, "follow_up")
