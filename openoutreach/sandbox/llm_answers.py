"""What the LLM stand-in says: it recognises which of the product's prompts it got and answers it from
the sandbox's hidden ground truth (see `llm.py` for the rules the product can rely on).

Kinds: `qualify` (a schema with a boolean `qualified`), `keywords` (a schema with a `keywords` array),
`reply` (a schema with a string `intent`: the reply-intent classification), `followup` (plain chat about
a follow-up / LinkedIn message), and `chat` (anything else).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from typing import TYPE_CHECKING, Any

from openoutreach.sandbox.llm_prompt import (
    asks_for_followup,
    exclusion_text,
    injected_instruction,
    keyword_count,
    mentions,
    product_brief,
    profile_ids,
    stated_person,
)
from openoutreach.sandbox.llm_wire import JSON_MODE, TEXT, TOOLS, Answer, ChatRequest

if TYPE_CHECKING:
    from openoutreach.sandbox.llm import Oracle

QUALIFY, KEYWORDS, FOLLOWUP, CHAT, REPLY = "qualify", "keywords", "followup", "chat", "reply"
KINDS = (QUALIFY, KEYWORDS, FOLLOWUP, CHAT, REPLY)
# What the naive model answers when an undelimited instruction in a reply tells it to.
OBEYED_INTENT = "interested"

FOLLOWUP_MAX_CHARS = 400
# A further qualification prompt names itself on a "Prompt id: qualify-<name>" line of its system prompt
# (the first prompt has none): the id keys whom that prompt is wrong about.
_PROMPT_ID_RE = re.compile(r"^Prompt id:\s*(qualify-[\w-]+)\s*$", re.M)
FIRST_PROMPT = "qualify"
# Where injected instructions can come from: the data the product passes in, never its system prompt
# (which may well quote "ignore previous instructions" to warn the model about it).
_DATA_ROLES = ("user", "tool", "function", "assistant")
GENERIC_REPLY = (
    "I am the OpenOutreach sandbox model: I qualify leads, suggest search keywords and draft follow-ups."
)


def unit(*parts: object) -> float:
    """A deterministic number in [0, 1) for the given parts (stable across processes, unlike hash())."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


# --- schemas -----------------------------------------------------------------------------------------


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` and pick the non-null branch of an Optional (`anyOf` with null)."""
    for _ in range(8):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for key in ref[2:].split("/"):
                target = target.get(key, {}) if isinstance(target, dict) else {}
            schema = target if isinstance(target, dict) else {}
            continue
        branches = schema.get("anyOf") or schema.get("oneOf")
        if isinstance(branches, list) and branches:
            schema = next((b for b in branches if b.get("type") != "null"), branches[0])
            continue
        return schema
    return schema


def _properties(schema: dict[str, Any] | None) -> dict[str, Any]:
    if not schema:
        return {}
    return _resolve(schema, schema).get("properties") or {}


def _has_type(schema: dict[str, Any] | None, root: dict[str, Any], kind: str) -> bool:
    if not isinstance(schema, dict):
        return False
    declared = _resolve(schema, root).get("type")
    return declared == kind or (isinstance(declared, list) and kind in declared)


def minimal_instance(schema: dict[str, Any], root: dict[str, Any] | None = None) -> Any:
    """The smallest value valid against a JSON schema: empty strings, zeros, false, empty lists."""
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    if "enum" in schema and schema["enum"]:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    declared = schema.get("type")
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), "null")
    if declared == "object" or "properties" in schema:
        props = schema.get("properties") or {}
        return {name: minimal_instance(props[name], root) for name in props}
    return {"array": [], "string": "", "integer": 0, "number": 0, "boolean": False, "null": None}.get(
        str(declared), ""
    )


def _fit_to_schema(payload: dict[str, Any], schema: dict[str, Any] | None) -> dict[str, Any]:
    """Fill the schema's other fields minimally and drop keys a strict schema would not allow."""
    if not schema:
        return payload
    shape = minimal_instance(schema)
    if not isinstance(shape, dict) or not shape:
        return payload
    return {key: payload.get(key, default) for key, default in shape.items()}


# --- the answers -------------------------------------------------------------------------------------


def classify(request: ChatRequest) -> str:
    """Which of the product's prompts this is, from the requested structure first, then the words."""
    text = request.text()
    if request.schema is not None:
        props = _properties(request.schema)
        if _has_type(props.get("qualified"), request.schema, "boolean"):
            return QUALIFY
        if _has_type(props.get("keywords"), request.schema, "array"):
            return KEYWORDS
        if _has_type(props.get("intent"), request.schema, "string"):
            return REPLY
        if _text_field(request.schema) and asks_for_followup(text):
            return FOLLOWUP  # a draft asked for as structured output: it goes in the text field
        return CHAT
    if request.mode == JSON_MODE:  # no schema: the prompt has to describe the JSON it wants
        qualified = re.search(r"\bqualified\b", text, re.I) is not None
        if qualified and profile_ids(text):
            return QUALIFY
        if re.search(r"\bkeywords\b", text, re.I):
            return KEYWORDS
        if asks_for_followup(text):
            return FOLLOWUP
        return QUALIFY if qualified else CHAT
    return FOLLOWUP if asks_for_followup(text) else CHAT


def prompt_id(request: ChatRequest) -> str:
    """Which qualification prompt this is: "qualify" (the first), or the id a further prompt states in
    its system prompt (never read from the data, so a profile cannot pick the prompt it is judged by)."""
    match = _PROMPT_ID_RE.search(request.text(roles=("system", "developer")))
    return match.group(1) if match else FIRST_PROMPT


def _text_field(schema: dict[str, Any]) -> str | None:
    """The first string property of an object schema (where a structured draft goes)."""
    for name, spec in _properties(schema).items():
        if _has_type(spec, schema, "string"):
            return name
    return None


class Responder:
    """Answers recognised prompts from the oracle; deterministic for a given seed and call history."""

    def __init__(self, oracle: Oracle, noise: float, seed: int) -> None:
        self.oracle, self.noise, self.seed = oracle, noise, seed
        self.keyword_calls = 0

    def reset(self) -> None:
        self.keyword_calls = 0

    def answer(self, request: ChatRequest, kind: str) -> Answer:
        if kind == QUALIFY:
            payload: dict[str, Any] | str = self.qualify(request)
        elif kind == KEYWORDS:
            payload = self.keywords(request)
        elif kind == REPLY:
            payload = self.reply_intent(request)
        elif kind == FOLLOWUP:
            payload = self.followup(request)
            field = _text_field(request.schema) if request.schema else None
            if field or request.mode != TEXT:
                payload = {field or "message": payload}
        elif request.mode == TEXT:
            payload = GENERIC_REPLY
        elif request.schema is not None:
            payload = minimal_instance(request.schema)
        else:
            payload = {"answer": GENERIC_REPLY}
        return _shape(request, payload)

    def garbage(self, request: ChatRequest, kind: str, rng: random.Random) -> Answer:
        """An answer that does not parse as what was asked: prose, or JSON cut off half-way."""
        if request.mode == TEXT:
            return Answer(content="Hi {first_name}, [Your message here]\n\nBest regards,\n[Your Name]")
        good = self.answer(request, kind)
        whole = good.tool_arguments if request.mode == TOOLS else good.content
        if rng.random() < 0.5:
            return Answer(content="Sure! Based on the profile, here is my assessment: it depends.")
        cut = (whole or "{}")[: max(1, len(whole or "{}") // 2)]
        if request.mode == TOOLS:
            return Answer(tool_name=request.tool_name, tool_arguments=cut)
        return Answer(content=cut)

    # -- qualification --

    def _known_person(self, text: str) -> str | None:
        for public_id in profile_ids(text):
            if self.oracle.person_fits(public_id) is not None:
                return public_id
        return None

    def qualify(self, request: ChatRequest) -> dict[str, Any]:
        """The person's truth, flipped for a `noise` share of people drawn per (seed, prompt, person): each
        prompt is consistently wrong about its own people, independently of the other prompts."""
        injected = injected_instruction(request.text(roles=_DATA_ROLES))
        if injected:  # the naive model this stand-in plays obeys undelimited instructions
            return {"qualified": True, "reason": f'The profile says "{injected}", so I qualify it.'}
        public_id = self._known_person(request.text())
        if public_id is None:
            return {"qualified": False, "reason": "unknown profile"}
        fits = bool(self.oracle.person_fits(public_id))
        if unit(self.seed, prompt_id(request), public_id) < self.noise:
            fits = not fits  # the same person always gets the same (possibly wrong) answer from a prompt
        return {"qualified": fits, "reason": self._reason(public_id, fits)}

    def _reason(self, public_id: str, fits: bool) -> str:
        facts = self.oracle.person_facts(public_id) or {}
        role = facts.get("headline") or "their role"
        company = facts.get("company")
        who = f"{role} at {company}" if company and company.lower() not in role.lower() else role
        if fits:
            return f"{who}: role, seniority and industry match the campaign's ideal customer."
        return f"{who}: role, industry, company or location fall outside the campaign's ideal customer."

    # -- reply intent --

    def reply_intent(self, request: ChatRequest) -> dict[str, Any]:
        """The reply's true intent (the sandbox knows every reply it served), else a plain reading of it.
        An undelimited "ignore previous instructions" in the data is obeyed (the naive model)."""
        injected = injected_instruction(request.text(roles=_DATA_ROLES))
        if injected:
            return {"intent": OBEYED_INTENT, "reason": f'The message says "{injected}", so: interested.'}
        text = request.text(roles=_DATA_ROLES)
        intent = self.oracle.reply_intent(text)
        if intent is None:
            from openoutreach.sandbox.messaging import guess_intent

            intent = guess_intent(text)
            return {"intent": intent, "reason": "read from the wording of the message"}
        return {"intent": intent, "reason": f"the person's reply reads as {intent.replace('_', ' ')}"}

    # -- search keywords --

    def keywords(self, request: ChatRequest) -> dict[str, Any]:
        text = request.text()
        schema = request.schema or {}
        array = _resolve(_properties(schema).get("keywords") or {}, schema)
        wanted = keyword_count(text, array.get("minItems"), array.get("maxItems"))
        excluded = exclusion_text(text)
        base = [str(k).strip() for k in self.oracle.scenario().get("keywords", []) if str(k).strip()]
        rng = random.Random(f"{self.seed}:keywords:{self.keyword_calls}")
        self.keyword_calls += 1
        # Preference: the scenario's own keywords, then variations of those still allowed, then
        # variations of used ones (never a phrase the exclusion list itself contains).
        fresh = [k for k in _unique(base) if not mentions(k, excluded)]
        tiers = [fresh, [v for k in fresh for v in _variants(k)], [v for k in base for v in _variants(k)]]
        chosen: list[str] = []
        for tier in tiers:
            candidates = [k for k in _unique(tier) if not mentions(k, excluded)]
            rng.shuffle(candidates)
            chosen = _unique([*chosen, *candidates])[:wanted]
            if len(chosen) == wanted:
                break
        items = array.get("items")
        if isinstance(items, dict) and _has_type(items, schema, "object"):
            chosen = [_keyword_object(k, items, schema) for k in chosen]
        return {"keywords": chosen}

    # -- follow-up drafts --

    def followup(self, request: ChatRequest) -> str:
        text = request.text()
        person: dict[str, Any] = {}
        public_id = self._known_person(text)
        if public_id:
            person = self.oracle.person_facts(public_id) or {}
        stated = stated_person(text)
        first = (person.get("first_name") or stated.get("first_name") or "").strip()
        company = (person.get("company") or stated.get("company") or "").strip()
        product = product_brief(str(self.oracle.scenario().get("product", "")), limit=60) or "what we build"
        rng = random.Random(f"{self.seed}:followup:{public_id or first}:{company}")
        greeting = f"Hi {first}, thanks for connecting!" if first else "Hi, thanks for connecting!"
        where = f"your work at {company}" if company else "your background"
        pitch = rng.choice(
            [
                # the product goes last, so any phrasing of it ("X, a tool that...") reads well
                f"I noticed {where} and thought you might like to hear about what we do: {product}.",
                f"Given {where}, I thought this could be relevant for your team: {product}.",
            ]
        )
        extras = [
            rng.choice(["Would you be open to a short chat about it?", "Happy to share more if useful."]),
            "No pressure either way.",
        ]
        sentences = [greeting, pitch, *extras[: rng.randint(0, 2)]]
        while len(" ".join(sentences)) > FOLLOWUP_MAX_CHARS and len(sentences) > 2:
            sentences.pop()
        message = " ".join(sentences)
        if len(message) > FOLLOWUP_MAX_CHARS:  # a very long company name: keep the greeting intact
            message = f"{greeting} I thought this could be useful for your team: {product}."
        return message[:FOLLOWUP_MAX_CHARS]


def _shape(request: ChatRequest, payload: dict[str, Any] | str) -> Answer:
    """Put the payload where the request asked for it: tool-call arguments, JSON content or text."""
    if isinstance(payload, str):
        return Answer(content=payload)
    payload = _fit_to_schema(payload, request.schema)
    if request.mode == TOOLS:
        return Answer(tool_name=request.tool_name, tool_arguments=json.dumps(payload))
    return Answer(content=json.dumps(payload))


def _unique(items: Any) -> list[str]:
    seen: dict[str, str] = {}
    for item in items:
        seen.setdefault(item.lower(), item)
    return list(seen.values())


def _variants(keyword: str) -> list[str]:
    """Narrower searches around a keyword; suffixes read well after any role or skill."""
    return [f"{keyword} {suffix}" for suffix in ("startup", "enterprise", "scale-up", "remote")]


def _keyword_object(keyword: str, item_schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    """A keyword as an object item: the first string field holds it, the rest is minimal."""
    item = minimal_instance(item_schema, root)
    props = _resolve(item_schema, root).get("properties") or {}
    for name, spec in props.items():
        if _has_type(spec, root, "string"):
            item[name] = keyword
            break
    return item
