"""One live session per account: the Redis lease behind the browser worker."""

from __future__ import annotations

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
    lease = AccountLease(redis_client, "alice", holder="host-a:1", ttl_seconds=0.2)
    lease.acquire()
    redis_client.pexpire(lease.key, 1)
    import time

    time.sleep(0.05)
    AccountLease(redis_client, "alice", holder="host-b:2").acquire()
