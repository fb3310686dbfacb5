"""One live session per LinkedIn account, enforced with a lease in Redis.

A browser worker takes the lease at start (SET NX with a TTL), renews it well before the TTL runs out and
releases it on shutdown. A second worker for the same account finds the lease held and refuses to start:
two live sessions of one account are an instant ban risk. A lease left by a worker that was killed
outright is cleared at once when its holder provably no longer runs (same host, same pid namespace, pid
gone); otherwise it lapses with its TTL. If a renewal finds the lease held by someone
else, the holder must stop at once. If the lease vanished (Redis was flushed or restarted) and nobody
holds it, the renewal takes it back.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil
import redis

# Compare-and-act scripts: only the holder may renew or release.
_RENEW = """
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if not v then return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 2 or 0 end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class LeaseHeld(RuntimeError):
    """Another process holds this account's lease."""


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "?"


def default_holder() -> str:
    """host:pid-namespace:pid: enough to tell, on this host, whether the holder still runs."""
    return f"{socket.gethostname()}:{_pid_namespace()}:{os.getpid()}"


def holder_is_gone(holder: str) -> bool:
    """True only when `holder` is a process of this host and pid namespace that no longer runs (a pid
    now used by another process counts as running: the lease then lapses with its TTL)."""
    host, _, rest = holder.partition(":")
    namespace, _, pid = rest.partition(":")
    if host != socket.gethostname() or namespace != _pid_namespace() or not pid.isdigit():
        return False
    return not psutil.pid_exists(int(pid))


@dataclass
class AccountLease:
    client: redis.Redis
    handle: str
    holder: str = field(default_factory=default_holder)
    ttl_seconds: float = 30.0

    @property
    def key(self) -> str:
        return f"openoutreach:lease:account:{self.handle}"

    def current_holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if value else None

    def acquire(self) -> None:
        if not self.client.set(self.key, self.holder, nx=True, px=int(self.ttl_seconds * 1000)):
            holder = self.current_holder()
            if holder != self.holder:
                raise LeaseHeld(
                    f"account {self.handle!r} is already worked by {holder} "
                    f"(lease {self.key}, expires within {self.ttl_seconds:.0f}s of that worker's death)"
                )

    def clear_if_stale(self) -> str | None:
        """Delete a lease whose holder died on this host without releasing it; returns that holder."""
        holder = self.current_holder()
        if holder is None or holder == self.holder or not holder_is_gone(holder):
            return None
        return holder if self.client.eval(_RELEASE, 1, self.key, holder) else None

    def renew(self) -> bool:
        """True while we hold the lease (re-taken if it vanished); False once someone else holds it."""
        return bool(self.client.eval(_RENEW, 1, self.key, self.holder, int(self.ttl_seconds * 1000)))

    def release(self) -> None:
        self.client.eval(_RELEASE, 1, self.key, self.holder)


class LeaseKeeper(threading.Thread):
    """Renews a lease every third of its TTL; calls `on_lost` (once) when it is lost to another holder."""

    def __init__(self, lease: AccountLease, on_lost: Callable[[str], None]) -> None:
        super().__init__(name=f"lease-{lease.handle}", daemon=True)
        self.lease, self.on_lost = lease, on_lost
        self._stop_event = threading.Event()

    def run(self) -> None:
        interval = self.lease.ttl_seconds / 3
        while not self._stop_event.wait(interval):
            try:
                held = self.lease.renew()
            except redis.RedisError:
                continue  # Redis briefly away: keep trying until the TTL would have run out
            if not held:
                self.on_lost(f"lease of account {self.lease.handle!r} taken by {self.lease.current_holder()}")
                return

    def stop(self) -> None:
        self._stop_event.set()
