"""pytest fixtures: a private Redis per session, real Celery processes per test, CRM personas.

Personas (built once per test): the campaign "devops" and the LinkedIn accounts alice and bob working
for it. Tests that start worker processes use `transactional_db`, so what they write is committed and
visible to the workers, which open the same SQLite test database file.

A test run stopped by SIGTERM or SIGHUP unwinds like Ctrl-C, so every fixture's teardown stops the
processes it started (a second signal kills them at once); processes die with the test run even when it
is killed outright (see `openoutreach.processes`).
"""

from __future__ import annotations

import os
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from openoutreach.local_redis import PrivateRedis
from openoutreach.processes import (
    ManagedProcess,
    celery_argv,
    kill_everything_started,
    wait_for_worker,
    worker_argv,
)

HOSTNAME = socket.gethostname()


def pytest_configure(config) -> None:
    """SIGTERM and SIGHUP stop a test run the way Ctrl-C does (teardown runs), unless someone else
    already handles them."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) == signal.SIG_DFL:
            signal.signal(sig, _interrupt)


_interrupted = False


def _interrupt(signum: int, frame) -> None:
    global _interrupted
    if _interrupted:  # a second signal: no more waiting for warm shutdowns
        kill_everything_started()
        return
    _interrupted = True
    raise KeyboardInterrupt(signal.Signals(signum).name)


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory) -> Iterator[PrivateRedis]:
    """One private redis-server for the test session; the Celery app and settings point at it."""
    from django.conf import settings

    from openoutreach.celery import app

    with PrivateRedis(workdir=tmp_path_factory.mktemp("redis")) as server:
        os.environ["REDIS_URL"] = server.url
        settings.REDIS_URL = server.url
        app.conf.broker_url = server.url
        yield server


@pytest.fixture
def redis_client(redis_server):
    """A client on the private Redis, flushed before the test."""
    import redis

    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def process_env(redis_server, transactional_db) -> dict[str, str]:
    """The environment of a child process: same data dir, the test database, the private Redis."""
    from django.db import connection

    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openoutreach.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
        "REDIS_URL": redis_server.url,
        "PYTHONUNBUFFERED": "1",
    }


def database_url(db: dict) -> str:
    """The URL of the test database (SQLite file or PostgreSQL `test_<name>`) for child processes."""
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    from urllib.parse import quote

    auth = quote(db.get("USER") or "", safe="")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"], safe="")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{auth}@{host}{port}/{db['NAME']}"


@pytest.fixture
def processes(process_env, tmp_path) -> Iterator[Callable[..., ManagedProcess]]:
    """Factory: start a real process (stopped at teardown). `start(name, argv, env_extra=None)`."""
    started: list[ManagedProcess] = []

    def start(name: str, argv: list[str], env_extra: dict[str, str] | None = None) -> ManagedProcess:
        proc = ManagedProcess(
            name, argv, {**process_env, **(env_extra or {})}, tmp_path / "logs" / f"{name}.log"
        )
        started.append(proc.start())
        return proc

    yield start
    for proc in reversed(started):
        proc.stop()  # the whole tree: grandchildren in their own session (Chromium) too


@pytest.fixture
def start_worker(processes) -> Callable[..., ManagedProcess]:
    """Factory: a real Celery worker consuming `queues`, answering pings before it is returned."""
    from openoutreach.celery import app

    def start(
        queues: list[str], name: str, env_extra: dict[str, str] | None = None, pool: str = "solo"
    ) -> ManagedProcess:
        node = f"{name}@{HOSTNAME}"
        proc = processes(name, worker_argv(queues, node, pool=pool), env_extra)
        wait_for_worker(app, node, proc)
        return proc

    return start


@pytest.fixture
def start_celery(processes) -> Callable[..., ManagedProcess]:
    """Factory: any other celery sub-command (beat, flower), e.g. start_celery("beat", "beat", "-s", path)."""

    def start(name: str, *args: str, env_extra: dict[str, str] | None = None) -> ManagedProcess:
        return processes(name, celery_argv(*args), env_extra)

    return start


@pytest.fixture
def workspace(db):
    """DjangoCRM's site, groups and countries (a flushed transactional test needs them again)."""
    from openoutreach.pipeline.crm_setup import ensure_workspace

    ensure_workspace()


@pytest.fixture
def campaign(workspace):
    from openoutreach.pipeline.campaigns import create_campaign

    return create_campaign(
        "devops",
        product_docs="Kubeflow: a managed CI/CD platform for Kubernetes teams.",
        campaign_objective="Heads of platform engineering and DevOps leads at software companies.",
        booking_link="https://cal.example.com/demo",
    )


def make_account(handle: str, campaign=None, **fields):
    """A sandbox member's account (<handle>@sandbox.test / <handle>-pass), as the sandbox defines them.
    The personas are accounts the operator marked already warm (full caps) unless a test says otherwise;
    a real new account starts its warm-up the day it is added."""
    from openoutreach.pipeline.campaigns import create_account

    fields.setdefault("warmup_started_on", None)
    return create_account(handle, f"{handle}@sandbox.test", f"{handle}-pass", campaign, **fields)


@pytest.fixture
def alice(campaign):
    return make_account("alice", campaign)


@pytest.fixture
def bob(campaign):
    return make_account("bob", campaign)


@pytest.fixture
def data_dir() -> Path:
    from django.conf import settings

    return settings.DATA_DIR


@pytest.fixture
def browser_worker(processes, sandbox):
    """Factory: the real browser worker process of an account, pointed at the sandbox, answering pings.
    Human pauses and the gap between outward actions are configured to their test values (the same
    settings an operator has); caps, hours and pacing are whatever the test sets on the account."""
    import sys

    from openoutreach.celery import app

    def start(
        handle: str, name: str | None = None, env_extra: dict[str, str] | None = None
    ) -> ManagedProcess:
        env = {
            "LINKEDIN_BASE_URL": sandbox.base_url,
            "BROWSER_HUMAN_SPEED": "0.05",
            "OUTWARD_ACTION_GAP_SECONDS": "3",  # the smallest gap the settings allow
            "BROWSER_MIN_PAGE_GAP_SECONDS": "0.3",
            **(env_extra or {}),
        }
        proc = processes(
            name or f"browser-{handle}", [sys.executable, "-m", "workers.browser_process", handle], env
        )
        wait_for_worker(app, f"browser.{handle}@{HOSTNAME}", proc)
        return proc

    return start
