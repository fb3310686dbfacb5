"""What a platform would flag about an account, and the per-account request log it is judged from.

Signals (each a dict with kind, account, session, detail, real and sandbox time):
- `webdriver`: the page's telemetry saw `navigator.webdriver === true`;
- `headless_ua`: a user agent containing "HeadlessChrome" (telemetry or request header);
- `concurrent_sessions`: two live sessions of one account interleaving requests (A, B, A) within
  `CONCURRENT_WINDOW` real seconds — a re-login that abandons the old session is not flagged;
- `outside_working_hours`: an outward action outside the account's working hours (sandbox clock,
  account time zone);
- `burst`: two outward actions closer than `BURST_ACTION_GAP` real seconds, or more than
  `BURST_PAGES` page loads within `BURST_WINDOW` real seconds;
- `daily_norm` / `weekly_norm`: more invitations, messages or profile views than the account's norms
  in a sandbox day / week.
The request log also counts, per account, the forward proxy each request came through: the value of
the `PROXY_HEADER` a proxy adds (privoxy's `+add-header` action), or none (`make demo ACCOUNTS=N` checks it).
Session-level signals are recorded once per session; norm signals once per account and day.
Bursts and off-hours use real time where they are about physical speed, sandbox time where they are
about the calendar.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from datetime import datetime
from zoneinfo import ZoneInfo

from openoutreach.sandbox.world import DAY, Account, World

CONCURRENT_WINDOW = 120.0
BURST_ACTION_GAP = 3.0
BURST_PAGES = 25
BURST_WINDOW = 30.0
LOG_LIMIT = 5_000  # per account; older entries drop off
PROXY_HEADER = "X-Sandbox-Proxy"  # added by a forward proxy in front of the sandbox: the proxy's name


class RequestLog:
    """Bounded per-account log of requests with timings (account None = not logged in), and unbounded
    counts of the proxy each account's requests came through (None = no proxy header)."""

    def __init__(self) -> None:
        self.entries: dict[str | None, deque[dict]] = defaultdict(lambda: deque(maxlen=LOG_LIMIT))
        self.via: dict[tuple[str | None, str | None], int] = defaultdict(int)

    def add(self, account: str | None, entry: dict) -> None:
        self.entries[account].append(entry)

    def count_proxy(self, account: str | None, proxy: str | None) -> None:
        self.via[(account, proxy)] += 1

    def proxies(self) -> list[dict]:
        """[{account, proxy, requests}], account None = not logged in, proxy None = came directly."""
        return [
            {"account": account, "proxy": proxy, "requests": n}
            for (account, proxy), n in sorted(self.via.items(), key=lambda kv: (str(kv[0][0]), str(kv[0][1])))
        ]

    def get(self, account: str | None = None, all_accounts: bool = False) -> list[dict]:
        if all_accounts:
            return sorted((e for q in self.entries.values() for e in q), key=lambda e: e["real_time"])
        return list(self.entries.get(account, ()))

    def clear(self) -> None:
        self.entries.clear()
        self.via.clear()


class BotSignals:
    def __init__(self, world: World) -> None:
        self.world = world
        self.signals: list[dict] = []
        self._once: set[tuple] = set()
        self._last_session: dict[str, tuple[str, float]] = {}  # account -> (session, real time)
        self._session_seen: dict[str, float] = {}  # session -> last real time
        self._last_action: dict[str, float] = {}
        self._pages: dict[str, deque[float]] = defaultdict(deque)
        self._counts: dict[tuple[str, str, int], int] = defaultdict(int)  # (account, kind, day) -> n

    def clear(self) -> None:
        self.__init__(self.world)

    def _record(
        self, kind: str, account: str | None, session: str | None, detail: str, once_key=None
    ) -> None:
        if once_key is not None:
            if once_key in self._once:
                return
            self._once.add(once_key)
        self.signals.append(
            {
                "kind": kind,
                "account": account,
                "session": session[:12]
                if session
                else None,  # a prefix: enough to tell apart, not a credential
                "detail": detail,
                "real_time": time.time(),
                "sandbox_time": self.world.clock.now(),
            }
        )

    # -- observations -----------------------------------------------------------------------------

    def telemetry(self, account: str | None, session: str | None, data: dict) -> None:
        if data.get("webdriver") is True:
            self._record("webdriver", account, session, "navigator.webdriver is true", ("webdriver", session))
        ua = str(data.get("userAgent", ""))
        if "Headless" in ua:
            self._record("headless_ua", account, session, f"user agent: {ua[:160]}", ("headless_ua", session))

    def request(self, account: str, session: str, user_agent: str, is_page: bool) -> None:
        now = time.time()
        if "Headless" in user_agent:
            self._record(
                "headless_ua", account, session, f"user agent: {user_agent[:160]}", ("headless_ua", session)
            )
        last = self._last_session.get(account)
        if last and last[0] != session:
            # switching back to a session that was used before the other one, both recently: A, B, A
            mine = self._session_seen.get(session)
            other_live = self.world.sessions.get(last[0])
            if mine is not None and now - mine < CONCURRENT_WINDOW and other_live and other_live.alive:
                self._record(
                    "concurrent_sessions",
                    account,
                    session,
                    "two live sessions of one account interleave requests",
                    ("concurrent_sessions", account, frozenset((session, last[0]))),
                )
        self._last_session[account] = (session, now)
        self._session_seen[session] = now
        if is_page:
            pages = self._pages[account]
            pages.append(now)
            while pages and now - pages[0] > BURST_WINDOW:
                pages.popleft()
            if len(pages) > BURST_PAGES:
                self._record("burst", account, session, f"{len(pages)} page loads in {BURST_WINDOW:.0f} s")
                pages.clear()

    def profile_view(self, account: str, session: str) -> None:
        self._count(
            account, session, "profile_view", self.world.accounts[account].daily_profile_view_norm, None
        )

    def action(self, account: str, session: str, kind: str) -> None:
        """An outward action (invite, message, withdraw) was taken."""
        now = time.time()
        acc = self.world.accounts[account]
        last = self._last_action.get(account)
        if last is not None and now - last < BURST_ACTION_GAP:
            self._record("burst", account, session, f"{kind} {now - last:.2f} s after the previous action")
        self._last_action[account] = now
        if not self._in_working_hours(acc):
            self._record(
                "outside_working_hours",
                account,
                session,
                f"{kind} at {self._local(acc):%a %H:%M} {acc.timezone}",
            )
        if kind == "invite":
            self._count(account, session, "invite", acc.daily_invite_norm, acc.weekly_invite_norm)
        elif kind == "message":
            self._count(account, session, "message", acc.daily_message_norm, None)

    # -- helpers ----------------------------------------------------------------------------------

    def _local(self, acc: Account) -> datetime:
        return datetime.fromtimestamp(self.world.clock.now(), ZoneInfo(acc.timezone))

    def _in_working_hours(self, acc: Account) -> bool:
        start, end = acc.working_hours
        return start <= self._local(acc).hour < end

    def _count(self, account: str, session: str, kind: str, daily: int, weekly: int | None) -> None:
        day = int(self.world.clock.now() // DAY)
        self._counts[(account, kind, day)] += 1
        n_day = self._counts[(account, kind, day)]
        if n_day > daily:
            self._record(
                "daily_norm",
                account,
                session,
                f"{n_day} {kind}s today (norm {daily})",
                ("daily", account, kind, day),
            )
        if weekly is not None:
            n_week = sum(self._counts.get((account, kind, d), 0) for d in range(day - 6, day + 1))
            if n_week > weekly:
                self._record(
                    "weekly_norm",
                    account,
                    session,
                    f"{n_week} {kind}s in 7 days (norm {weekly})",
                    ("weekly", account, kind, day),
                )

    def summary(self) -> dict:
        by_kind: dict[str, int] = defaultdict(int)
        for s in self.signals:
            by_kind[s["kind"]] += 1
        return {"count": len(self.signals), "by_kind": dict(by_kind), "signals": list(self.signals)}
