"""The gap between two outward actions of one browser worker counts from the end of the previous one.

Its click or send comes at the end of a unit (an invitation after its page loads, a message after it is
typed); counted from the previous gap check alone, a `make demo` run had two invitations 2.98 s apart
with a 4 s gap, flagged by the sandbox as a burst. A fake clock: no real waiting.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

import workers.browser as browser

GAP = 4.0


@pytest.fixture
def clock(monkeypatch, settings):
    settings.OUTWARD_ACTION_GAP_SECONDS = GAP
    fake = SimpleNamespace(now=1000.0)
    fake.monotonic = lambda: fake.now

    def sleep(seconds: float) -> None:
        fake.now += seconds

    fake.sleep = sleep
    monkeypatch.setattr(browser, "time", fake)
    monkeypatch.setattr(browser, "random", SimpleNamespace(uniform=lambda low, high: low))  # no jitter
    monkeypatch.setattr(browser, "_last_outward", None)
    return fake


def unit(clock, before_action: float, *, acts: bool = True, after_action: float = 0.3) -> float | None:
    """One outward unit: the gap check, `before_action` seconds of page loads or typing, the click (its
    time returned), then the rest of the unit."""
    with browser.outward_gap() as before_outward:
        clock.now += 0.2  # the unit reads the deal first
        if not acts:  # refused before its action (caps, a reply, the deal moved on)
            return None
        before_outward()
        clock.now += before_action
        clicked = clock.now
        clock.now += after_action
        return clicked


def test_an_invitation_follows_the_previous_invitation_by_the_whole_gap(clock):
    first = unit(clock, before_action=2.0)
    second = unit(clock, before_action=1.5)
    assert second - first >= GAP


def test_an_invitation_follows_a_typed_message_by_the_whole_gap(clock):
    sent = unit(clock, before_action=12.0)  # typing a follow-up takes longer than the gap itself
    invited = unit(clock, before_action=0.5)
    assert invited - sent >= GAP


def test_a_unit_refused_before_its_action_does_not_move_the_gap(clock):
    first = unit(clock, before_action=2.0)
    start = clock.now
    assert unit(clock, before_action=0, acts=False) is None
    assert clock.now - start == pytest.approx(0.2)  # it did not wait for a gap it never needed
    second = unit(clock, before_action=0.1)
    assert second - first >= GAP
