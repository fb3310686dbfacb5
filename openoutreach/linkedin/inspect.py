"""Run the browser layer on a saved profile page, offline, and print what it reads.

    python -m openoutreach.linkedin.inspect PAGE.html [--name "Full Name"] [--public-id ID] [--json]

The page is loaded in Chromium with every network request blocked (nothing leaves the machine), then
read through the same code the actions use: the top card, the person's name, the connection status
and each control (`connect` in the card, `more`, `menu_connect` = this person's Connect inside the
menu that More opens, `pending`, `message`, `follow`), with the selector rule that matched each.
Operators run it on failure captures (`DATA_DIR/captures/<handle>/`) after LinkedIn changed a page.

Exit status: 0 a top card was found, 1 none was found, 2 the file is unreadable.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from playwright.sync_api import Page, Route, sync_playwright

from openoutreach.linkedin import selectors as S
from openoutreach.linkedin.actions.topcard import ConnectionStatus, locate_top_card
from openoutreach.linkedin.errors import BrowserNotFound
from openoutreach.linkedin.session import LAUNCH_ARGS, find_browser

PAGE_URL = "https://www.linkedin.com/in/{public_id}/"
MAX_BYTES = 50 * 1024 * 1024
# A capture's first line names the page it came from (see captures.py).
_CAPTURE_HEADER = re.compile(r"<!-- openoutreach capture: .*? \| (\S+) -->")
_CANONICAL = re.compile(r"""<link[^>]+rel=["']canonical["'][^>]*href=["']([^"']+)""", re.IGNORECASE)


@dataclass
class Reading:
    """What the browser layer reads on one page."""

    top_card: bool = False
    name: str | None = None
    status: str = ConnectionStatus.UNKNOWN.value
    controls: dict[str, bool] = field(
        default_factory=lambda: dict.fromkeys(
            ("connect", "more", "menu_connect", "pending", "message", "follow"), False
        )
    )
    rules: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "top_card": self.top_card,
            "name": self.name,
            "status": self.status,
            "controls": self.controls,
            "rules": self.rules,
        }


def read_page(page: Page, *, name: str | None = None, public_id: str | None = None) -> Reading:
    """Read an already loaded profile page the way the actions do (opens and closes the More menu)."""
    reading = Reading()
    card = locate_top_card(page, name, timeout_s=2.0, public_id=public_id)
    if card is None:
        return reading
    card.offline = True
    card.menu_timeout_s = 1.0
    reading.top_card = True
    reading.rules["top_card"] = card.card_rule
    reading.name = card.names[-1] if card.names else None
    chains = {
        "connect": S.CONNECT,
        "more": S.MORE,
        "pending": S.PENDING,
        "message": S.MESSAGE_BUTTON,
        "follow": S.FOLLOW,
    }
    for control, chain in chains.items():
        reading.controls[control] = card.find(chain, control=control) is not None
    if reading.controls["more"] and card.open_more() is not None:
        try:
            reading.controls["menu_connect"] = (
                card.find_in_menu(S.MENU_CONNECT, control="menu_connect") is not None
            )
        finally:
            card.close_menu()
    reading.status = card.status(look_in_menu=reading.controls["more"]).value
    reading.rules.update({k: v for k, v in card.rules.items() if k in (*reading.controls, "name")})
    reading.rules.update({k: v for k, v in card.rules.items() if k in ("degree", "self", "bell")})
    return reading


def public_id_of(html: str) -> str | None:
    """The member's public id named by a capture header or a canonical link, if any."""
    for pattern in (_CAPTURE_HEADER, _CANONICAL):
        found = pattern.search(html)
        if found:
            parts = [p for p in urlsplit(found.group(1)).path.split("/") if p]
            if len(parts) >= 2 and parts[0].lower() == "in":
                return unquote(parts[1])
    return None


def inspect_html(html: str, *, name: str | None = None, public_id: str | None = None) -> Reading:
    """Load `html` in a Chromium that cannot reach any network, and read it."""
    public_id = public_id or public_id_of(html)
    url = PAGE_URL.format(public_id=public_id or "member")

    def serve(route: Route) -> None:
        if route.request.url == url and route.request.resource_type == "document":
            route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html)
        else:
            route.abort()  # nothing leaves the machine: no scripts, images or beacons

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=find_browser(None, playwright.chromium.executable_path),
            headless=True,
            args=list(LAUNCH_ARGS),
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000}, offline=False)
            context.route("**/*", serve)
            page = context.new_page()
            page.goto(url, wait_until="domcontentloaded")
            return read_page(page, name=name, public_id=public_id)
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m openoutreach.linkedin.inspect", description=__doc__.split("\n")[0]
    )
    parser.add_argument("page", help="a saved profile page (.html), e.g. a failure capture")
    parser.add_argument("--name", help="the member's full name (scopes name-based rules)")
    parser.add_argument("--public-id", help="the member's public id (vanity name) for the menu's Connect")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    path = Path(args.page)
    try:
        if path.stat().st_size > MAX_BYTES:
            print(f"error: {path} is larger than {MAX_BYTES // 2**20} MB", file=sys.stderr)
            return 2
        html = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as exc:
        print(f"error: cannot read {path}: {exc}", file=sys.stderr)
        return 2
    if "<" not in html:
        print(f"error: {path} does not look like an HTML page", file=sys.stderr)
        return 2
    try:
        reading = inspect_html(html, name=args.name, public_id=args.public_id)
    except BrowserNotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(reading.as_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        _print_reading(reading)
    return 0 if reading.top_card else 1


def _print_reading(reading: Reading) -> None:
    if not reading.top_card:
        print("top card: NOT FOUND (no rule of the 'top card' chain matched)")
        return
    print(f"top card: found ({reading.rules.get('top_card')})")
    print(f"name:     {reading.name}")
    print(f"status:   {reading.status}")
    for control, present in reading.controls.items():
        rule = reading.rules.get(control)
        print(f"  {control:<13} {'yes' if present else 'no ':<4} {('rule: ' + rule) if rule else ''}")


if __name__ == "__main__":
    sys.exit(main())
