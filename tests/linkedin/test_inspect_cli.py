"""`python -m openoutreach.linkedin.inspect`: what the browser layer reads on a saved page, offline."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from openoutreach.linkedin.captures import CaptureStore, clean_html
from openoutreach.linkedin.inspect import read_page

pytestmark = pytest.mark.browser

_spec = importlib.util.spec_from_file_location("linkedin_doc_pages", Path(__file__).with_name("doc_pages.py"))
docs = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs)


def inspect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "openoutreach.linkedin.inspect", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_saved_2026_page_without_scripts_reads_like_the_live_one(tmp_path):
    # A capture has no scripts: inspect opens the saved menu portal itself to find the menu's Connect.
    saved = tmp_path / "capture.html"
    saved.write_text(clean_html(docs.page_2026("not_connected")))
    assert "<script" not in saved.read_text()

    done = inspect(str(saved), "--public-id", docs.VANITY, "--json")

    assert done.returncode == 0, done.stderr
    reading = json.loads(done.stdout)
    assert reading["top_card"] is True
    assert reading["name"] == docs.NAME
    assert reading["status"] == "not_connected"
    assert reading["controls"] == {
        "connect": False,
        "more": True,
        "menu_connect": True,
        "pending": False,
        "message": True,
        "follow": True,
    }
    assert reading["rules"]["menu_connect"] == "menuitem custom-invite vanityName"
    assert reading["rules"]["more"] == "button 'More'"


def test_the_public_id_comes_from_a_capture_header(tmp_path):
    saved = tmp_path / "capture.html"
    header = f"<!-- openoutreach capture: connect-no-connect-control | https://www.linkedin.com/in/{docs.VANITY}/ -->\n"
    saved.write_text(header + clean_html(docs.page_2026("not_connected")))

    reading = json.loads(inspect(str(saved), "--json").stdout)

    assert reading["controls"]["menu_connect"] is True


def test_human_readable_output_and_exit_1_without_a_top_card(tmp_path):
    saved = tmp_path / "feed.html"
    saved.write_text("<html><body><main><h1>Feed</h1></main></body></html>")

    done = inspect(str(saved))

    assert done.returncode == 1
    assert "top card: NOT FOUND" in done.stdout


def test_exit_2_for_an_unreadable_file(tmp_path):
    assert inspect(str(tmp_path / "missing.html")).returncode == 2
    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(b"\x00\x01binary")
    done = inspect(str(garbage))
    assert done.returncode == 2 and "does not look like an HTML page" in done.stderr


def _stranger(alice, sandbox, hidden_first_badge: bool) -> dict:
    """A stranger of alice's; with `hidden_first_badge`, one whose page holds a hidden '· 1st'."""
    for person in sandbox.control.people(limit=500):
        if (
            person["private"]
            or person["is_account"]
            or person["relations"]["alice"] not in ("DISTANCE_2", "DISTANCE_3")
        ):
            continue
        alice.open(f"/in/{person['public_id']}/")
        if not hidden_first_badge or alice.session.page.locator('p:text-is("· 1st")').count():
            return person
    raise AssertionError("no stranger's 2026 page carries a hidden '· 1st' badge")


@pytest.mark.parametrize(
    ("markup", "style", "relation"),
    [
        ("2026", "overflow", "stranger"),
        ("2026", "direct", "stranger"),
        ("2026", None, "connected"),
        ("2022", "overflow", "stranger"),
        ("2022", None, "connected"),
        ("older", "direct", "stranger"),
    ],
)
def test_inspect_reads_a_captured_sandbox_page_as_the_live_page_read(
    alice, sandbox, tmp_path, markup, style, relation
):
    faults = {"markup": markup} | ({"connect_style": style} if style else {})
    sandbox.control.set_faults(account="alice", **faults)
    if relation == "connected":
        person = next(p for p in sandbox.control.people(limit=500) if p["relations"]["alice"] == "connected")
        alice.open(f"/in/{person['public_id']}/")
    else:
        person = _stranger(alice, sandbox, hidden_first_badge=markup == "2026")
    live = read_page(alice.session.page, public_id=person["public_id"])
    alice.open(f"/in/{person['public_id']}/")  # reading opened and closed the menu: start afresh
    capture = CaptureStore(tmp_path, secrets=["alice@sandbox.test"]).save(alice.session.page, "test")

    done = inspect(str(capture), "--json")  # the public id comes from the capture's header

    assert done.returncode == 0, done.stderr
    offline = json.loads(done.stdout)
    assert offline["status"] == live.status == ("connected" if relation == "connected" else "not_connected")
    assert offline["controls"] == live.controls
    assert offline["name"] == live.name == person["full_name"]
    if markup != "older" and relation == "stranger" and style == "overflow":
        assert offline["controls"]["menu_connect"] is True
