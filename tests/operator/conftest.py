"""Operator tests: commands run as real child processes on the test database, each with its own data
directory (its env file and credentials key), so what one test writes never leaks into another."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from openoutreach.operator.onboarding import all_flag_questions, joins_question, members_question
from openoutreach.processes import PROJECT_DIR
from openoutreach.testing.fixtures import database_url

QUESTION_KEYS = {q.key for q in [*all_flag_questions(), joins_question(), members_question()]} | {"SETUP_NOW"}


@pytest.fixture
def child_data_dir(tmp_path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def child_env(transactional_db, workspace, child_data_dir) -> dict[str, str]:
    """The environment of a command run by a test: the test database, a fresh data dir, no answers."""
    from django.db import connection

    env = {k: v for k, v in os.environ.items() if k not in QUESTION_KEYS}
    env.update(
        DATA_DIR=str(child_data_dir),
        DATABASE_URL=database_url(connection.settings_dict),  # SQLite file or PostgreSQL test database
        DJANGO_SETTINGS_MODULE="openoutreach.settings",
        PYTHONUNBUFFERED="1",
        TZ="UTC",
    )
    return env


@pytest.fixture
def manage(child_env):
    """Run `manage.py <args>` without a terminal (stdin is /dev/null)."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=PROJECT_DIR,
            env={**child_env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )

    return run


@pytest.fixture
def child_decrypt(child_data_dir):
    """Decrypt a stored credential with the key the child process generated in its data dir."""

    def decrypt(token: str) -> str:
        key = (child_data_dir / "credentials.key").read_bytes().strip()
        return Fernet(key).decrypt(token.encode()).decode()

    return decrypt


# -- a pipeline with people in every state, as the lanes and the ML worker leave it ------------------------

BASE = "https://www.linkedin.com"


def enriched(public_id: str, account, *, first: str = "Ada", last: str = "Lovelace", country: str = "us"):
    """Discover and enrich one person through the real persistence functions (one ActionLog enrich row)."""
    from openoutreach.linkedin.voyager.parser import Education, ParsedProfile, Position
    from openoutreach.pipeline.leads import discover, save_enrichment

    lead = discover(f"{BASE}/in/{public_id}/", public_id, account).lead
    profile = ParsedProfile(
        url=f"{BASE}/in/{public_id}/", public_identifier=public_id, full_name=f"{first} {last}",
        first_name=first, last_name=last, headline=f"Head of Platform at {last} Labs",
        summary="Builds internal developer platforms.", location_name="Austin, Texas, United States",
        country_code=country, industry="Software Development",
        positions=[
            Position(title="Head of Platform", company_name=f"{last} Labs", date_range={"start": {"year": 2021, "month": 3}, "end": None}),
            Position(title="SRE", company_name="Globex", date_range={"start": {"year": 2016, "month": None}, "end": {"year": 2021, "month": 2}}),
        ],
        educations=[Education(school_name="MIT", degree_name="BSc", field_of_study="Computer Science")],
    )  # fmt: skip
    return save_enrichment(lead, profile, b'{"data": {}}', account)


@pytest.fixture
def pipeline(campaign, alice, bob):
    """People in every state of the devops campaign, a week of alice's actions, LLM calls, a paused bob.

    The expected numbers are written out here (not computed by the code under test)."""
    from datetime import timedelta

    from django.utils import timezone

    from openoutreach.outreach.models import ActionLog, Qualification
    from openoutreach.pipeline import transitions
    from openoutreach.pipeline.leads import discover, mark_unavailable
    from openoutreach.safety import health

    for i in range(3):
        discover(f"{BASE}/in/discovered-{i}/", f"discovered-{i}", alice)
    enriched("enriched-0", alice)
    enriched("enriched-1", alice)
    review = enriched("needs-review", alice)
    Qualification.objects.create(
        campaign=campaign, lead=review, label=None, source="llm", reason="unparsable"
    )
    no_fit = enriched("no-fit", alice, first="Bo", last="Nofit")
    Qualification.objects.create(campaign=campaign, lead=no_fit, label=0, source="model", prob=0.04)
    gone = discover(f"{BASE}/in/gone/", "gone", alice).lead
    mark_unavailable(gone, "profile is private", alice)

    deals = {}
    for name, source in [
        ("a", "llm"),
        ("b", "llm"),
        ("c", "llm"),
        ("d", "model"),
        ("e", "model"),
        ("f", "rule"),
    ]:
        lead = enriched(f"deal-{name}", alice, first=name.upper(), last="Fit")
        Qualification.objects.create(
            campaign=campaign, lead=lead, label=1, source=source, prob=0.95, reason="platform lead at a SaaS"
        )
        deals[name] = transitions.promote(lead, campaign, score=0.9)
    for name in "abc":
        deals[name] = transitions.mark_pending(deals[name], alice, 24)
    deals["b"] = transitions.mark_connected(deals["b"], alice)
    deals["c"] = transitions.mark_completed(transitions.mark_connected(deals["c"], alice), alice, "Hi C!")
    deals["d"] = transitions.mark_failed(deals["d"], "the Connect button is missing", alice)

    now = timezone.now()
    history = [(1, "connect", 7), (2, "connect", 5), (1, "follow_up", 2)]
    for days_ago, kind, n in history:
        for _ in range(n):
            ActionLog.objects.create(
                account=alice, kind=kind, outcome="ok", at=now - timedelta(days=days_ago)
            )
    for _ in range(4):
        ActionLog.objects.create(campaign=campaign, kind="llm", outcome="ok", detail="qualify")
    health.checkpoint(bob, "captcha challenge", f"{BASE}/checkpoint/challenge/")

    return {
        "funnel": {
            "discovered": 3, "enriched": 3, "qualified": 2, "disqualified": 1,
            "pending": 1, "connected": 1, "completed": 1, "replied": 0, "failed": 1,
        },
        "alice_today": {"connect": 3, "follow_up": 1, "enrich": 10},
        "alice_history": history,
        "decisions": {"llm_calls": 4, "llm": 3, "model": 3, "rule": 1, "operator": 0, "automatic": 4},
        "deals": deals,
    }  # fmt: skip


# -- a real Chromium on the live server, logged in to the admin -------------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]  # fmt: skip
ADMIN_PASSWORD = "a-long-admin-password-42"


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread; the ORM calls of the test must still run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
                headless=True,
                args=CHROMIUM_ARGS,
            )
            yield browser
            browser.close()
    finally:  # child processes started by later tests must not inherit it
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def admin_page(live_server, chromium, workspace):
    """A browser page logged in to the admin through its login form, as a superuser would."""
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("boss", "boss@example.com", ADMIN_PASSWORD)
    context = chromium.new_context(
        base_url=live_server.url, viewport={"width": 1400, "height": 1000}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "boss")
    page.fill("#id_password", ADMIN_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    yield page
    context.close()
