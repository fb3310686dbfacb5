"""Failure captures: the page as it was, without scripts or any secret of the account, bounded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from openoutreach.linkedin.captures import CaptureStore, clean_html

pytestmark = pytest.mark.browser


def test_a_capture_holds_the_page_without_scripts_cookies_tokens_or_the_accounts_email(
    alice, sandbox, tmp_path
):
    person = next(p for p in sandbox.control.people(limit=50) if not p["private"] and not p["is_account"])
    alice.open(f"/in/{person['public_id']}/")
    page = alice.session.page
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    li_at, jsessionid = cookies["li_at"], cookies["JSESSIONID"]
    # Plant the secrets where LinkedIn's pages carry such values: meta tags, inline data, hrefs.
    page.evaluate(
        """([liAt, jsession]) => {
            const meta = document.createElement('meta');
            meta.name = 'csrf-token'; meta.content = jsession.replaceAll('"', '');
            document.head.appendChild(meta);
            const code = document.createElement('code');
            code.textContent = JSON.stringify({li_at: liAt, csrf: 'ajax:4711471147114711', me: 'alice@sandbox.test'});
            document.body.appendChild(code);
            const a = document.createElement('a');
            a.href = '/x?token=' + encodeURIComponent(liAt); a.setAttribute('onclick', 'steal()');
            a.textContent = 'link'; document.body.appendChild(a);
        }""",
        [li_at, jsessionid],
    )
    alice.captures = CaptureStore(tmp_path / "alice", secrets=["alice@sandbox.test", "alice-pass"])
    try:
        path = alice.capture("connect-no-connect-control")
    finally:
        alice.captures = None

    html = Path(path).read_text(encoding="utf-8")
    assert person["full_name"] in html  # the page is there
    for secret in (li_at, jsessionid.strip('"'), "ajax:4711471147114711", "alice@sandbox.test"):
        assert secret not in html
    assert "<script" not in html.lower() and "onclick" not in html
    assert os.path.exists(path.replace(".html", ".png"))
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_captures_are_bounded_by_count(alice, tmp_path):
    alice.open("/feed/")
    store = CaptureStore(tmp_path / "bounded", max_count=3)
    for i in range(5):
        assert store.save(alice.session.page, f"reason {i}") is not None

    assert len(list((tmp_path / "bounded").glob("*.html"))) == 3
    assert len(list((tmp_path / "bounded").glob("*.png"))) == 3


def test_clean_html_removes_active_content_and_every_variant_of_a_secret():
    secret = 'ajax-"quoted"&value/42'
    html = (
        '<button aria-expanded="true" onclick="x()">More</button><script>var a=1</script>'
        '<noscript>n</noscript><a href="javascript:alert(1)">j</a>'
        f'<p>{secret}</p><p>ajax-&quot;quoted&quot;&amp;value/42</p><a href="/x?t=ajax-%22quoted%22%26value%2F42">u</a>'
    )

    cleaned = clean_html(html, secrets=[secret, "ab"])

    assert "<script" not in cleaned and "<noscript" not in cleaned and "onclick" not in cleaned
    assert "javascript:" not in cleaned
    assert "quoted" not in cleaned and cleaned.count("[redacted]") == 3
    assert '<button aria-expanded="true">More</button>' in cleaned  # markup otherwise untouched
