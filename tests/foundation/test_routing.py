"""Per-account queues: a browser task for account X runs only on X's worker; ml tasks on the ML worker."""

from __future__ import annotations

import pytest
from celery.exceptions import TaskRevokedError  # noqa: F401  (documents what .get may raise)

from openoutreach.celery import app
from workers.queues import RoutingError, browser_queue, route_task

pytestmark = pytest.mark.slow


def test_router_maps_task_names_to_queues():
    assert route_task("browser.connect", (), {"account": "alice"}, {}) == {"queue": "browser.alice"}
    assert route_task("ml.qualify", (), {}, {}) == {"queue": "ml"}
    assert route_task("lanes.connect", (), {}, {}) == {"queue": "default"}


def test_a_browser_task_without_an_account_is_refused_at_send_time():
    with pytest.raises(RoutingError, match="account=<handle>"):
        route_task("browser.connect", (), {}, {})
    with pytest.raises(RoutingError, match="invalid account handle"):
        browser_queue("Alice Smith")


def test_browser_tasks_run_only_on_their_accounts_worker_and_ml_on_the_ml_worker(start_worker, redis_client):
    start_worker([browser_queue("alice")], "browser.alice", env_extra={"OPENOUTREACH_ACCOUNT": "alice"})
    start_worker([browser_queue("bob")], "browser.bob", env_extra={"OPENOUTREACH_ACCOUNT": "bob"})
    start_worker(["ml"], "ml")

    alice_runs = [app.send_task("browser.identify", kwargs={"account": "alice"}) for _ in range(6)]
    bob_runs = [app.send_task("browser.identify", kwargs={"account": "bob"}) for _ in range(6)]
    ml_runs = [app.send_task("ml.identify") for _ in range(3)]

    assert {r.get(timeout=30)["hostname"].split("@")[0] for r in alice_runs} == {"browser.alice"}
    assert {r.get(timeout=30)["hostname"].split("@")[0] for r in bob_runs} == {"browser.bob"}
    assert {r.get(timeout=30)["hostname"].split("@")[0] for r in ml_runs} == {"ml"}
    assert {r.get(timeout=30)["queue"] for r in alice_runs} == {"browser.alice"}


def test_a_browser_task_forced_onto_another_accounts_queue_is_refused_by_that_worker(
    start_worker, redis_client
):
    start_worker([browser_queue("bob")], "browser.bob", env_extra={"OPENOUTREACH_ACCOUNT": "bob"})

    stray = app.send_task("browser.identify", kwargs={"account": "alice"}, queue=browser_queue("bob"))

    with pytest.raises(Exception, match="reached worker of 'bob'"):
        stray.get(timeout=30)
