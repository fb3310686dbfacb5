"""One live session per account: the Redis lease behind the browser worker."""

from __future__ import annotations

import time

import pytest

from openoutreach.safety.lease import AccountLease, LeaseHeld


def test_a_second_holder_is_refused_and_told_who_holds_it(redis_client):
    first = AccountLease(redis_client, "alice", holder="host-a:1")
    second = AccountLease(redis_client, "alice", holder="host-b:2")
    first.acquire()

    with pytest.raises(LeaseHeld, match="already worked by host-a:1"):
        second.acquire()
    assert AccountLease(redis_client, "bob", holder="host-b:2").acquire() is None  # other accounts are free


def test_only_the_holder_renews_or_releases(redis_client):
    first = AccountLease(redis_client, "alice", holder="host-a:1")
    second = AccountLease(redis_client, "alice", holder="host-b:2")
    first.acquire()

    assert second.renew() is False
    second.release()
    assert first.current_holder() == "host-a:1"
    assert first.renew() is True
    first.release()
    assert first.current_holder() is None


def test_a_flushed_redis_gives_the_lease_back_to_its_holder_on_renewal(redis_client):
    lease = AccountLease(redis_client, "alice", holder="host-a:1")
    lease.acquire()
    redis_client.flushall()

    assert lease.renew() is True
    assert lease.current_holder() == "host-a:1"
    with pytest.raises(LeaseHeld):
        AccountLease(redis_client, "alice", holder="host-b:2").acquire()


def test_the_lease_expires_when_its_holder_stops_renewing(redis_client):
    """acquire() must set a TTL: a dead holder (who never renews or releases) frees the account."""
    lease = AccountLease(redis_client, "alice", holder="host-a:1", ttl_seconds=3)
    lease.acquire()

    ttl_ms = redis_client.pttl(lease.key)
    assert 0 < ttl_ms <= 3000, f"the lease has no TTL (PTTL {ttl_ms}): a dead worker would hold it forever"
    deadline = time.monotonic() + 30
    while redis_client.exists(lease.key):  # the holder is "dead": nobody renews; Redis expires the key
        assert time.monotonic() < deadline, "the lease never expired"
        time.sleep(0.05)
    AccountLease(redis_client, "alice", holder="host-b:2").acquire()
    assert lease.current_holder() == "host-b:2"
