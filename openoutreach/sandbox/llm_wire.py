"""OpenAI chat-completions wire format for the sandbox's LLM stand-in.

Reads a `POST /v1/chat/completions` body into a `ChatRequest` and writes answers back in the shapes
the openai SDK (and so langchain-openai) parses: a `chat.completion` object, a stream of
`chat.completion.chunk` server-sent events, or an OpenAI-style error body. Nothing here knows what the
prompts mean; `llm_answers` decides what to say.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

# The model id `/v1/models` lists; any requested model name is accepted and echoed back.
MODEL_ID = "sandbox"

# How a request asks for its answer: plain text, a forced tool call, a JSON-schema response format or
# bare JSON mode (langchain's `function_calling`, `json_schema` and `json_mode` methods).
TEXT, TOOLS, JSON_SCHEMA, JSON_MODE = "text", "tools", "json_schema", "json_mode"

# OpenAI counts a few tokens of framing per message; an estimate is all the budget tests need.
_TOKENS_PER_MESSAGE = 4
_TOKEN_RE = re.compile(r"\w+|[^\w\s]")


class BadRequest(ValueError):
    """The request body is not a chat-completions request; answered with HTTP 400."""


def count_tokens(text: str) -> int:
    """Estimate BPE tokens: words and punctuation marks, each word longer than 4 letters counting extra.

    tiktoken needs its encoding files from the network, which the sandbox may not have, so this is a
    deterministic approximation (English averages ~1.3 tokens per word, which this lands close to).
    """
    total = 0
    for token in _TOKEN_RE.findall(text):
        total += 1 + (len(token) - 1) // 6
    return total


@dataclass
class ChatRequest:
    """What the stand-in needs from a chat-completions request."""

    model: str
    messages: list[dict[str, str]]  # {"role": ..., "content": plain text}
    mode: str = TEXT
    schema: dict[str, Any] | None = None  # the JSON schema of the requested structure, if any
    tool_name: str | None = None
    stream: bool = False
    include_usage: bool = False
    extra_prompt: str = ""  # tool and schema definitions, counted as prompt tokens

    def text(self, *, roles: tuple[str, ...] | None = None) -> str:
        """All message contents (optionally only of some roles), joined by blank lines."""
        return "\n\n".join(m["content"] for m in self.messages if roles is None or m["role"] in roles)

    def prompt_tokens(self) -> int:
        body = sum(count_tokens(m["content"]) + _TOKENS_PER_MESSAGE for m in self.messages)
        return body + count_tokens(self.extra_prompt) + 3  # every reply is primed with 3 tokens


@dataclass
class Answer:
    """What the assistant says: text content, or arguments for a call of the tool `tool_name`."""

    content: str | None = None
    tool_name: str | None = None
    tool_arguments: str | None = None
    id: str = field(default_factory=lambda: f"chatcmpl-{uuid.uuid4().hex[:24]}")
    created: int = field(default_factory=lambda: int(time.time()))

    def completion_tokens(self) -> int:
        return count_tokens(self.content or "") + count_tokens(self.tool_arguments or "")

    @property
    def finish_reason(self) -> str:
        return "tool_calls" if self.tool_name else "stop"


def _content_text(content: Any) -> str:
    """Message content is a string or a list of parts; keep the text parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                parts.append(part["text"])
        return "\n".join(parts)
    raise BadRequest(f"message content must be a string or a list of parts, not {type(content).__name__}")


def parse_request(body: Any) -> ChatRequest:
    """Validate a decoded request body and pick out the answer mode; raise BadRequest if malformed."""
    if not isinstance(body, dict):
        raise BadRequest("request body must be a JSON object")
    raw_messages = body.get("messages")
    if not isinstance(raw_messages, list) or not raw_messages:
        raise BadRequest("'messages' must be a non-empty array")
    messages = []
    for i, message in enumerate(raw_messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise BadRequest(f"messages[{i}] must be an object with a 'role'")
        text = _content_text(message.get("content"))
        for call in message.get("tool_calls") or []:  # earlier assistant tool calls are prompt too
            text += "\n" + str((call.get("function") or {}).get("arguments", ""))
        messages.append({"role": message["role"], "content": text})
    request = ChatRequest(
        model=str(body.get("model") or MODEL_ID),
        messages=messages,
        stream=bool(body.get("stream")),
        include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
    )
    _read_tools(body, request)
    if request.mode == TEXT:
        _read_response_format(body, request)
    return request


def _read_tools(body: dict, request: ChatRequest) -> None:
    tools = body.get("tools") or []
    if not isinstance(tools, list):
        raise BadRequest("'tools' must be an array")
    functions = [t["function"] for t in tools if isinstance(t, dict) and isinstance(t.get("function"), dict)]
    if not functions:
        return
    request.extra_prompt += json.dumps(functions)
    choice = body.get("tool_choice", "auto")
    if choice == "none":
        return
    chosen = functions[0]
    if isinstance(choice, dict):  # {"type": "function", "function": {"name": ...}}
        wanted = (choice.get("function") or {}).get("name")
        chosen = next((f for f in functions if f.get("name") == wanted), chosen)
    request.mode = TOOLS
    request.tool_name = str(chosen.get("name") or "answer")
    request.schema = chosen.get("parameters") or {}


def _read_response_format(body: dict, request: ChatRequest) -> None:
    response_format = body.get("response_format")
    if not isinstance(response_format, dict):
        return
    kind = response_format.get("type")
    if kind == "json_schema":
        spec = response_format.get("json_schema")
        if not isinstance(spec, dict) or not isinstance(spec.get("schema"), dict):
            raise BadRequest("response_format.json_schema must carry a 'schema' object")
        request.mode, request.schema = JSON_SCHEMA, spec["schema"]
        request.extra_prompt += json.dumps(spec)
    elif kind == "json_object":
        request.mode = JSON_MODE


def _usage(request: ChatRequest, answer: Answer) -> dict[str, int]:
    prompt, completion = request.prompt_tokens(), answer.completion_tokens()
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def _tool_call(answer: Answer, arguments: str) -> dict[str, Any]:
    return {
        "id": f"call_{answer.id[-20:]}",
        "type": "function",
        "function": {"name": answer.tool_name, "arguments": arguments},
    }


def completion_body(request: ChatRequest, answer: Answer) -> dict[str, Any]:
    """A non-streamed `chat.completion` object."""
    message: dict[str, Any] = {"role": "assistant", "content": answer.content, "refusal": None}
    if answer.tool_name:
        message["tool_calls"] = [_tool_call(answer, answer.tool_arguments or "")]
    return {
        "id": answer.id,
        "object": "chat.completion",
        "created": answer.created,
        "model": request.model,
        "system_fingerprint": "fp_sandbox",
        "choices": [
            {"index": 0, "message": message, "logprobs": None, "finish_reason": answer.finish_reason}
        ],
        "usage": _usage(request, answer),
    }


def _pieces(text: str, size: int = 24) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def stream_events(request: ChatRequest, answer: Answer) -> Iterator[str]:
    """The same answer as server-sent `chat.completion.chunk` events, ending with `[DONE]`."""

    def chunk(delta: dict[str, Any] | None, finish: str | None = None, usage: dict | None = None) -> str:
        body: dict[str, Any] = {
            "id": answer.id,
            "object": "chat.completion.chunk",
            "created": answer.created,
            "model": request.model,
            "system_fingerprint": "fp_sandbox",
            "choices": []
            if delta is None
            else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if request.include_usage:  # OpenAI sends usage: null on every chunk but the last
            body["usage"] = usage
        return f"data: {json.dumps(body)}\n\n"

    if answer.tool_name:
        yield chunk({"role": "assistant", "content": None, "refusal": None})
        yield chunk({"tool_calls": [{"index": 0, **_tool_call(answer, "")}]})
        for piece in _pieces(answer.tool_arguments or ""):
            yield chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]})
    else:
        yield chunk({"role": "assistant", "content": "", "refusal": None})
        for piece in _pieces(answer.content or ""):
            yield chunk({"content": piece})
    yield chunk({}, finish=answer.finish_reason)
    if request.include_usage:
        yield chunk(None, usage=_usage(request, answer))
    yield "data: [DONE]\n\n"


def error_body(message: str, kind: str, code: str | None = None) -> dict[str, Any]:
    """OpenAI's error envelope, which the openai SDK turns into APIStatusError subclasses."""
    return {"error": {"message": message, "type": kind, "param": None, "code": code}}


def models_body(created: int) -> dict[str, Any]:
    return {
        "object": "list",
        "data": [{"id": MODEL_ID, "object": "model", "created": created, "owned_by": "openoutreach-sandbox"}],
    }
