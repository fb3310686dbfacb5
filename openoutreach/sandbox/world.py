"""The sandbox's mutable state: accounts, sessions, networks, invitations, messages and the clock.

Everything that changes lives here, behind a few verbs (login, invite, withdraw, send_message) that the
pages and APIs call, so the rules LinkedIn enforces (weekly limit, 1st-degree-only messaging, no
self-invites) hold whichever page triggered them. Dynamics (acceptances, replies) are events on a heap,
applied lazily by `advance()` whenever the sandbox is touched: no background thread, and a fast clock
just makes more events due at the next request.

All handlers run on one asyncio loop, so this state needs no locks.
"""

from __future__ import annotations

import heapq
import random
import secrets
import time
import zlib
from dataclasses import asdict, dataclass, field

from openoutreach.sandbox import withdrawal
from openoutreach.sandbox.messaging import draw_reply
from openoutreach.sandbox.population import Person, Population
from openoutreach.sandbox.scenarios import Scenario

DAY = 86_400.0
SESSION_LIFETIME = 365 * DAY  # li_at lives about a year


class Clock:
    """Sandbox time = start + real elapsed * speed; changing speed keeps time continuous."""

    def __init__(self, speed: float = 1.0, start: float | None = None) -> None:
        self._real0 = time.time()
        self._sandbox0 = start if start is not None else self._real0
        self.speed = speed

    def now(self) -> float:
        return self._sandbox0 + (time.time() - self._real0) * self.speed

    def set_speed(self, speed: float) -> None:
        if not 0 < speed <= 10_000_000:
            raise ValueError(f"clock speed must be in (0, 1e7], got {speed!r}")
        self._sandbox0, self._real0 = self.now(), time.time()
        self.speed = speed

    def restart(self, speed: float) -> None:
        """Start again from real now at `speed` (a reset)."""
        self.__init__(speed)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the sandbox clock never runs backwards")
        self._sandbox0 += seconds


class ActionError(Exception):
    """A member action LinkedIn would refuse; `code` is machine-readable, the message is for people."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.status = code, status


@dataclass
class Account:
    handle: str
    email: str
    password: str
    person: int  # index of the account's own profile in the population
    timezone: str = "UTC"
    working_hours: tuple[int, int] = (8, 19)  # local hours [start, end)
    weekly_limit: int = 100  # enforced invitation ceiling (rolling 7 sandbox days)
    daily_invite_norm: int = 25  # bot-signal thresholds, not enforced
    weekly_invite_norm: int = 100
    daily_message_norm: int = 50
    daily_profile_view_norm: int = 300
    checkpoint: bool = False  # this account always gets the security check at login

    def public(self) -> dict:
        data = asdict(self)
        data.pop("password")
        return data


@dataclass
class Session:
    token: str  # li_at
    jsessionid: str  # stored with its quotes, as the cookie is
    account: str
    created_real: float
    expires_at: float  # sandbox time
    user_agent: str
    alive: bool = True


@dataclass
class Invitation:
    id: int
    account: str
    person: int
    sent_at: float
    note: str | None
    will_accept: bool
    decide_at: float
    status: str = "pending"  # pending | accepted | withdrawn
    resolved_at: float | None = None


@dataclass
class Message:
    id: int
    account: str
    person: int
    sender: str  # "account" | "member"
    text: str
    at: float
    intent: str | None = None  # a member's reply: its true intent (sandbox/messaging.py)
    by_hand: bool = False  # the account's message was typed by hand on LinkedIn, not by the product


ACCOUNT_SPECS = [
    # handle, first, last, title, timezone, checkpoint
    ("alice", "Alice", "Anders", "Head of Growth", "UTC", False),
    ("bob", "Bob", "Brenner", "Founder & CEO", "America/New_York", False),
    ("carol", "Carol", "Castillo", "Partnerships Lead", "Europe/Berlin", False),
    ("dave", "Dave", "Dunn", "Account Executive", "UTC", True),
]


@dataclass
class World:
    population: Population
    scenario: Scenario
    accounts: dict[str, Account] = field(default_factory=dict)
    clock: Clock = field(default_factory=Clock)
    sessions: dict[str, Session] = field(default_factory=dict)
    connections: dict[str, dict[int, float]] = field(default_factory=dict)  # account -> person -> since
    invitations: list[Invitation] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    _events: list[tuple[float, int, str, int]] = field(default_factory=list)
    _seq: int = 0
    # Multiplies the time people take to accept an invitation (1 = as drawn: a median near 20 sandbox
    # hours). A rehearsal that wants acceptances within a few real minutes lowers it (`make demo`).
    accept_delay_scale: float = 1.0

    @classmethod
    def create(cls, population: Population, scenario: Scenario, clock_speed: float = 1.0) -> World:
        world = cls(population=population, scenario=scenario, clock=Clock(clock_speed))
        world._add_account_people()
        world.reset_state()
        return world

    # -- setup ------------------------------------------------------------------------------------

    def _add_account_people(self) -> None:
        pop = self.population
        for n, (handle, first, last, title, tz, checkpoint) in enumerate(ACCOUNT_SPECS):
            template = pop.people[n % pop.size]
            index = len(pop.people)
            company = pop.companies[n]
            person = Person(
                **{
                    **{f: getattr(template, f) for f in template.__slots__},
                    "index": index,
                    "public_id": f"{handle}-{last.lower()}-sandbox",
                    "profile_id": f"ACoAASandbox{handle.capitalize()}{'x' * (18 - len(handle))}",
                    "member_id": 9_000_000 + n,
                    "first_name": first,
                    "last_name": last,
                    "company": company.index,
                    "title": title,
                    "headline": f"{title} at {company.name}",
                    "private": False,
                    "injection": False,
                    "namesake_of": None,
                }
            )
            pop.people.append(person)
            pop.by_public_id[person.public_id] = index
            pop.by_profile_id[person.profile_id] = index
            self.accounts[handle] = Account(
                handle=handle,
                email=f"{handle}@sandbox.test",
                password=f"{handle}-pass",
                person=index,
                timezone=tz,
                checkpoint=checkpoint,
            )
        self._account_limits = {h: Account(**asdict(a)) for h, a in self.accounts.items()}

    def reset_state(self) -> None:
        """Back to the initial world: fresh networks, no invitations, messages or sessions."""
        for handle, initial in self._account_limits.items():
            self.accounts[handle] = Account(**asdict(initial))
        self.sessions.clear()
        self.invitations.clear()
        self.messages.clear()
        self._events.clear()
        self.connections = {h: self._initial_network(h) for h in self.accounts}

    def _initial_network(self, handle: str) -> dict[int, float]:
        pop, now = self.population, self.clock.now()
        rng = random.Random(f"{pop.seed}:network:{handle}")
        size = min(400, max(12, pop.size * 8 // 100))
        members = set(rng.sample(range(pop.size), min(size, pop.size)))
        # a few namesake pairs inside every network, so "pick the first typeahead hit" is wrong
        namesakes = [p for p in pop.people[: pop.size] if p.namesake_of is not None]
        rng.shuffle(namesakes)
        for p in namesakes[:4]:
            members.update((p.index, p.namesake_of))
        members = {i for i in members if not pop.people[i].private}
        return {i: now - rng.uniform(30, 2000) * DAY for i in sorted(members)}

    # -- sessions ---------------------------------------------------------------------------------

    def open_session(self, account: str, user_agent: str) -> Session:
        session = Session(
            token="AQEDA" + secrets.token_urlsafe(30),
            jsessionid=f'"ajax:{secrets.randbelow(10**19):019d}"',
            account=account,
            created_real=time.time(),
            expires_at=self.clock.now() + SESSION_LIFETIME,
            user_agent=user_agent,
        )
        self.sessions[session.token] = session
        return session

    def session_for(self, token: str | None) -> Session | None:
        """The live session behind an li_at value, or None if unknown, expired or killed."""
        session = self.sessions.get(token or "")
        if session is None or not session.alive:
            return None
        if self.clock.now() >= session.expires_at:
            session.alive = False
            return None
        return session

    # -- relationships ----------------------------------------------------------------------------

    def degree(self, account: str, person: Person) -> str:
        """'self' | 'connected' | 'pending' | 'DISTANCE_2' | 'DISTANCE_3' | 'OUT_OF_NETWORK'."""
        if person.index == self.accounts[account].person:
            return "self"
        if person.index in self.connections[account]:
            return "connected"
        if self.pending_invitation(account, person.index) is not None:
            return "pending"
        return self.distance(account, person)

    def distance(self, account: str, person: Person) -> str:
        roll = zlib.crc32(f"{self.population.seed}:{account}:{person.index}".encode()) % 100
        return "DISTANCE_2" if roll < 55 else "DISTANCE_3" if roll < 85 else "OUT_OF_NETWORK"

    def pending_invitation(self, account: str, person: int) -> Invitation | None:
        for inv in reversed(self.invitations):
            if inv.account == account and inv.person == person and inv.status == "pending":
                return inv
        return None

    def invitations_this_week(self, account: str) -> int:
        since = self.clock.now() - 7 * DAY
        return sum(1 for inv in self.invitations if inv.account == account and inv.sent_at >= since)

    def weekly_limit_reached(self, account: str) -> bool:
        return self.invitations_this_week(account) >= self.accounts[account].weekly_limit

    # -- actions ----------------------------------------------------------------------------------

    def invite(self, account: str, person: Person, note: str | None = None) -> Invitation:
        self.advance()
        state = self.degree(account, person)
        if state == "self":
            raise ActionError("self", "You can't invite yourself.")
        if state == "connected":
            raise ActionError("already_connected", f"You're already connected to {person.full_name}.")
        if state == "pending":
            raise ActionError("already_pending", f"An invitation to {person.full_name} is already pending.")
        if person.private:
            raise ActionError("unavailable", "This member can't be invited.", 403)
        withdrawal.check_reinvite(self, account, person)  # LinkedIn's three-week block after a withdrawal
        if self.weekly_limit_reached(account):
            raise ActionError("weekly_limit", "You've reached the weekly invitation limit.", 429)
        now = self.clock.now()
        tries = sum(1 for inv in self.invitations if inv.account == account and inv.person == person.index)
        rng = random.Random(f"{self.population.seed}:invite:{account}:{person.index}:{tries}")
        will_accept = rng.random() < person.accept_prob
        delay = min(14 * DAY, max(600.0, rng.lognormvariate(0, 0.8) * person.accept_median_hours * 3600))
        delay *= self.accept_delay_scale
        inv = Invitation(
            len(self.invitations) + 1, account, person.index, now, note, will_accept, now + delay
        )
        self.invitations.append(inv)
        if will_accept:
            self._schedule(inv.decide_at, "accept", inv.id)
        return inv

    def withdraw(self, account: str, person: Person) -> Invitation:
        self.advance()  # an acceptance that is due happens first
        inv = self.pending_invitation(account, person.index)
        if inv is None:
            raise ActionError("not_pending", f"No pending invitation to {person.full_name}.", 404)
        inv.status, inv.resolved_at = "withdrawn", self.clock.now()
        return inv

    def send_message(self, account: str, person: Person, text: str, by_hand: bool = False) -> Message:
        self.advance()
        text = text.strip()
        if not text:
            raise ActionError("empty", "Write a message first.")
        if person.index not in self.connections[account]:
            raise ActionError(
                "not_connected", f"You can only message your connections ({person.full_name}).", 403
            )
        msg = self.add_message(account, person.index, "account", text, by_hand=by_hand)
        sent = sum(
            1
            for m in self.messages
            if m.account == account and m.person == person.index and m.sender == "account"
        )
        rng = random.Random(f"{self.population.seed}:reply:{account}:{person.index}:{sent}")
        already = any(
            kind == "reply" and self._reply_target(eid) == (account, person.index)
            for _, _, kind, eid in self._events
        )
        if not already and rng.random() < person.reply_prob:
            delay = min(10 * DAY, max(300.0, rng.lognormvariate(0, 1.0) * 6 * 3600))
            self._schedule(msg.at + delay, "reply", msg.id)
        return msg

    def _reply_target(self, message_id: int) -> tuple[str, int]:
        msg = self.messages[message_id - 1]
        return msg.account, msg.person

    def add_message(
        self,
        account: str,
        person: int,
        sender: str,
        text: str,
        intent: str | None = None,
        by_hand: bool = False,
    ) -> Message:
        msg = Message(
            len(self.messages) + 1, account, person, sender, text, self.clock.now(), intent, by_hand
        )
        self.messages.append(msg)
        return msg

    def thread(self, account: str, person: int) -> list[Message]:
        return [m for m in self.messages if m.account == account and m.person == person]

    # -- dynamics ---------------------------------------------------------------------------------

    def _schedule(self, at: float, kind: str, ident: int) -> None:
        self._seq += 1
        heapq.heappush(self._events, (at, self._seq, kind, ident))

    def advance(self) -> None:
        """Apply every acceptance and reply that is due by the sandbox clock."""
        now = self.clock.now()
        while self._events and self._events[0][0] <= now:
            at, _, kind, ident = heapq.heappop(self._events)
            if kind == "accept":
                inv = self.invitations[ident - 1]
                if inv.status == "pending":  # withdrawn invitations are never accepted
                    inv.status, inv.resolved_at = "accepted", at
                    self.connections[inv.account][inv.person] = at
            elif kind == "reply":
                trigger = self.messages[ident - 1]
                intent, text = draw_reply(self, trigger)  # the person's ground truth (sandbox/messaging.py)
                reply = self.add_message(trigger.account, trigger.person, "member", text, intent=intent)
                reply.at = at
