"""Switchable faults: what goes wrong on the real site, on demand, globally or per account.

A fault is a key with a value; rates are probabilities drawn from a seeded RNG (so a rate of 1.0 or
0.0 is exact and a test never flakes on it). Per-account settings override the global ones.
"""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass, field
from typing import Any

# name -> (default, description). Unknown names are refused with a clear error.
FAULTS: dict[str, tuple[Any, str]] = {
    "checkpoint_rate": (0.0, "login lands on /checkpoint/challenge/... instead of the feed"),
    "wrong_password_rate": (0.0, "login stays on /login with an error even with the right password"),
    "session_expired_rate": (0.0, "a request finds the session dead (Voyager 401, pages -> /login)"),
    "voyager_429_rate": (0.0, "Voyager answers 429 (throttled)"),
    "voyager_999_rate": (0.0, "Voyager answers 999 (LinkedIn's bot wall)"),
    "voyager_500_rate": (0.0, "Voyager answers 500 (transient)"),
    "voyager_rest_gone": (False, "the REST profile endpoint answers 410 Gone (LinkedIn retired it)"),
    "slow_seconds": (0.0, "pages and API calls take this many extra seconds"),
    "slow_rate": (1.0, "probability that slow_seconds applies to a request"),
    "missing_connect_rate": (0.0, "share of people whose top card has no Connect control at all"),
    "pending_not_in_card": (
        False,
        "2026 profile pages show no Pending control in the top card (withdraw from the sent-invitations page)",
    ),
    "connect_error_rate": (0.0, "sending an invitation fails with an error toast"),
    "message_error_rate": (0.0, "sending a message fails with an error toast"),
    "deliver_then_fail_rate": (
        0.0,
        "an invitation or message is delivered, then the answer is an error (the toast lies)",
    ),
    "after_delivery_seconds": (
        0.0,
        "an invitation or message is delivered, then its answer waits this many seconds (a hung send)",
    ),
    "thread_markup_changed": (False, "conversation pages come in a markup the inbox reader does not know"),
    "search_limit": (False, "people search shows the monthly commercial-use limit instead of results"),
    "markup": (None, 'force the profile-page generation: "2026", "2022" ("legacy" too) or "older"'),
    "connect_style": (None, 'force "direct" (Connect in the top card) or "overflow" (in the More menu)'),
    "modal_variant": (None, "force the connect modal: 0 Send without a note, 1 Send now, 2 Send invitation"),
    "legacy_flavor": (None, "force which top-card selector (0..3) the 2022 markup satisfies"),
    "llm_error_rate": (0.0, "LLM stand-in answers 500"),
    "llm_timeout_rate": (0.0, "LLM stand-in hangs past the client's timeout"),
    "llm_garbage_rate": (0.0, "LLM stand-in answers unparseable output"),
    "llm_slow_seconds": (0.0, "LLM stand-in answers this many seconds late"),
}
LLM_FAULTS = {
    "llm_error_rate": "error_rate",
    "llm_timeout_rate": "timeout_rate",
    "llm_garbage_rate": "garbage_rate",
    "llm_slow_seconds": "slow_seconds",
}


class FaultError(ValueError):
    """An unknown fault name or a value of the wrong kind."""


def _check(name: str, value: Any) -> Any:
    if name not in FAULTS:
        raise FaultError(f"unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}")
    if name.endswith("_rate"):
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 <= value <= 1.0:
            raise FaultError(f"fault {name} must be a probability in [0, 1], got {value!r}")
        return float(value)
    if name.endswith("_seconds"):
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0.0 <= value <= 600:
            raise FaultError(f"fault {name} must be seconds in [0, 600], got {value!r}")
        return float(value)
    if name in ("search_limit", "voyager_rest_gone", "thread_markup_changed", "pending_not_in_card"):
        if not isinstance(value, bool):
            raise FaultError(f"fault {name} must be true or false, got {value!r}")
        return value
    allowed = {
        "markup": (None, "2026", "2022", "older", "legacy"),
        "connect_style": (None, "direct", "overflow"),
        "modal_variant": (None, 0, 1, 2),
        "legacy_flavor": (None, 0, 1, 2, 3),
    }[name]
    if value not in allowed or isinstance(value, bool):
        raise FaultError(f"fault {name} must be one of {allowed}, got {value!r}")
    if name == "markup" and value == "legacy":
        return "2022"  # the generation's old name, kept for existing callers
    return value


@dataclass
class Faults:
    """Global and per-account fault settings plus the RNG that rolls them."""

    seed: int = 0
    global_: dict[str, Any] = field(default_factory=dict)
    per_account: dict[str, dict[str, Any]] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        self.rng.seed(self.seed ^ 0xFA17)

    def set(self, account: str | None = None, **values: Any) -> None:
        checked = {name: _check(name, value) for name, value in values.items()}  # all or nothing
        target = self.global_ if account is None else self.per_account.setdefault(account, {})
        target.update(checked)

    def clear(self, account: str | None = None) -> None:
        if account is None:
            self.global_.clear()
            self.per_account.clear()
        else:
            self.per_account.pop(account, None)
        self.rng.seed(self.seed ^ 0xFA17)

    def get(self, name: str, account: str | None = None) -> Any:
        if account is not None and name in self.per_account.get(account, {}):
            return self.per_account[account][name]
        return self.global_.get(name, FAULTS[name][0])

    def roll(self, name: str, account: str | None = None) -> bool:
        """True with the probability set for `name` (exactly never at 0, always at 1)."""
        rate = self.get(name, account)
        return rate >= 1.0 or (rate > 0.0 and self.rng.random() < rate)

    def sticky(self, name: str, key: str, account: str | None = None) -> bool:
        """Like roll, but the same key always gets the same answer (a person's page stays broken)."""
        rate = self.get(name, account)
        return rate >= 1.0 or (rate > 0.0 and zlib.crc32(f"{self.seed}:{name}:{key}".encode()) / 2**32 < rate)

    def describe(self) -> dict:
        return {
            "global": dict(self.global_),
            "accounts": {k: dict(v) for k, v in self.per_account.items()},
            "known": {name: {"default": d, "what": what} for name, (d, what) in FAULTS.items()},
        }
