"""Local forward proxies for rehearsals: one real proxy process per account, on loopback, that names
itself in a header, and the check that each account's traffic reached the sandbox through its own.

`make demo ACCOUNTS=N` and the two-account test run one Debian `privoxy` per account (installed by
`make setup` when root). Each adds `X-Sandbox-Proxy: <name>` to the requests it forwards (an
`+add-header` action); the sandbox counts requests per (account, proxy) (`GET /_sandbox/proxies`), and
`proxy_problems()` turns those counts into a verdict: an account's request through another account's
proxy, or through none, breaks the rule "one stable proxy per account".

Why privoxy and not tinyproxy: Debian 12's tinyproxy (1.11.1) forwards only one of a response's
`Set-Cookie` headers (measured: the login's JSESSIONID never reached the browser, so every Voyager call
failed LinkedIn's CSRF check with 403). Privoxy, with no action file but ours, passes every header.

Loopback and Chromium: Chromium sends requests for loopback hosts (127.0.0.1, localhost) around any
proxy unless the bypass list says `<-loopback>`. Playwright 1.65 adds `<-loopback>` itself unless the
environment sets PLAYWRIGHT_DISABLE_FORCED_CHROMIUM_PROXIED_LOOPBACK; `linkedin/session.py` passes it
explicitly, so every request of the account goes through its proxy whatever the environment
(docs/proxies.md).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from openoutreach.sandbox.signals import PROXY_HEADER

PRIVOXY_PATHS = ("/usr/sbin/privoxy", "/usr/bin/privoxy")


class ProxyNotFound(RuntimeError):
    """No privoxy on this machine (the message says how to install it)."""


def find_privoxy() -> str:
    for candidate in (shutil.which("privoxy"), *PRIVOXY_PATHS):
        if candidate and Path(candidate).is_file():
            return candidate
    raise ProxyNotFound(
        "no privoxy found: install Debian's package (`sudo apt-get install privoxy`; `make setup` does "
        "it when run as root), or run the demo with one account (ACCOUNTS=1)"
    )


@dataclass(frozen=True)
class LocalProxy:
    """One privoxy on 127.0.0.1:`port`, in the foreground, that names itself `name` in PROXY_HEADER."""

    name: str
    port: int
    directory: Path  # its config, action file and log

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def config_dir(self) -> Path:
        return self.directory / self.name

    def config(self) -> str:
        # Only this machine may use it; no filter or action file but ours (so nothing is rewritten);
        # no remote toggling or editing through its own pages; `debug 1` logs each request's URL.
        return "\n".join(
            [
                f"confdir {self.config_dir}",
                f"logdir {self.config_dir}",
                "actionsfile own.action",
                f"listen-address 127.0.0.1:{self.port}",
                "permit-access 127.0.0.1",
                "toggle 1",
                "enable-remote-toggle 0",
                "enable-remote-http-toggle 0",
                "enable-edit-actions 0",
                "accept-intercepted-requests 0",
                "forwarded-connect-retries 0",
                "debug 1",
                "",
            ]
        )

    def actions(self) -> str:
        return f"{{+add-header{{{PROXY_HEADER}: {self.name}}}}}\n/\n"

    def argv(self, executable: str | None = None) -> list[str]:
        """Write the config and action files and return the command (`--no-daemon`: stays in the
        foreground, logs to stderr)."""
        self.config_dir.mkdir(parents=True, exist_ok=True)
        (self.config_dir / "own.action").write_text(self.actions())
        (self.config_dir / "config").write_text(self.config())
        return [executable or find_privoxy(), "--no-daemon", str(self.config_dir / "config")]


def proxy_name(handle: str) -> str:
    return f"proxy-{handle}"


def proxy_problems(expected: dict[str, str], counts: list[dict]) -> list[str]:
    """Every request that reached the sandbox through the wrong proxy, in words (empty = all kept).

    `expected`: account handle -> the name of its own proxy. `counts`: the sandbox's
    [{account, proxy, requests}] (`SandboxControl.proxies()`; account None = not logged in yet,
    proxy None = no proxy). A logged-in request is wrong unless it came through its account's proxy;
    a request before login (no account known yet) is wrong when it came through no proxy or one
    that belongs to no account.
    """
    problems = []
    own = set(expected.values())
    for row in counts:
        account, proxy, n = row["account"], row["proxy"], row["requests"]
        through = f"proxy {proxy!r}" if proxy else "no proxy"
        if account is None:
            if proxy not in own:
                problems.append(f"{n} request(s) before login reached the sandbox through {through}")
        elif account not in expected:
            problems.append(
                f"{account}: {n} request(s) from an account without a proxy of its own ({through})"
            )
        elif proxy != expected[account]:
            problems.append(
                f"{account}: {n} request(s) reached the sandbox through {through}, not its own "
                f"{expected[account]!r}"
            )
    return problems


def proxy_summary(expected: dict[str, str], counts: list[dict]) -> str:
    """`alice 812 requests via proxy-alice · bob 640 via proxy-bob` (the demo's closing line)."""
    parts = []
    for handle, name in expected.items():
        mine = sum(r["requests"] for r in counts if r["account"] == handle and r["proxy"] == name)
        parts.append(f"{handle} {mine} requests via {name}")
    return " · ".join(parts)
