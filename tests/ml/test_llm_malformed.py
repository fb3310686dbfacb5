"""Answers a broken gateway or a careless model can send: envelopes that are not chat completions,
booleans that are not booleans, runaway reasons. Each one is a named outcome that costs one call at most
once per lead, never a TypeError/IndexError/AttributeError out of the client.

The sandbox's stand-in always answers a well-formed envelope, so these envelopes come from a tiny
OpenAI-shaped gateway on a loopback port (real HTTP through the real openai/langchain client)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openoutreach.ml.context import MLContext
from openoutreach.ml.llm import (
    InMemoryBudget,
    LLMClient,
    LLMSettings,
    LLMUnavailable,
    MalformedAnswer,
    NeedsReview,
)
from openoutreach.ml.qualification import MAX_REASON_CHARS, LeadQualification
from openoutreach.ml.service import qualify_campaign
from openoutreach.outreach.models import ActionLog, Qualification


class Gateway:
    """Answers every chat completion with `body` (a JSON value) and counts the calls."""

    def __init__(self) -> None:
        self.body: object = None
        self.calls = 0
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                gateway.calls += 1
                data = json.dumps(gateway.body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}/v1"

    def settings(self) -> LLMSettings:
        return LLMSettings(base_url=self.base_url, api_key="sk-test", model="m", timeout=10, max_retries=0)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    thread = threading.Thread(target=gw.server.serve_forever, daemon=True)
    thread.start()
    yield gw
    gw.server.shutdown()
    gw.server.server_close()


def envelope(choices: object) -> dict:
    return {"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": choices}


def verdict(arguments: dict) -> dict:
    """A well-formed tool call answering LeadQualification with these arguments."""
    call = {"id": "c1", "type": "function",
            "function": {"name": "LeadQualification", "arguments": json.dumps(arguments)}}  # fmt: skip
    message = {"role": "assistant", "content": None, "tool_calls": [call]}
    body = envelope([{"index": 0, "finish_reason": "tool_calls", "message": message}])
    body["usage"] = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
    return body


MALFORMED = {
    "choices null": envelope(None),
    "choices empty": envelope([]),
    "message null": envelope([{"index": 0, "finish_reason": "stop", "message": None}]),
}


@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_an_envelope_that_is_not_a_chat_completion_is_a_named_error_after_one_call(gateway, body):
    gateway.body = body
    budget = InMemoryBudget(100, 1_000_000)
    client = LLMClient(gateway.settings(), budget, campaign_id=1)
    with pytest.raises(MalformedAnswer, match="not a chat completion"):
        client.structured(LeadQualification, "system", "user")
    with pytest.raises(MalformedAnswer):
        client.text("system", "user", lambda answer: None)
    assert gateway.calls == 2 and budget.used(1)[0] == 2  # no retry of a broken envelope


@pytest.mark.parametrize("qualified", ["yes", 1, "true", "no", 0, None])
def test_only_a_json_boolean_is_a_verdict(gateway, qualified):
    gateway.body = verdict({"qualified": qualified, "reason": "looks right"})
    client = LLMClient(gateway.settings(), InMemoryBudget(100, 1_000_000), campaign_id=1)
    answer = client.structured(LeadQualification, "system", "user")
    assert isinstance(answer, NeedsReview), answer
    assert "did not parse" in answer.reason


def test_a_runaway_reason_is_cut_and_the_review_copy_is_bounded(gateway):
    gateway.body = verdict({"qualified": True, "reason": "fits " * 400_000})  # 2 MB
    client = LLMClient(gateway.settings(), InMemoryBudget(100, 1_000_000), campaign_id=1)
    answer = client.structured(LeadQualification, "system", "user")
    assert answer.qualified is True and len(answer.reason) == MAX_REASON_CHARS
    gateway.body = verdict({"qualified": "maybe", "reason": "x" * 2_000_000})
    review = client.structured(LeadQualification, "system", "user")
    assert isinstance(review, NeedsReview) and len(review.raw) <= 4000 and len(review.reason) < 400


def test_a_broken_gateway_costs_one_call_per_run_and_never_the_same_lead_twice(
    gateway, profiles, enrich, campaign, embedder, tmp_path
):
    leads = enrich(profiles[:4])
    ctx = MLContext(embeddings_db=tmp_path / "e.duckdb", models_dir=tmp_path / "models", embedder=embedder,
                    llm=gateway.settings())  # fmt: skip
    gateway.body = envelope(None)

    first = qualify_campaign(campaign.pk, batch=3, ctx=ctx)
    assert "not a chat completion" in first.error and first.needs_review == 1
    assert gateway.calls == 1
    reviewed = Qualification.objects.get(campaign=campaign)
    assert reviewed.label is None and reviewed.reason.startswith("needs review")
    assert ActionLog.objects.filter(campaign=campaign, kind="llm", outcome="failed").count() == 1

    second = qualify_campaign(campaign.pk, batch=3, ctx=ctx)
    assert gateway.calls == 2 and second.needs_review == 1
    asked = list(Qualification.objects.filter(campaign=campaign).values_list("lead_id", flat=True))
    assert len(set(asked)) == 2 and set(asked) <= set(leads)  # a different lead each run


# -- fuzzing: whatever the gateway sends, the outcome is a verdict, a review or a named error -------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)
_arguments = st.fixed_dictionaries({}, optional={"qualified": _json, "reason": _json, "extra": _json})
_bodies = st.one_of(
    _arguments.map(verdict),  # a well-formed envelope around arbitrary arguments
    _json.map(lambda value: envelope(value)),  # arbitrary `choices`
    _json.map(lambda value: envelope([{"index": 0, "finish_reason": "stop", "message": value}])),
    _json,  # not even an object
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=_bodies)
def test_any_answer_is_a_verdict_a_review_or_a_named_error(gateway, body):
    gateway.body = body
    budget = InMemoryBudget(100, 1_000_000)
    client = LLMClient(gateway.settings(), budget, campaign_id=1)
    try:
        answer = client.structured(LeadQualification, "system", "user")
    except LLMUnavailable as exc:  # MalformedAnswer, or an answer the client refused as an HTTP error
        assert str(exc)
        return
    if isinstance(answer, LeadQualification):
        assert type(answer.qualified) is bool and len(answer.reason) <= MAX_REASON_CHARS
        assert isinstance(body, dict) and body.get("choices")
    else:
        assert isinstance(answer, NeedsReview) and answer.reason and len(answer.raw) <= 4000
    assert budget.used(1)[0] <= 2  # one retry at most
