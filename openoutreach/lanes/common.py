"""What every lane shares: the accounts that may act, per-account slots with jittered pacing, sending."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from openoutreach.outreach.models import LaneSlot, LinkedInAccount
from openoutreach.pipeline import claims
from openoutreach.safety import caps


def runnable_accounts(now: datetime) -> list[LinkedInAccount]:
    """Active accounts that are not paused (a pause with an end that has passed no longer counts).
    Each lane then asks `account.may_act(lane, now)` (lane pause, hours, caps)."""
    ok = Q(status=LinkedInAccount.Status.OK) | Q(paused_until__isnull=False, paused_until__lte=now)
    return list(LinkedInAccount.objects.filter(active=True).filter(ok).select_related("user"))


def interval_seconds(
    account: LinkedInAccount, kind: str, min_interval: float, now: datetime, rng: random.Random
) -> float:
    """max(min_interval, working window / today's cap), then +-PACING_JITTER: never a fixed period."""
    cap = caps.daily_cap(account, kind, now)
    base = max(min_interval, caps.window_seconds(account) / cap if cap else min_interval)
    jitter = settings.PACING_JITTER
    return base * rng.uniform(1 - jitter, 1 + jitter) / settings.TIME_SCALE


def slot_due(account: LinkedInAccount, lane: str, now: datetime) -> bool:
    slot = LaneSlot.objects.filter(account=account, lane=lane).only("next_at").first()
    return slot is None or slot.next_at <= now


def take_slot(account: LinkedInAccount, lane: str, interval: float, now: datetime) -> bool:
    """Take the account's slot for this lane if it is due; False when it is not, or another dispatcher
    took it first (a conditional UPDATE: 0 rows changed means someone else has it)."""
    slot, _ = LaneSlot.objects.get_or_create(account=account, lane=lane, defaults={"next_at": now})
    changed = LaneSlot.objects.filter(pk=slot.pk, next_at__lte=now).update(
        next_at=now + timedelta(seconds=interval), last_at=now
    )
    return changed == 1


def claim_until(now: datetime) -> datetime:
    return claims.until(now)


# How much browser work may wait in an account's queue before a lane holds back: the gap fillers
# (enrich, search) only fill an idle browser; outward lanes keep a short line so they never starve.
GAP_FILLER_QUEUE_LIMIT = 1
OUTWARD_QUEUE_LIMIT = 3


def queued(account: LinkedInAccount) -> int:
    """Tasks waiting in the account's browser queue (Redis list length; 0 when Redis is away, since
    claims and slots in the database still bound what can be sent)."""
    from workers.queues import browser_queue

    return waiting_in(browser_queue(account.handle))


def waiting_in(queue: str) -> int:
    """Tasks waiting in a queue (Redis list length; 0 when Redis is away)."""
    import redis

    try:
        return int(_redis().llen(queue))
    except redis.RedisError:
        return 0


def backed_up(account: LinkedInAccount, limit: int) -> bool:
    return queued(account) >= limit


_client = None


def _redis():
    global _client
    import redis

    if _client is None or _client.connection_pool.connection_kwargs.get("port") != _port(settings.REDIS_URL):
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
    return _client


def _port(url: str) -> int | None:
    from urllib.parse import urlsplit

    return urlsplit(url).port


def new_task_id() -> str:
    """Task ids are drawn before the claim, so the claim row names the one task allowed to act on it."""
    return str(uuid.uuid4())


def send(task: str, expires_at: datetime | None = None, task_id: str | None = None, **kwargs) -> str:
    """Enqueue a task by name (routing puts browser.* on the account's queue). Returns its id."""
    from openoutreach.celery import app

    expires = expires_at or claim_until(timezone.now())
    return app.send_task(task, kwargs=kwargs, expires=expires, task_id=task_id or new_task_id()).id
