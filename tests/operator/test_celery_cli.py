"""The manual operations an operator runs with the celery CLI (documented in the README), on real Redis,
a real browser worker and the sandbox: enqueue an enrichment for one account, see what runs and which
queues are consumed, and purge one account's queue without touching the others."""

from __future__ import annotations

import json
import stat
import subprocess
from datetime import time as clock

import pytest
from django.conf import settings

from openoutreach.linkedin.urls import profile_url
from openoutreach.outreach.models import LinkedInProfile
from openoutreach.pipeline.leads import discover
from openoutreach.processes import celery_argv, wait_until
from openoutreach.testing.fixtures import HOSTNAME, make_account

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def celery_run(process_env):
    """Run `celery -A openoutreach <args>` as an operator would, against the test's Redis and database."""

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            celery_argv(*args), env=process_env, capture_output=True, text=True, timeout=120
        )

    return run


@pytest.fixture
def celery_cli(celery_run):
    """Like celery_run, for commands that must succeed; returns their output."""

    def run(*args: str) -> str:
        result = celery_run(*args)
        assert result.returncode == 0, f"celery {' '.join(args)}:\n{result.stdout}\n{result.stderr}"
        return result.stdout

    return run


def test_enqueue_an_enrichment_for_one_account_and_inspect_its_worker(
    sandbox, alice, browser_worker, celery_cli, celery_run
):
    alice.working_hours_start, alice.working_hours_end = clock(0), clock(23, 59)  # re-checked in the worker
    alice.save()
    worker = browser_worker("alice")
    node = f"browser.alice@{HOSTNAME}"
    queues = json.loads(celery_cli("inspect", "active_queues", "-d", node, "--json"))
    assert [q["name"] for q in queues[node]] == ["browser.alice"]

    people = sandbox.control.people(limit=30)
    lead_ids = [
        discover(profile_url(p["public_id"], sandbox.base_url), p["public_id"]).lead.pk for p in people
    ]
    task_id = celery_cli(
        "call", "browser.enrich", "--kwargs", json.dumps({"account": "alice", "lead_ids": lead_ids})
    ).strip()
    wait_until(
        lambda: f"browser.enrich[{task_id}] received" in worker.log_path.read_text(errors="replace"),
        timeout=30,
        what="alice's worker to receive the task",
    )

    # A browser worker is a solo pool: while its task runs it answers no control command at all.
    busy = celery_run("inspect", "ping", "-d", node, "-t", "1")
    assert busy.returncode != 0 and "No nodes replied" in busy.stdout + busy.stderr

    wait_until(
        lambda: (
            LinkedInProfile.objects.filter(lead_id__in=lead_ids, enriched_at__isnull=False).count()
            == len(lead_ids)
        ),
        timeout=240,
        interval=1,
        what="every lead enriched",
    )
    assert json.loads(celery_cli("inspect", "active", "-d", node, "--json")) == {node: []}
    outcome = celery_cli("result", task_id)
    assert f"'enriched': {lead_ids}" in outcome

    storage = settings.COOKIES_DIR / "alice.json"
    assert stat.S_IMODE(storage.stat().st_mode) == 0o600, "the session cookies are readable by the owner only"
    assert "alice-pass" not in worker.log_path.read_text(errors="replace")


def test_purge_empties_one_accounts_queue_only(redis_client, campaign, celery_cli):
    make_account("bob", campaign)
    make_account("carol", campaign)
    for handle, n in (("bob", 3), ("carol", 1)):  # no worker runs for them: the tasks wait in Redis
        for _ in range(n):
            celery_cli("call", "browser.health", "--kwargs", json.dumps({"account": handle}))
    assert (redis_client.llen("browser.bob"), redis_client.llen("browser.carol")) == (3, 1)

    output = celery_cli("purge", "-Q", "browser.bob", "-f")

    assert "Purged 3 messages" in output
    assert (redis_client.llen("browser.bob"), redis_client.llen("browser.carol")) == (0, 1)
