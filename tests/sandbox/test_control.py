"""The control API: loopback only, validated input, reset, account settings, and the mounted LLM stand-in
reached through the same server (faults included)."""

from __future__ import annotations

import httpx
import pytest
from pydantic import BaseModel
from starlette.testclient import TestClient

from openoutreach.sandbox.app import build_sandbox, create_app
from openoutreach.sandbox.testing import SandboxError


def test_control_api_refuses_non_loopback_clients():
    app = create_app(build_sandbox(people=30))
    remote = TestClient(app, client=("203.0.113.9", 40000))  # in-process: no traffic leaves the machine
    assert remote.get("/_sandbox/health").status_code == 403
    assert remote.post("/_sandbox/reset").status_code == 403
    assert TestClient(app, client=("127.0.0.1", 40000)).get("/_sandbox/health").json()["ok"] is True


def test_bad_control_input_is_refused_with_a_reason(sandbox):
    control = sandbox.control
    with pytest.raises(SandboxError, match="unknown fault 'voyager_teapot_rate'"):
        control.set_faults(voyager_teapot_rate=1.0)
    with pytest.raises(SandboxError, match="probability"):
        control.set_faults(voyager_429_rate=3)
    with pytest.raises(SandboxError, match="unknown account"):
        control.set_faults(account="mallory", voyager_429_rate=1.0)
    with pytest.raises(SandboxError, match="LLM faults are global"):
        control.set_faults(account="alice", llm_error_rate=1.0)
    with pytest.raises(SandboxError, match="time zone"):
        control.update_account("alice", timezone="Mars/Olympus")
    with pytest.raises(SandboxError, match="not JSON"):
        control._call("POST", "/faults", content=b"{oops")
    assert control.snapshot()["faults"] == {"global": {}, "accounts": {}}  # nothing half-applied


def test_reset_restores_the_initial_world(sandbox):
    control = sandbox.control
    client = httpx.Client(base_url=sandbox.base_url)
    client.post("/login", data={"session_key": "alice@sandbox.test", "session_password": "alice-pass"})
    target = next(p for p in control.people() if p["relations"]["alice"] == "DISTANCE_2" and not p["private"])
    r = client.post(
        "/voyager/api/voyagerRelationshipsDashMemberRelationships?action=verifyQuotaAndCreateV2",
        json={"invitee": {"inviteeUnion": {"memberProfile": target["urn"]}}},
        headers={"csrf-token": client.cookies["JSESSIONID"].strip('"')},
    )
    assert r.status_code == 201
    connections = control.account("alice")["connections"]
    control.set_faults(voyager_429_rate=0.5)
    control.update_account("alice", weekly_limit=3)
    assert control.request_log("alice")
    control.reset()
    snap = control.snapshot()
    assert snap["invitations"] == [] and snap["faults"]["global"] == {} and snap["sessions"] == []
    assert control.account("alice")["weekly_limit"] == 100
    assert control.account("alice")["connections"] == connections
    assert control.request_log("alice") == []
    assert client.get("/feed/").status_code == 303  # the old session is gone


class Verdict(BaseModel):
    qualified: bool
    reason: str


def test_llm_stand_in_is_mounted_and_faults_reach_it(sandbox):
    from langchain_openai import ChatOpenAI

    assert sandbox.control.health()["llm"], sandbox.control.health()["llm_missing"]
    base = f"{sandbox.base_url}/v1"
    models = httpx.get(f"{base}/models", headers={"authorization": "Bearer sk-test"}).json()["data"]
    llm = ChatOpenAI(base_url=base, api_key="sk-test", model=models[0]["id"], timeout=10, max_retries=0)
    people = [p for p in sandbox.control.people() if not p["is_account"]]
    fit = next(p for p in people if p["fit"])
    unfit = next(p for p in people if not p["fit"])
    qualify = llm.with_structured_output(Verdict)
    for person in (fit, unfit):
        prompt = (
            "Does this LinkedIn member fit our ideal customer profile?\n<profile>\n"
            f"URL: {sandbox.base_url}/in/{person['public_id']}/\nHeadline: {person['headline']}\n</profile>"
        )
        assert qualify.invoke(prompt).qualified is person["fit"]
    sandbox.control.set_faults(llm_error_rate=1.0)
    with pytest.raises(Exception) as failure:
        qualify.invoke("Does this member fit? /in/x/")
    assert "500" in str(failure.value) or "503" in str(failure.value)
    sandbox.control.clear_faults()
    assert (
        qualify.invoke(f"Fit? <profile>{sandbox.base_url}/in/{fit['public_id']}/</profile>").qualified is True
    )
    assert sandbox.control.snapshot()["llm"]


def test_slow_page_fault_on_and_off(sandbox):
    client = httpx.Client(base_url=sandbox.base_url, timeout=10)
    sandbox.control.set_faults(slow_seconds=0.6)
    assert client.get("/login").elapsed.total_seconds() >= 0.6
    sandbox.control.clear_faults()
    assert client.get("/login").elapsed.total_seconds() < 0.6
    assert [e["ms"] >= 600 for e in sandbox.control.request_log(None)][-2:] == [True, False]


@pytest.mark.parametrize(
    ("host", "local"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("::ffff:127.0.0.1", True),
     ("testclient", True), ("::1a:2b", False), ("127.example.com", False), ("localhost.evil", False),
     ("10.0.0.1", False), ("::ffff:10.0.0.1", False), ("", False)],
)  # fmt: skip
def test_only_loopback_addresses_reach_the_control_api(host, local):
    from starlette.requests import Request

    from openoutreach.sandbox.control import is_loopback

    request = Request({"type": "http", "client": (host, 50000) if host else None, "headers": []})
    assert is_loopback(request) is local
