"""Failure captures: a saved copy of a page on which an action could not find its control.

LinkedIn changes its markup without notice. What keeps a deployment alive is a copy of every page where
an action failed to find what it needed (no top card, no Connect, a message not delivered, an unknown
status), so an operator can run the browser layer against it offline (`python -m
openoutreach.linkedin.inspect`) and see what it reads. A capture is the page's HTML with every script
removed and the secrets stripped (session cookies, csrf and `ajax:` tokens, JSESSIONID, the account's
own email and password), plus a screenshot. Captures are bounded by count and age per account.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Page

log = logging.getLogger(__name__)

REDACTED = "[redacted]"
_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_SCRIPT_OPEN = re.compile(r"<script\b[^>]*/?>", re.IGNORECASE)
_NOSCRIPT = re.compile(r"<noscript\b[^>]*>.*?</noscript\s*>", re.IGNORECASE | re.DOTALL)
_EVENT_ATTR = re.compile(r"""\s+on[a-z]+\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)
_JS_URL = re.compile(r"""(href|src|action)\s*=\s*(["'])\s*javascript:[^"']*\2""", re.IGNORECASE)
# LinkedIn's csrf token is the JSESSIONID value, "ajax:<digits>"; pages also embed it in meta tags.
_AJAX_TOKEN = re.compile(r"ajax:\d{6,}")
_CSRF_META = re.compile(
    r"""(<meta\b[^>]*name\s*=\s*["'][^"']*csrf[^"']*["'][^>]*content\s*=\s*["'])[^"']*""", re.IGNORECASE
)
_SAFE_NAME = re.compile(r"[^a-z0-9_-]+")


def clean_html(html: str, secrets: Iterable[str] = ()) -> str:
    """`html` without scripts, inline handlers or javascript: URLs, and with every secret replaced.

    Secrets are the exact values given (cookie values, the account's email and password) plus anything
    shaped like a LinkedIn csrf token. Other people's emails on the page are left alone; the account's
    own email is passed in as a secret.
    """
    out = _SCRIPT.sub("", html)
    out = _SCRIPT_OPEN.sub("", out)
    out = _NOSCRIPT.sub("", out)
    out = _EVENT_ATTR.sub("", out)
    out = _JS_URL.sub(r"\1=\2#\2", out)
    out = _CSRF_META.sub(rf"\1{REDACTED}", out)
    for secret in sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True):
        for variant in _variants(secret):
            out = out.replace(variant, REDACTED)
    return _AJAX_TOKEN.sub(REDACTED, out)


def _variants(secret: str) -> set[str]:
    """A secret as it may appear in markup: raw, without quotes, HTML- and URL-escaped."""
    from html import escape
    from urllib.parse import quote

    bare = secret.strip('"')
    values = {secret, bare}
    values |= {escape(v) for v in list(values)}
    values |= {quote(v, safe="") for v in (secret, bare)}
    return {v for v in values if len(v) >= 4}


@dataclass
class CaptureStore:
    """Where one account's captures go, and how many / how old they may get."""

    directory: Path
    max_count: int = 200
    max_age_days: float = 14.0
    secrets: list[str] = field(default_factory=list)  # the account's email, password, ...

    def save(self, page: Page, reason: str) -> Path | None:
        """Save `page` as `<time>-<reason>.html` (+ `.png`); the HTML's path, or None if saving failed.

        Never raises: a capture is evidence for a failure that is already being handled.
        """
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            stem = f"{time.strftime('%Y%m%d-%H%M%S')}-{int(time.time() * 1000) % 1000:03d}-" + (
                _SAFE_NAME.sub("-", reason.lower()).strip("-")[:60] or "capture"
            )
            html_path = self.directory / f"{stem}.html"
            secrets = [*self.secrets, *_cookie_values(page)]
            header = f"<!-- openoutreach capture: {reason} | {page.url} -->\n"
            html_path.write_text(header + clean_html(_content_as_rendered(page), secrets), encoding="utf-8")
            html_path.chmod(0o600)
            try:
                png = self.directory / f"{stem}.png"
                page.screenshot(path=str(png), full_page=True, timeout=10_000)
                png.chmod(0o600)
            except Exception as exc:  # the HTML is what matters; a screenshot can fail on a dying page
                log.info("capture screenshot failed (%s)", exc)
            self.prune()
            log.info("saved a capture of %s: %s", page.url, html_path)
            return html_path
        except Exception as exc:
            log.warning("could not save a capture (%s): %s", reason, exc)
            return None

    def prune(self) -> None:
        """Drop captures older than `max_age_days`, then the oldest beyond `max_count`."""
        pages = sorted(self.directory.glob("*.html"), key=lambda p: p.stat().st_mtime, reverse=True)
        cutoff = time.time() - self.max_age_days * 86400
        for index, html in enumerate(pages):
            if index >= self.max_count or html.stat().st_mtime < cutoff:
                html.unlink(missing_ok=True)
                html.with_suffix(".png").unlink(missing_ok=True)


# LinkedIn's stylesheets are external: a saved page would show what they hide (2026 pages carry badges
# for states the person is not in, hidden only by CSS). Mark what was not rendered at capture time and
# keep it hidden with an inline rule. Elements with their own `hidden` / `popover` attribute are left
# to the browser's defaults, so an offline reader can still open a saved menu.
HIDDEN_ATTR = "data-oo-hidden"
_HIDDEN_STYLE = f"<style>[{HIDDEN_ATTR}]{{display:none!important}}</style>"
_MARK_HIDDEN_JS = """attr => {
  let marked = 0;
  for (const el of document.body ? document.body.querySelectorAll('*') : []) {
    if (el.hasAttribute('hidden') || el.hasAttribute('popover') || el.closest('[popover],[hidden]')) continue;
    const parent = el.parentElement;
    if (!el.checkVisibility() && (!parent || parent.checkVisibility())) { el.setAttribute(attr, ''); marked++; }
  }
  return marked;
}"""
_UNMARK_JS = "attr => document.querySelectorAll('[' + attr + ']').forEach(el => el.removeAttribute(attr))"


def _content_as_rendered(page: Page) -> str:
    """The page's HTML with what the stylesheets hid marked hidden (see HIDDEN_ATTR)."""
    try:
        page.evaluate(_MARK_HIDDEN_JS, HIDDEN_ATTR)
        html = page.content()
    finally:
        page.evaluate(_UNMARK_JS, HIDDEN_ATTR)
    head = re.search(r"<head\b[^>]*>", html, re.IGNORECASE)
    if head:
        return html[: head.end()] + _HIDDEN_STYLE + html[head.end() :]
    return _HIDDEN_STYLE + html


# Session cookies whatever their length; other cookies only when long enough to be tokens (redacting
# a short value such as "true" everywhere would garble the page's markup).
_SESSION_COOKIES = {"li_at", "JSESSIONID", "li_rm", "liap", "bcookie", "bscookie", "li_mc", "lidc"}


def _cookie_values(page: Page) -> list[str]:
    try:
        cookies = page.context.cookies()
    except Exception:  # a closed context has no cookies to leak
        return []
    return [
        c["value"]
        for c in cookies
        if c.get("value") and (c.get("name") in _SESSION_COOKIES or len(c["value"]) >= 16)
    ]
