"""The demo's LinkedIn accounts: ACCOUNTS=N sandbox members working one campaign in parallel, each with
its own browser worker and, with more than one account (or DEMO_PROXIES=1), its own forward proxy.

The members are the sandbox's own (openoutreach/sandbox/world.py ACCOUNT_SPECS) minus the one that
always meets a security check: alice, bob, carol. Each account's proxy URL is stored on the account
(encrypted, like in production) and its browser worker passes it to Chromium; the demo's safety verdict
then checks, from the sandbox's per-account proxy counts, that each one's traffic came through its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from openoutreach.forward_proxy import LocalProxy, proxy_name

HANDLES = ("alice", "bob", "carol")  # sandbox members without a standing checkpoint


class AccountsError(ValueError):
    """ACCOUNTS or DEMO_PROXIES has a value the demo cannot run with (the message says which)."""


@dataclass
class DemoAccounts:
    handles: list[str]
    proxies: dict[str, LocalProxy] = field(default_factory=dict)  # empty: no proxies

    @property
    def expected_proxies(self) -> dict[str, str]:
        return {handle: proxy.name for handle, proxy in self.proxies.items()}


def from_env(env: dict[str, str]) -> tuple[int, bool]:
    """(number of accounts, proxies on) from ACCOUNTS (default 1) and DEMO_PROXIES (default: on when
    more than one account)."""
    raw = env.get("ACCOUNTS", "").strip() or "1"
    try:
        count = int(raw)
    except ValueError:
        raise AccountsError(
            f"ACCOUNTS must be a whole number from 1 to {len(HANDLES)}, got {raw!r}"
        ) from None
    if not 1 <= count <= len(HANDLES):
        raise AccountsError(
            f"ACCOUNTS must be from 1 to {len(HANDLES)} (the sandbox's members {', '.join(HANDLES)}), got {count}"
        )
    proxies = env.get("DEMO_PROXIES", "").strip().lower()
    if proxies not in ("", "0", "1", "no", "yes"):
        raise AccountsError(f"DEMO_PROXIES must be 1 or 0, got {proxies!r}")
    if proxies in ("0", "no") and count > 1:
        raise AccountsError(
            "with more than one account every account needs its own proxy: DEMO_PROXIES=0 refused"
        )
    return count, proxies in ("1", "yes") or count > 1


def plan(count: int, with_proxies: bool, ports: list[int], directory: Path) -> DemoAccounts:
    handles = list(HANDLES[:count])
    proxies = {}
    if with_proxies:
        proxies = {
            handle: LocalProxy(proxy_name(handle), port, directory)
            for handle, port in zip(handles, ports, strict=True)
        }
    return DemoAccounts(handles, proxies)


def seed_accounts(accounts: DemoAccounts, campaign) -> None:
    """Each sandbox member as an account of `campaign`, open around the clock on our clock, already warm,
    its proxy URL stored encrypted."""
    from datetime import time

    from openoutreach.pipeline.campaigns import create_account

    for handle in accounts.handles:
        account = create_account(
            handle, f"{handle}@sandbox.test", f"{handle}-pass", campaign, warmup_started_on=None
        )
        account.working_hours_start, account.working_hours_end = time(0, 0), time(23, 59, 59)
        if handle in accounts.proxies:
            account.set_proxy(accounts.proxies[handle].url)
        account.save()


def open_sandbox_hours(accounts: DemoAccounts, sandbox_url: str) -> None:
    """The sandbox judges working hours on its own (sped-up) clock: each account works around it. Done
    before the lanes start, so no action of the demo can meet the sandbox's default hours."""
    from openoutreach.sandbox.testing import SandboxControl

    control = SandboxControl(sandbox_url)
    try:
        for handle in accounts.handles:
            control.update_account(handle, working_hours=[0, 24])
    finally:
        control.close()
