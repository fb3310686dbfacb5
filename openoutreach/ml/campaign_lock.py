"""One qualify run per campaign at a time: a Redis lock with an expiry, refused at once when held.

`redis-py`'s Lock stores a random token, so only the holder can extend or release it, and the expiry
frees the campaign if the holder dies (a killed worker never blocks a campaign for longer than `ttl`).
The holder extends it while it works (before each LLM question), so a long run keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import redis
from redis.exceptions import LockError


class CampaignBusy(RuntimeError):
    """Another qualify run holds this campaign's lock."""


def lock_name(campaign_id: int) -> str:
    return f"openoutreach:lock:qualify:{int(campaign_id)}"


@contextmanager
def campaign_lock(client: redis.Redis, campaign_id: int, ttl: float = 600.0) -> Iterator[Callable[[], None]]:
    """Hold the campaign's qualify lock for the body; yields `keep_alive()` that pushes the expiry back
    to `ttl` seconds from now. Raises CampaignBusy without waiting when another run holds it."""
    lock = client.lock(lock_name(campaign_id), timeout=ttl, blocking=False)
    if not lock.acquire():
        raise CampaignBusy(f"campaign {campaign_id} is being qualified by another run")

    def keep_alive() -> None:
        lock.extend(ttl, replace_ttl=True)

    try:
        yield keep_alive
    finally:
        # LockError: it expired and maybe someone else holds it now; theirs, leave it alone.
        with suppress(LockError):
            lock.release()
