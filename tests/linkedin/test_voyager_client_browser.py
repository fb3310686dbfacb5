"""The Voyager client's status rules, from a real page against a real HTTP server with scripted answers
(the sandbox never sends Retry-After, a second 401 or a broken body: this server does)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from openoutreach.linkedin.errors import ProfileUnavailable, SessionExpired, Throttled, VoyagerError
from openoutreach.linkedin.session import BrowserSession, SessionConfig
from openoutreach.linkedin.voyager import VoyagerClient

pytestmark = pytest.mark.browser


class Scripted(BaseHTTPRequestHandler):
    """Answers Voyager GETs from a queue of (status, body, headers); records what it was asked."""

    script: list[tuple[int, str, dict]] = []
    seen: list[dict] = []

    def do_GET(self):  # noqa: N802 - http.server's naming
        if not self.path.startswith("/voyager/"):
            body = b"<html><body>LinkedIn</body></html>"
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("set-cookie", 'JSESSIONID="ajax:42"; Path=/')
            self.end_headers()
            self.wfile.write(body)
            return
        Scripted.seen.append({"path": self.path, **{k.lower(): v for k, v in self.headers.items()}})
        status, body, headers = Scripted.script.pop(0) if Scripted.script else (200, "{}", {})
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def session(server, tmp_path_factory):
    s = BrowserSession(SessionConfig(server, tmp_path_factory.mktemp("v") / "state.json", speed=0))
    s.goto("/feed/")
    yield s
    s.close()


@pytest.fixture
def client(session):
    Scripted.script, Scripted.seen = [], []
    relogins: list[int] = []
    c = VoyagerClient(session, relogin=lambda: relogins.append(1), backoff_s=0)
    c.relogins = relogins
    return c


def test_the_request_carries_the_documented_headers(client):
    Scripted.script = [(200, json.dumps({"data": {}, "included": []}), {})]

    client.get_profile("jane-doe")

    (seen,) = Scripted.seen
    assert "memberIdentity=jane-doe" in seen["path"] and "FullProfileWithEntities-91" in seen["path"]
    assert seen["csrf-token"] == "ajax:42"  # JSESSIONID without its quotes
    assert seen["accept"] == "application/vnd.linkedin.normalized+json+2.1"
    assert seen["x-restli-protocol-version"] == "2.0.0" and seen["x-li-lang"] == "en_US"
    assert "HeadlessChrome" not in seen["user-agent"] and "cookie" in seen  # the browser's own headers


def test_two_401s_in_a_row_are_a_dead_session_after_one_relogin(client):
    Scripted.script = [(401, "{}", {}), (401, "{}", {})]

    with pytest.raises(SessionExpired):
        client.get_json("/voyager/api/x")

    assert client.relogins == [1] and len(Scripted.seen) == 2


def test_retry_after_becomes_the_back_off_hint(client):
    Scripted.script = [(429, "{}", {"retry-after": "120"})]

    with pytest.raises(Throttled) as caught:
        client.get_json("/voyager/api/x")

    assert (caught.value.status, caught.value.retry_after) == (429, 120.0)
    Scripted.script = [(999, "", {"retry-after": "soon"})]
    with pytest.raises(Throttled) as caught:
        client.get_json("/voyager/api/x")
    assert caught.value.retry_after == client.default_retry_after_s  # unparsable -> the default


@pytest.mark.parametrize("status", [403, 404])
def test_forbidden_or_missing_is_unavailable(client, status):
    Scripted.script = [(status, "{}", {})]

    with pytest.raises(ProfileUnavailable) as caught:
        client.get_profile("someone")

    assert (caught.value.public_id, caught.value.status) == ("someone", status)


def test_5xx_then_success_is_retried_with_backoff(client):
    slept: list[float] = []
    client.sleep, client.backoff_s = slept.append, 1.5
    Scripted.script = [(502, "", {}), (503, "", {}), (200, '{"ok": 1}', {})]

    assert client.get_json("/voyager/api/x") == {"ok": 1}
    assert slept == [1.5, 3.0]


@pytest.mark.parametrize(("body", "why"), [("<html>oops", "not JSON"), ("[1, 2]", "not an object")])
def test_a_200_with_an_unusable_body_is_a_clear_error(client, body, why):
    Scripted.script = [(200, body, {})]

    with pytest.raises(VoyagerError, match=why):
        client.get_json("/voyager/api/x")


def test_an_unexpected_status_is_not_retried(client):
    Scripted.script = [(418, "{}", {})]

    with pytest.raises(VoyagerError, match="418"):
        client.get_json("/voyager/api/x")
    assert len(Scripted.seen) == 1


def test_a_410_moves_the_account_to_graphql_with_the_query_id_and_the_same_headers(client, samples):
    client.graphql_query_id = "voyagerIdentityDashProfiles.abc123"
    Scripted.script = [(410, '{"status": 410}', {}), (200, json.dumps(samples.graphql_response()), {})]

    fetched = client.get_profile("jane-doe-42")

    assert (fetched.path, fetched.parsed.full_name, client.path) == ("graphql", "Jane Doe", "graphql")
    rest, graphql = Scripted.seen
    assert rest["path"].startswith("/voyager/api/identity/dash/profiles?")
    assert graphql["path"] == (
        "/voyager/api/graphql?variables=(vanityName:jane-doe-42)&queryId=voyagerIdentityDashProfiles.abc123"
    )
    assert graphql["csrf-token"] == "ajax:42" and graphql["accept"] == rest["accept"]
