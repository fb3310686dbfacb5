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
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
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
def process_env(redis_server, redis_client, transactional_db) -> dict[str, str]:
    """The environment of a child process: same data dir, the test database, the private Redis (flushed
    before the test through `redis_client`: no lease, queue or lock of an earlier test is inherited)."""
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
    # The test is over: its processes are killed at once (SIGKILL, the whole tree: grandchildren in their
    # own session such as Chromium too) rather than given a warm shutdown, which checks nothing here and
    # cost 2-6 s per process (a browser closing politely). Tests of the warm shutdown itself ask for it
    # (`proc.stop()`); what a killed worker leaves behind (a lease, a claim) is in the private Redis,
    # flushed before the next test, and in the test database, flushed after a transactional test.
    for proc in reversed(started):
        proc.kill()


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


def _workspace_rows() -> tuple:
    """What `ensure_workspace` writes, counted in a few queries (it loads two fixture files itself: over
    600 queries, seconds per test)."""
    from crm.models import Country, Currency
    from django.contrib.auth.models import Group
    from django.contrib.sites.models import Site

    from openoutreach.pipeline.crm_setup import ROLE_GROUPS

    groups = Group.objects.filter(name__in=ROLE_GROUPS)
    return (
        Site.objects.filter(pk=1, name="OpenOutreach").exists(),
        groups.count(),
        Group.permissions.through.objects.filter(group__in=groups).count(),
        Country.objects.count(),
        Currency.objects.count(),
    )


_workspace_written: tuple | None = None  # the rows after the first `ensure_workspace` of this process


def ensure_workspace_once() -> None:
    """`ensure_workspace`, unless everything it writes is already there."""
    global _workspace_written
    from openoutreach.pipeline.crm_setup import ensure_workspace

    if _workspace_written is None or _workspace_rows() != _workspace_written:
        ensure_workspace()
        _workspace_written = _workspace_rows()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, with DjangoCRM's workspace committed in it once: every test starts with it."""
    _empty_only_the_filled_tables_on_postgresql()
    with django_db_blocker.unblock():
        ensure_workspace_once()


def _empty_only_the_filled_tables_on_postgresql() -> None:
    """A transactional test ends with a flush of every table. On PostgreSQL Django flushes with one
    TRUNCATE of all ~100 tables, which makes new files for each: 2.5-3.5 s per test, the biggest per-test
    cost of a PostgreSQL run. The same end state comes from deleting the rows of the tables that have any
    (one query finds them; foreign keys are checked at commit, so the order does not matter). A flush
    that resets sequences keeps Django's TRUNCATE ... RESTART IDENTITY. Tests only: the product never
    flushes."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush
    if getattr(truncate, "empties_filled_tables_only", False):
        return

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        tables = list(tables)
        with self.connection.cursor() as cursor:
            cursor.execute(
                " UNION ALL ".join(
                    f"SELECT %s WHERE EXISTS (SELECT 1 FROM {self.quote_name(table)})"  # noqa: S608 (Django's own table names, quoted)
                    for table in tables
                ),
                tables,
            )
            filled = [row[0] for row in cursor.fetchall()]
        if not filled:
            return []
        return ["SET CONSTRAINTS ALL DEFERRED;"] + [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in filled
        ]

    sql_flush.empties_filled_tables_only = True
    DatabaseOperations.sql_flush = sql_flush


# The first test of a test process that touches the database creates it (every migration): minutes on a
# busy machine with several test processes migrating at once. That time is added to that one test's own
# timeout rather than counted against it; every other test keeps its timeout as it is.
DB_CREATION_SECONDS = 600
_database_created = False


def _uses_db(item) -> bool:
    names = item.fixturenames
    return (
        "_django_db_helper" in names
        or "django_db_setup" in names
        or bool(item.get_closest_marker("django_db"))
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outside pytest-timeout's wrapper: before it reads the marker
def pytest_runtest_protocol(item, nextitem):
    global _database_created
    if not _database_created and _uses_db(item):
        _database_created = True
        try:
            from pytest_timeout import _get_item_settings
        except ImportError:  # pytest-timeout not installed: no timeout to extend
            pass
        else:
            timeout = _get_item_settings(item).timeout
            if timeout:
                item.add_marker(pytest.mark.timeout(timeout + DB_CREATION_SECONDS), append=False)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with a flush of every table: the workspace is committed again right
    after it, so that the tests after it find it as every other test does."""
    result = yield
    uses_db = "_django_db_helper" in item.fixturenames or item.get_closest_marker("django_db")
    if nextitem is not None and uses_db:
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            ensure_workspace_once()
    return result


@pytest.fixture
def workspace(db):
    """DjangoCRM's site, groups and countries: committed once per test database (see `django_db_setup`),
    and made again should a test start without them."""
    ensure_workspace_once()


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


def open_all_day(account):
    """The account may act at any hour (0:00-23:59): tests that drive its lanes set this."""
    from datetime import time as clock

    account.working_hours_start, account.working_hours_end = clock(0), clock(23, 59)
    account.save()
    return account


def closed_for_two_hours(account):
    """The account's working hours begin in two hours (and last one): a task it takes now is refused."""
    from django.utils import timezone

    now = timezone.now()
    account.working_hours_start = (now + timedelta(hours=2)).time().replace(second=0, microsecond=0)
    account.working_hours_end = (now + timedelta(hours=3)).time().replace(second=0, microsecond=0)
    account.save()
    return account


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


def wait_for(predicate, what: str, worker=None, timeout: float = 240):
    """Poll `predicate` until it returns something truthy (returned); on timeout fail with what was
    awaited and the tail of the worker's log (a condition, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not (value := predicate()):
        if time.monotonic() >= deadline:
            pytest.fail(f"timed out waiting for {what}\n{worker.log_tail() if worker else ''}")
        time.sleep(0.05)
    return value
