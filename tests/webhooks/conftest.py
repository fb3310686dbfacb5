"""Webhook test harness: a real HTTP receiver on loopback (a thread of the test process), endpoints with
their secret, the README's verification snippet, the v1 JSON Schema, and deals to move."""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from openoutreach.processes import PROJECT_DIR


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Records every POST; answers with the next planned status (then `default_status`). `hold` set: a
    request waits (after being recorded) until `release` is set."""

    url: str = ""
    requests: list[Received] = field(default_factory=list)
    plan: list[int] = field(default_factory=list)
    default_status: int = 200
    hold: bool = False
    release: threading.Event = field(default_factory=threading.Event)
    changed: threading.Condition = field(default_factory=threading.Condition)

    def record(self, received: Received) -> int:
        with self.changed:
            self.requests.append(received)
            self.changed.notify_all()
            return self.plan.pop(0) if self.plan else self.default_status

    def wait_for(self, count: int, timeout: float = 60.0) -> list[Received]:
        """Until at least `count` requests arrived (an event, not a sleep); the requests so far."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while len(self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the receiver got {len(self.requests)} requests, expected {count}")
                self.changed.wait(left)
            return list(self.requests)


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            status = receiver.record(
                Received({k.lower(): v for k, v in self.headers.items()}, body, time.time())
            )
            if receiver.hold:
                receiver.release.wait(120)
            try:
                self.send_response(status)
                self.send_header("content-type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok" if status < 300 else b"receiver says no")
            except OSError:
                pass  # the client is gone (a killed worker)

        def log_message(self, format, *args) -> None:  # noqa: A002 - quiet
            return

    return Handler


@pytest.fixture
def receiver():
    box = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(box))
    server.daemon_threads = True
    box.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/openoutreach"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    box.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def make_endpoint(db):
    """Factory: an endpoint with a generated secret; returns (endpoint, secret)."""
    from openoutreach.webhooks import signing
    from openoutreach.webhooks.events import SUBSCRIBABLE
    from openoutreach.webhooks.models import Endpoint

    def make(url: str, events=None, campaigns=(), **fields):
        secret = signing.generate_secret()
        endpoint = Endpoint(name=fields.pop("name", "crm sync"), url=url, **fields)
        endpoint.events = [str(e) for e in (events if events is not None else SUBSCRIBABLE)]
        endpoint.set_secret(secret)
        endpoint.save()
        endpoint.campaigns.set(campaigns)
        return endpoint, secret

    return make


@pytest.fixture(scope="session")
def readme_verify():
    """The `verify` function exactly as the README shows it to receivers."""
    readme = (PROJECT_DIR / "README.md").read_text()
    found = re.search(r"<!-- webhook-verify-snippet -->\n```python\n(.*?)```", readme, re.S)
    assert found, "the README lost its webhook verification snippet"
    namespace: dict = {}
    exec(compile(found.group(1), "README.md (webhook snippet)", "exec"), namespace)  # noqa: S102 - our README
    return namespace["verify"]


@pytest.fixture(scope="session")
def schema_validator():
    schema = json.loads((PROJECT_DIR / "openoutreach" / "webhooks" / "schema" / "v1.json").read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=FormatChecker())


@pytest.fixture
def make_deal(campaign):
    """Factory: a New deal of a discovered person in the campaign."""
    from openoutreach.pipeline import leads, transitions

    def make(slug: str, first: str = "Ada", last: str = "Lovelace"):
        lead = leads.discover(f"https://www.linkedin.com/in/{slug}/", slug).lead
        lead.first_name, lead.last_name = first, last
        lead.save(update_fields=["first_name", "last_name"])
        return transitions.promote(lead, campaign, 0.9)

    return make


@pytest.fixture
def operator(client, django_user_model, workspace):
    """A logged-in superuser's client on the admin (the CRM's groups exist first)."""
    admin = django_user_model.objects.create_superuser("admin", "admin@example.com", "a-long-admin-pass")
    client.force_login(admin)
    return client
