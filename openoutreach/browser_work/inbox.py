"""browser.sync_inbox's unit of work: read the account's conversations incrementally and store them.

Steps: read the thread list (/messaging/); open only the threads whose preview changed since the last
sync (new ones included), at most INBOX_THREADS_PER_SYNC, re-checking `may_act` before each; store each
(`conversations.ingest`: every message once, the thread attached to the person's deal, replies moving
deals to Replied). A page the reader cannot read is a NOT_FOUND row with its capture (the breaker counts
them and pauses the inbox lane: "LinkedIn's page may have changed"); nothing is guessed from it.

Also here: `thread_of`, the one read of a person's conversation that `outward.message_delivered` uses
to tell whether a message reached them.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

from django.conf import settings
from django.utils import timezone

from openoutreach.conversations.ingest import attach, store_thread
from openoutreach.conversations.models import Thread
from openoutreach.linkedin.actions.inbox import InboxUnreadable, ThreadRead, list_threads, read_thread
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.outreach.models import ActionLog, DealState, Lane, LinkedInAccount
from openoutreach.safety import breaker

log = logging.getLogger(__name__)

INBOX = ActionLog.Kind.INBOX
LIST_FACTOR = 3  # how much of the list one sync looks at, in units of INBOX_THREADS_PER_SYNC


@dataclass
class SyncReport:
    listed: int = 0
    opened: int = 0
    new_messages: int = 0
    replies: int = 0
    by_hand: int = 0
    unreadable: int = 0
    gone: int = 0
    stopped: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def unreadable(account: LinkedInAccount, exc: InboxUnreadable, task_id: str) -> None:
    """A page the reader could not read: the evidence (capture) and the breaker's count."""
    ActionLog.objects.create(
        account=account, kind=INBOX, outcome=ActionLog.Outcome.NOT_FOUND, detail=exc.reason[:1000],
        task_id=task_id, capture=exc.capture or "",
    )  # fmt: skip
    breaker.record(account, INBOX, task_id)


def sync_inbox(client: LinkedInClient, account: LinkedInAccount, task_id: str = "") -> dict:
    report = SyncReport()
    per_sync = settings.INBOX_THREADS_PER_SYNC
    try:
        threads = list_threads(client, limit=per_sync * LIST_FACTOR)
    except InboxUnreadable as exc:
        unreadable(account, exc, task_id)
        report.unreadable += 1
        return report.as_dict()
    report.listed = len(threads)
    seen = dict(
        Thread.objects.filter(account=account, thread_id__in=[t.thread_id for t in threads]).values_list(
            "thread_id", "last_snippet"
        )
    )
    changed = [t for t in threads if seen.get(t.thread_id) != t.preview][:per_sync]
    for summary in changed:
        allowed, why = account.may_act(Lane.INBOX)
        if not allowed:
            report.stopped = why
            break
        try:
            read = read_thread(client, summary.thread_id)
        except InboxUnreadable as exc:
            unreadable(account, exc, task_id)
            report.unreadable += 1
            continue
        report.opened += 1
        if read is None:
            report.gone += 1
            continue
        stored = store_thread(account, read, summary.preview, task_id)
        report.new_messages += len(stored.new)
        report.replies += stored.replies
        report.by_hand += stored.by_hand
    if not report.unreadable:  # a clean read: the breaker's count starts again
        ActionLog.objects.create(
            account=account, kind=INBOX, outcome=ActionLog.Outcome.OK, task_id=task_id,
            detail=f"inbox read: {report.opened} of {report.listed} threads opened, {report.new_messages} new messages",
        )  # fmt: skip
    return report.as_dict()


def thread_of(client: LinkedInClient, account: LinkedInAccount, ds: DealState) -> ThreadRead | None:
    """The account's conversation with the deal's person, read live; None when no thread of theirs is
    found (the known thread, else the unknown ones among the most recent of the list). Raises
    InboxUnreadable. Only the thread's identity is stored here (messages are the inbox lane's)."""
    known = Thread.objects.filter(account=account, lead_id=ds.lead_id).values_list("thread_id", flat=True)
    for thread_id in known:
        read = read_thread(client, thread_id)
        if read is not None:
            return read
    listed = list_threads(client, limit=settings.INBOX_THREADS_PER_SYNC)
    mapped = set(
        Thread.objects.filter(account=account, lead__isnull=False).values_list("thread_id", flat=True)
    )
    for summary in listed:
        if summary.thread_id in mapped:
            continue
        read = read_thread(client, summary.thread_id)
        if read is None:
            continue
        lead_id, found = attach(account, read)
        Thread.objects.update_or_create(
            account=account, thread_id=read.thread_id,
            defaults={"lead_id": lead_id, "deal_state": found, "participant_url": read.participant_url,
                      "participant_name": read.participant_name[:200], "last_synced_at": timezone.now()},
        )  # fmt: skip
        if lead_id == ds.lead_id:
            return read
    return None
