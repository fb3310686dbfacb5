"""Reading conversations: the thread list of /messaging/ and one thread's messages, each with a stable
id, its sender (the other participant or us), its text and, when the page says it, its time.

What this relies on is small and written down in docs/linkedin-messaging.md (with where each fact comes
from and how sure it is); the rules live in `selectors` (INBOX_*, THREAD_*). Defensive by design: a page
it cannot read raises `InboxUnreadable` with a capture of the page (the caller records a NOT_FOUND row,
which the breaker counts), and no message is ever made up: an event without text, or whose sender
cannot be told, makes the whole thread unreadable rather than half-read.

Sender: in a one-to-one thread there are two sides. An event whose sender name is the participant's
name (from the thread's header) is theirs; any other named sender is ours (the product's message or
one the operator typed by hand on LinkedIn). Without a sender name, LinkedIn's "other side" marker
class decides; with neither the thread is unreadable.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote, urlsplit

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.client import LinkedInClient
from openoutreach.linkedin.errors import InvalidProfileUrl, LinkedInError
from openoutreach.linkedin.urls import canonical_profile_url

log = logging.getLogger(__name__)

INBOX_PATH = "/messaging/"
MAX_TEXT = 20_000


class InboxUnreadable(LinkedInError):
    """A messaging page did not have the shape the reader relies on (see the module docstring)."""

    def __init__(self, reason: str, capture: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.capture = reason, capture


@dataclass(frozen=True)
class ThreadSummary:
    thread_id: str
    preview: str  # the list item's text: changes when a new message arrives


@dataclass(frozen=True)
class ReadMessage:
    message_id: str
    from_participant: bool
    sender_name: str
    text: str
    sent_at: datetime | None


@dataclass
class ThreadRead:
    thread_id: str
    participant_url: str  # canonical profile URL
    participant_name: str
    messages: list[ReadMessage] = field(default_factory=list)


_LIST_JS = """
([links, items]) => {
  const seen = new Map();
  for (const sel of links) {
    for (const a of document.querySelectorAll(sel)) {
      const href = a.getAttribute('href') || '';
      if (seen.has(href)) continue;
      let item = null;
      for (const s of items) { item = a.closest(s); if (item) break; }
      seen.set(href, ((item || a).innerText || '').replace(/\\s+/g, ' ').trim());
    }
    if (seen.size) break;
  }
  return Array.from(seen, ([href, preview]) => ({href, preview}));
}
"""

_THREAD_JS = """
([participant, events, sender, body, time, other]) => {
  const first = (root, sels) => { for (const s of sels) { const e = root.querySelector(s); if (e) return e; } return null; };
  const text = (e) => e ? (e.innerText || e.textContent || '').replace(/\\s+/g, ' ').trim() : '';
  const who = first(document, participant);
  let nodes = [], rule = null;
  for (const s of events) { nodes = Array.from(document.querySelectorAll(s)); if (nodes.length) { rule = s; break; } }
  return {
    participant_href: who ? who.getAttribute('href') : null,
    participant_name: text(who),
    rule,
    events: nodes.map((n) => {
      const t = first(n, time);
      return {
        urn: n.getAttribute('data-event-urn') || (n.querySelector('[data-event-urn]') || {getAttribute: () => null}).getAttribute('data-event-urn'),
        sender: text(first(n, sender)),
        body: text(first(n, body)),
        time: t ? t.getAttribute('datetime') : null,
        other: n.matches(other) || !!n.querySelector(other),
      };
    }),
  };
}
"""


def thread_id_from_href(href: str) -> str | None:
    """`<id>` of a /messaging/thread/<id>/ link (never the "new" compose page)."""
    parts = [p for p in urlsplit(href).path.split("/") if p]
    if len(parts) >= 3 and parts[0] == "messaging" and parts[1] == "thread" and parts[2] != "new":
        return unquote(parts[2])
    return None


def list_threads(client: LinkedInClient, limit: int = 20) -> list[ThreadSummary]:
    """The threads /messaging/ lists, most recent first as LinkedIn orders them, at most `limit`.
    An empty inbox is a normal answer only when the page says it is messaging (its URL stays there)."""
    client.open(INBOX_PATH)
    client.session.human.read_page()
    page = client.session.page
    rows = page.evaluate(_LIST_JS, [list(S.INBOX_THREAD_LINKS), list(S.INBOX_THREAD_ITEM)])
    if not urlsplit(page.url).path.startswith(INBOX_PATH):
        raise InboxUnreadable(f"the inbox page moved to {page.url}", client.capture("inbox-moved"))
    threads: list[ThreadSummary] = []
    seen: set[str] = set()
    for row in rows:
        ident = thread_id_from_href(row.get("href") or "")
        if ident and ident not in seen:
            seen.add(ident)
            threads.append(ThreadSummary(ident, (row.get("preview") or "")[:2000]))
    return threads[:limit]


def read_thread(client: LinkedInClient, thread_id: str) -> ThreadRead | None:
    """The messages of one thread, oldest first; None when LinkedIn no longer shows the thread (the page
    sends us elsewhere); InboxUnreadable when the page is not in a shape the reader knows."""
    client.open(f"/messaging/thread/{thread_id}/")
    client.session.human.read_page()
    page = client.session.page
    if thread_id_from_href(page.url) != thread_id:
        log.info("thread %s is gone (landed on %s)", thread_id, page.url)
        return None
    raw = page.evaluate(
        _THREAD_JS,
        [
            list(S.THREAD_PARTICIPANT_LINK),
            list(S.THREAD_EVENTS),
            list(S.THREAD_EVENT_SENDER),
            list(S.THREAD_EVENT_BODY),
            list(S.THREAD_EVENT_TIME),
            S.THREAD_EVENT_OTHER,
        ],
    )
    try:
        return parse_thread(thread_id, raw, client.base_url)
    except InboxUnreadable as exc:
        exc.capture = client.capture("thread-unreadable")
        raise


def parse_thread(thread_id: str, raw: dict, base_url: str) -> ThreadRead:
    """What `read_thread` makes of the page's raw reading (pure: tested without a browser)."""
    try:
        url = canonical_profile_url(raw.get("participant_href") or "", base_url)
    except InvalidProfileUrl as exc:
        raise InboxUnreadable(
            f"thread {thread_id}: no profile link for the other participant ({exc})"
        ) from exc
    name = (raw.get("participant_name") or "").strip()
    events = raw.get("events") or []
    if not events:
        raise InboxUnreadable(f"thread {thread_id}: no message the reader recognises")
    read = ThreadRead(thread_id, url, name)
    occurrences: dict[str, int] = {}
    for n, event in enumerate(events):
        body = (event.get("body") or "").strip()
        if not body:
            raise InboxUnreadable(f"thread {thread_id}: message {n + 1} has no text the reader can find")
        sender = (event.get("sender") or "").strip()
        if sender and name:
            mine = _fold(sender) != _fold(name)
        elif event.get("other"):  # no name to compare: LinkedIn's "other side" marker says theirs
            mine = False
        else:
            raise InboxUnreadable(f"thread {thread_id}: message {n + 1} has no sender the reader can tell")
        ident = event.get("urn") or ""
        if not ident:  # no id on the page: a key from what the message is, stable across re-reads
            key = f"{'us' if mine else 'them'}|{_fold(body)}"
            occurrences[key] = occurrences.get(key, 0) + 1
            ident = "h:" + hashlib.sha256(f"{key}|{occurrences[key]}".encode()).hexdigest()[:40]
        read.messages.append(
            ReadMessage(ident[:300], not mine, sender[:200], body[:MAX_TEXT], _parse_time(event.get("time")))
        )
    return read


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None  # a local time without zone tells nothing safe


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
