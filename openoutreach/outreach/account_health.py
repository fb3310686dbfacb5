"""Account health as behaviour of `LinkedInAccount` (mixed into the model): pause, resume, pause one
lane, and `may_act(lane)`, the one question every dispatcher and every browser task asks before acting.

A pause (of the account or of one lane) records the webhook event account.paused in its transaction.

`may_act` answers with the first reason not to act, in this order: the account is inactive, paused,
the lane is paused, it is outside working hours, today's cap (warm-up ramp included) is spent.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .work_models import Lane, LanePause, LanePauseReason

log = logging.getLogger(__name__)

FAILURE_BACKOFF_START = timedelta(minutes=5)
FAILURE_BACKOFF_MAX = timedelta(hours=6)

# The ActionLog kind whose cap a lane spends (lanes without a cap are absent).
CAPPED_KIND = {
    Lane.CONNECT: "connect",
    Lane.FOLLOW_UP: "follow_up",
    Lane.ENRICH: "enrich",
    Lane.WITHDRAW: "withdraw",
}


def _emit_paused(account, reason: str, until: datetime | None, lane: str | None = None) -> None:
    """The webhook event of a pause (imported here: the webhooks app loads after this model's module)."""
    from openoutreach.webhooks import events, outbox

    data = events.account_paused(account, reason=reason, until=until, lane=lane)
    outbox.emit(events.EventType.ACCOUNT_PAUSED, data=data)


class AccountHealth:
    """Methods of LinkedInAccount; the fields (status, paused_*, consecutive_failures) live on the model."""

    def is_paused(self, now: datetime | None = None) -> bool:
        if self.status != self.Status.PAUSED:
            return False
        return self.paused_until is None or self.paused_until > (now or timezone.now())

    def pause(self, reason: str, until: datetime | None = None) -> None:
        """Stop every lane of this account (until an operator resumes it, or until `until`); the webhook
        event account.paused is recorded in the same transaction."""
        with transaction.atomic():
            type(self).objects.filter(pk=self.pk).update(
                status=self.Status.PAUSED, paused_reason=reason, paused_at=timezone.now(), paused_until=until
            )
            _emit_paused(self, reason, until)
        self.refresh_from_db()
        log.warning("account %s paused: %s", self.handle, reason)

    def resume(self) -> None:
        type(self).objects.filter(pk=self.pk).update(
            status=self.Status.OK, paused_reason="", paused_at=None, paused_until=None, consecutive_failures=0
        )
        self.refresh_from_db()

    def pause_lane(
        self, lane: str, reason: LanePauseReason, detail: str = "", until: datetime | None = None
    ) -> LanePause:
        """Stop one lane of this account (`until` None = until an operator resumes it in the admin)."""
        lane, reason = Lane(lane), LanePauseReason(reason)  # a typo is an error, not a silent pause
        with transaction.atomic():
            pause, _ = LanePause.objects.update_or_create(
                account=self,
                lane=lane,
                defaults={"reason": reason, "detail": detail, "since": timezone.now(), "until": until},
            )
            _emit_paused(self, f"{reason.label} {detail}".strip(), until, lane=lane.value)
        log.warning("account %s: lane %s paused (%s) %s", self.handle, lane, reason.label, detail)
        return pause

    def resume_lane(self, lane: str) -> None:
        LanePause.objects.filter(account=self, lane=Lane(lane)).delete()

    def lane_pause(self, lane: str, now: datetime | None = None) -> LanePause | None:
        pause = LanePause.objects.filter(account=self, lane=lane).first()
        return pause if pause is not None and pause.active_at(now or timezone.now()) else None

    def paused_lanes(self, now: datetime | None = None) -> list[LanePause]:
        now = now or timezone.now()
        return [p for p in LanePause.objects.filter(account=self).order_by("lane") if p.active_at(now)]

    def may_act(self, lane: str, now: datetime | None = None) -> tuple[bool, str]:
        """(True, "") when this account may act in `lane` now; else (False, the first reason why not)."""
        from openoutreach.safety import caps

        now = now or timezone.now()
        if not self.active:
            return False, "the account is not active"
        if self.is_paused(now):
            return False, f"account paused: {self.paused_reason}"
        if pause := self.lane_pause(lane, now):
            until = f" until {pause.until:%Y-%m-%d %H:%M} UTC" if pause.until else ""
            return False, f"{lane} paused{until}: {pause.get_reason_display()} {pause.detail}".rstrip()
        if not caps.in_working_hours(self, now):
            return False, "outside working hours"
        kind = CAPPED_KIND.get(lane)
        if kind is not None and caps.usage(self, kind, now).remaining <= 0:
            return False, f"today's {kind} cap is reached"
        return True, ""

    def record_success(self) -> None:
        if self.consecutive_failures:
            type(self).objects.filter(pk=self.pk).update(consecutive_failures=0)
            self.consecutive_failures = 0

    def record_failure(self, reason: str) -> None:
        """After ACCOUNT_FAILURES_BEFORE_BACKOFF unexpected failures in a row, pause the account for a
        growing while (5 min, doubling, at most 6 h): a broken session must not hammer LinkedIn."""
        type(self).objects.filter(pk=self.pk).update(consecutive_failures=F("consecutive_failures") + 1)
        self.refresh_from_db(fields=["consecutive_failures"])
        excess = self.consecutive_failures - settings.ACCOUNT_FAILURES_BEFORE_BACKOFF
        if excess >= 0:
            wait = min(FAILURE_BACKOFF_START * (2**excess), FAILURE_BACKOFF_MAX)
            self.pause(
                f"{self.consecutive_failures} failures in a row (last: {reason[:300]}); backing off",
                timezone.now() + wait,
            )
