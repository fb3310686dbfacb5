"""Tasks of the browser worker pinned to one LinkedIn account; consumed from `browser.<handle>` only.

Governing design: shared/docs/architecture.md, "Browser worker (pinned to one account)". The process
(`workers/browser_process.py`) holds the account's lease; this module holds its one Playwright browser,
opened lazily on the first task and closed when the worker shuts down. Every task runs under a watchdog
(solo pools ignore Celery's time limits): past BROWSER_TASK_TIMEOUT_SECONDS it kills the browser, which
makes the hung Playwright call fail; the next task starts a fresh browser.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
from contextlib import contextmanager

from celery import shared_task
from celery.signals import worker_shutdown
from django.conf import settings
from django.utils import timezone

from openoutreach.browser_work import check_pending as check_pending_work
from openoutreach.browser_work import connect as connect_work
from openoutreach.browser_work import enrich as enrich_work
from openoutreach.browser_work import follow_up as follow_up_work
from openoutreach.browser_work import inbox as inbox_work
from openoutreach.browser_work import search as search_work
from openoutreach.browser_work import withdraw as withdraw_work
from openoutreach.linkedin.captures import CaptureStore
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import CheckpointRequired, WrongCredentials
from openoutreach.linkedin.login import Credentials
from openoutreach.linkedin.session import BrowserSession, SessionConfig
from openoutreach.outreach.models import Lane, LinkedInAccount
from openoutreach.pipeline import claims
from openoutreach.redaction import register_secret
from openoutreach.safety import health
from workers.base import ACCOUNT_ENV, BrowserTask, identity

log = logging.getLogger(__name__)

_client: LinkedInClient | None = None
_client_lock = threading.Lock()


def storage_state_path(handle: str):
    return settings.COOKIES_DIR / f"{handle}.json"


def client_for(account: LinkedInAccount) -> LinkedInClient:
    """This worker's one LinkedIn client (browser session + credentials), created on first use."""
    global _client
    with _client_lock:
        if _client is None:
            password = account.get_password()
            register_secret(password)
            proxy = account.get_proxy() or None
            register_secret(proxy)
            config = SessionConfig(
                base_url=settings.LINKEDIN_BASE_URL,
                storage_state_path=storage_state_path(account.handle),
                headless=settings.BROWSER_HEADLESS,
                proxy=proxy,
                executable_path=settings.BROWSER_EXECUTABLE,
                timezone_id=account.time_zone,
                speed=settings.BROWSER_HUMAN_SPEED,
                min_page_gap_s=settings.BROWSER_MIN_PAGE_GAP_SECONDS,
            )
            _client = LinkedInClient(
                BrowserSession(config),
                Credentials(account.username, password),
                voyager_path=account.voyager_path,  # where a previous worker left the account
                graphql_query_id=settings.VOYAGER_GRAPHQL_QUERY_ID,
            )
            _client.captures = CaptureStore(
                settings.CAPTURES_DIR / account.handle,
                max_count=settings.CAPTURES_MAX_COUNT,
                max_age_days=settings.RETENTION_CAPTURES_DAYS,
                secrets=[account.username, password],
            )
        return _client


def kill_browser() -> None:
    """Hard-stop this worker's browser (lease lost, task watchdog): the next task starts a fresh one."""
    client = _client
    if client is not None:
        client.kill()


@worker_shutdown.connect
def _close_browser(**kwargs) -> None:
    global _client
    if _client is not None:
        try:
            _client.close()
        except Exception:  # shutting down: a browser that is already gone is fine
            log.debug("browser close at shutdown failed", exc_info=True)
        _client = None


_last_outward: float | None = None


def keep_outward_gap() -> None:
    """Sleep until OUTWARD_ACTION_GAP_SECONDS (+ up to 30 % jitter) have passed since this worker's
    last outward unit ended (`outward_gap` marks the end)."""
    if _last_outward is not None:
        gap = settings.OUTWARD_ACTION_GAP_SECONDS * random.uniform(1.0, 1.3)
        wait = _last_outward + gap - time.monotonic()
        if wait > 0:
            time.sleep(wait)


@contextmanager
def outward_gap():
    """The `before_outward` of one outward unit: the gap is kept before its action and counted from the
    unit's end. The click or send comes at the end of a unit (a message is typed first, which can take
    longer than the gap itself): counted from the gap check, the next invitation could follow a message by
    less than the gap (the sandbox flagged one 2.98 s after a message with a 4 s gap). A unit refused
    before its action (it never called `before_outward`) leaves the gap where it was."""
    global _last_outward
    used = False

    def before() -> None:
        nonlocal used
        used = True
        keep_outward_gap()

    try:
        yield before
    finally:
        if used:
            _last_outward = time.monotonic()


@contextmanager
def watchdog(seconds: float, what: str):
    """Kill the browser if the body runs longer than `seconds`."""
    fired = threading.Event()

    def expire() -> None:
        fired.set()
        log.error("%s exceeded %.0fs: killing the browser", what, seconds)
        kill_browser()

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


def _account(handle: str) -> LinkedInAccount:
    mine = os.environ.get(ACCOUNT_ENV)
    if mine and mine != handle:  # BrowserTask already refuses this; a direct call must not slip through
        raise RuntimeError(f"worker of {mine!r} asked to act for {handle!r}")
    return LinkedInAccount.objects.get(handle=handle)


class BrowserAction(BrowserTask):
    """Base of every browser task that acts on LinkedIn: the account guard (BrowserTask), then `act()`.

    `act(handle, work)` loads the account; refuses when it may not act in the task's declared `lane` now
    (account pause, lane pause — the breaker's included —, working hours, caps: re-checked here whatever
    the dispatcher decided); runs `work(client, account, task_id)` under the watchdog; turns a
    checkpoint or refused credentials into a paused account (never retried); counts any other exception
    as a failure (N in a row back off) and lets it propagate; keeps a Voyager path move. The result is
    the unit's dict, or `{"skipped": why}` / `{"paused": why}`. On a refusal, `refused(task_id)` gives
    back the claims the lane took for this task (a search page, enrichment profiles: only this task's),
    so that the work waits for no claim to run out. Outward units (connect, follow-up) make
    the same check themselves right after re-taking their deal and person (`browser_work.outward.begin`),
    so that a refusal gives those claims back at once (`checks_in_unit`).
    """

    lane: str | None = None  # None: no lane (logging in), only the account's own pause applies
    checks_in_unit = False

    def act(self, handle: str, work, refused=None) -> dict:
        account = _account(handle)
        task_id = self.request.id or ""
        why = f"account paused: {account.paused_reason}" if account.is_paused() else ""
        if not why and self.lane is not None and not self.checks_in_unit:
            allowed, reason = account.may_act(self.lane)
            why = "" if allowed else f"{reason} (re-checked in the worker)"
        if why:
            if refused is not None:
                refused(task_id)  # the claims the lane took for this task go back at once
            return {"skipped": why}
        client = client_for(account)
        try:
            with watchdog(settings.BROWSER_TASK_TIMEOUT_SECONDS, self.name):
                outcome = work(client, account, task_id)
        except CheckpointRequired as exc:
            health.checkpoint(account, exc.reason, exc.url, task_id)
            return {"paused": "checkpoint"}
        except WrongCredentials as exc:
            health.wrong_credentials(account, str(exc), task_id)
            return {"paused": "wrong credentials"}
        except Exception as exc:
            account.record_failure(f"{self.name}: {type(exc).__name__}: {exc}")
            raise
        finally:  # a move to Voyager's GraphQL path outlives this worker, whatever the task's outcome
            if client.voyager.path != account.voyager_path:
                account.record_voyager_path(client.voyager.path, client.voyager.switched_at or timezone.now())
        account.record_success()
        return outcome

    def act_outward(self, handle: str, work) -> dict:
        """`act` for an outward unit: `work(client, account, task_id, before_outward)` runs inside
        `outward_gap`."""

        def unit(client, account, task_id):
            with outward_gap() as before_outward:
                return work(client, account, task_id, before_outward)

        return self.act(handle, unit)


@shared_task(bind=True, base=BrowserTask, name="browser.identify")
def identify(self, *, account: str) -> dict:
    """Which worker process serves this account (operators use it to find a worker)."""
    return identity(self)


@shared_task(bind=True, base=BrowserAction, name="browser.health")
def check_health(self, *, account: str) -> dict:
    """Log in (or reuse the saved session) and report how it went."""

    def work(client: LinkedInClient, acct: LinkedInAccount, task_id: str) -> dict:
        result = client.ensure_logged_in()
        return {
            "login": result.outcome.value if result else "already logged in",
            "fresh_logins": client.fresh_logins,
        }

    return self.act(account, work)


@shared_task(bind=True, base=BrowserAction, name="browser.enrich", lane=Lane.ENRICH)
def enrich(self, *, account: str, lead_ids: list[int]) -> dict:
    """Fetch the Voyager profiles of these leads and write them to the CRM."""
    return self.act(
        account,
        lambda client, acct, task_id: enrich_work.enrich(client, acct, lead_ids, task_id).as_dict(),
        refused=lambda task_id: claims.release_profiles(lead_ids, task_id),
    )


@shared_task(bind=True, base=BrowserAction, name="browser.search", lane=Lane.SEARCH)
def search(self, *, account: str, keyword_id: int, page: int = 1) -> dict:
    """One page of people search for a campaign keyword; every member seen is discovered."""
    return self.act(
        account,
        lambda client, acct, task_id: search_work.search(client, acct, keyword_id, page, task_id).__dict__,
        refused=lambda task_id: claims.release_keyword(keyword_id, task_id),
    )


@shared_task(bind=True, base=BrowserAction, name="browser.connect", lane=Lane.CONNECT, checks_in_unit=True)
def connect(self, *, account: str, deal_state_id: int) -> dict:
    """Send the connection request of a claimed deal (idempotent: re-reads the deal and live state)."""
    return self.act_outward(
        account,
        lambda client, acct, task_id, before: connect_work.connect_deal(
            client, acct, deal_state_id, task_id, before_outward=before
        ).as_dict(),
    )


@shared_task(bind=True, base=BrowserAction, name="browser.check_pending", lane=Lane.CHECK_PENDING)
def check_pending(self, *, account: str, deal_state_ids: list[int]) -> dict:
    """Read whether these pending invitations were accepted."""
    return self.act(
        account,
        lambda client, acct, task_id: check_pending_work.check_pending(client, acct, deal_state_ids, task_id),
    )


@shared_task(
    bind=True, base=BrowserAction, name="browser.follow_up", lane=Lane.FOLLOW_UP, checks_in_unit=True
)
def follow_up(
    self, draft: dict | str | None = None, *, account: str, deal_state_id: int, step: int | None = None
) -> dict:
    """Send sequence step `step` of a connected deal (`draft`: the ML worker's draft, chained in, if any)."""
    return self.act_outward(
        account,
        lambda client, acct, task_id, before: follow_up_work.follow_up(
            client, acct, deal_state_id, draft, task_id, before_outward=before, step=step
        ).as_dict(),
    )


@shared_task(bind=True, base=BrowserAction, name="browser.withdraw", lane=Lane.WITHDRAW, checks_in_unit=True)
def withdraw(self, *, account: str, deal_state_id: int) -> dict:
    """Withdraw the stale invitation of a claimed Pending deal (idempotent: reads the live state first)."""
    return self.act_outward(
        account,
        lambda client, acct, task_id, before: withdraw_work.withdraw_deal(
            client, acct, deal_state_id, task_id, before_outward=before
        ).as_dict(),
    )


@shared_task(bind=True, base=BrowserAction, name="browser.sync_inbox", lane=Lane.INBOX)
def sync_inbox(self, *, account: str) -> dict:
    """Read the account's changed conversations and store them (replies move deals to Replied)."""
    return self.act(account, lambda client, acct, task_id: inbox_work.sync_inbox(client, acct, task_id))
