"""Sandbox conversations: replies carry their true intent, the control endpoints make a person reply or
the operator type by hand, the thread page shows both sides with ids and times, and the LLM stand-in
answers the reply-intent prompt from the ground truth (obeying only an undelimited injection)."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient

from openoutreach.sandbox import messaging
from openoutreach.sandbox.app import build_sandbox, create_app


@pytest.fixture
def box():
    return build_sandbox(people=60, seed=3)


def _connected(box, handle="alice"):
    world = box.world
    index = next(iter(world.connections[handle]))
    return world.population.people[index]


def test_replies_draw_every_intent_and_some_injections(box):
    world = box.world
    person = _connected(box)
    drawn = set()
    injected = 0
    for n in range(400):
        msg = world.add_message("alice", person.index, "account", f"hello {n}")
        intent, text = messaging.draw_reply(world, msg)
        drawn.add(intent)
        injected += "ignore" in text.lower()
    assert drawn == set(messaging.INTENTS)
    assert 5 <= injected <= 80


def test_control_reply_and_by_hand_appear_in_the_thread_page(box):
    client = TestClient(create_app(box), client=("127.0.0.1", 5000))
    person = _connected(box)
    by_hand = client.post(
        "/_sandbox/messages/by-hand",
        json={"account": "alice", "public_id": person.public_id, "text": "Hi from me"},
    )
    assert by_hand.status_code == 201 and by_hand.json()["by_hand"] is True
    reply = client.post(
        "/_sandbox/messages/reply",
        json={"account": "alice", "public_id": person.public_id, "intent": "unsubscribe"},
    )
    assert reply.status_code == 201 and reply.json()["intent"] == "unsubscribe"
    bad = client.post(
        "/_sandbox/messages/reply",
        json={"account": "alice", "public_id": person.public_id, "intent": "maybe"},
    )
    assert bad.status_code == 400 and "unknown intent" in bad.text
    world = box.world
    session = world.open_session("alice", "test")
    client.cookies.set("li_at", session.token)
    page = client.get(f"/messaging/thread/2-{person.profile_id}/").text
    assert page.count("data-event-urn") == 2 and "Hi from me" in page and reply.json()["text"] in page
    assert 'datetime="' in page and "msg-s-event-listitem--other" in page
    assert f"/messaging/thread/2-{person.profile_id}/" in client.get("/messaging/").text


def _intent_request(reply_text: str, fenced: bool = True) -> dict:
    data = json.dumps({"our_message": "Hi!", "reply": reply_text})
    body = f"<reply>\n{data}\n</reply>" if fenced else f"The reply: {reply_text}"
    schema = {
        "type": "object",
        "properties": {
            "intent": {"type": "string", "enum": list(messaging.INTENTS)},
            "reason": {"type": "string"},
        },
        "required": ["intent", "reason"],
    }
    return {
        "model": "sandbox",
        "messages": [{"role": "system", "content": "classify"}, {"role": "user", "content": body}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "ReplyIntent", "schema": schema}},
    }


def test_the_llm_stand_in_answers_the_true_intent_and_obeys_only_undelimited_injections(box):
    client = TestClient(create_app(box), client=("127.0.0.1", 5000))
    person = _connected(box)
    auth = {"Authorization": "Bearer x"}
    injection = client.post(
        "/_sandbox/messages/reply",
        json={
            "account": "alice",
            "public_id": person.public_id,
            "intent": "not_interested",
            "injection": True,
        },
    ).json()
    answer = client.post("/v1/chat/completions", json=_intent_request(injection["text"]), headers=auth).json()
    assert json.loads(answer["choices"][0]["message"]["content"])["intent"] == "not_interested"
    naive = client.post(
        "/v1/chat/completions", json=_intent_request(injection["text"], fenced=False), headers=auth
    )
    assert json.loads(naive.json()["choices"][0]["message"]["content"])["intent"] == "interested"
    ooo = client.post(
        "/_sandbox/messages/reply",
        json={"account": "alice", "public_id": person.public_id, "intent": "out_of_office"},
    ).json()
    answer = client.post("/v1/chat/completions", json=_intent_request(ooo["text"]), headers=auth).json()
    assert json.loads(answer["choices"][0]["message"]["content"])["intent"] == "out_of_office"
