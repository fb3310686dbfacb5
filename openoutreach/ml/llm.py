"""Calling the LLM (any OpenAI-compatible endpoint, through langchain-openai) within a per-campaign budget.

Every call goes through `LLMClient`: it takes a call from the campaign's daily budget first (raising
`BudgetExhausted` when there is none left, which pauses LLM use for that campaign), bounds time and
retries, records the tokens spent, and turns output that does not parse into one retry and then a
`NeedsReview` result. An answer that is not even a chat completion (a broken gateway) is the named
`MalformedAnswer`, never a TypeError/IndexError from inside the client. Nothing here ever guesses.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import openai
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, ValidationError

log = logging.getLogger(__name__)
T = TypeVar("T", bound=BaseModel)
MAX_RAW_CHARS = 4000  # what a NeedsReview keeps of the model's answer for the review screen


@dataclass(frozen=True)
class LLMSettings:
    """Where and how to call the model. `api_key` is never logged (repr hides it)."""

    base_url: str
    api_key: str = field(repr=False)
    model: str
    timeout: float = 30.0  # seconds per HTTP attempt
    max_retries: int = 2  # transport-level retries (timeouts, 5xx, 429) inside the OpenAI client
    temperature: float = 0.0


class LLMError(RuntimeError):
    """Base of the named LLM failures."""


class BudgetExhausted(LLMError):
    """The campaign's daily LLM budget (calls or tokens) is used up: LLM use pauses until tomorrow."""


class LLMUnavailable(LLMError):
    """The endpoint timed out, refused or failed after the bounded retries. Nothing was decided."""


class MalformedAnswer(LLMUnavailable):
    """The endpoint answered, but not with a chat completion (`choices` null or empty, a null `message`):
    a broken gateway or proxy. The call was spent and nothing was decided; asking again at once would
    spend another call on the same broken answer, so callers stop (see ml/service.py)."""


@dataclass(frozen=True)
class NeedsReview:
    """The model's answer did not parse or broke the rules, twice: a human has to look. Never a label."""

    reason: str
    raw: str = ""


class Budget(Protocol):
    """Per-campaign daily allowance of LLM calls and tokens. The app backs it with the database."""

    def acquire(self, campaign_id: int) -> None:
        """Take one call from today's allowance, or raise BudgetExhausted saying which limit was hit."""

    def spend_tokens(self, campaign_id: int, tokens: int) -> None:
        """Record the tokens a call used (prompt + completion)."""


class InMemoryBudget:
    """A Budget in memory (tests, benchmarks, one-off scripts); the day rolls over by `today()`."""

    def __init__(self, calls_per_day: int, tokens_per_day: int, today: Callable[[], dt.date] = dt.date.today):
        self.calls_per_day, self.tokens_per_day, self.today = calls_per_day, tokens_per_day, today
        self._used: dict[tuple[int, dt.date], list[int]] = {}
        self._lock = threading.Lock()

    def used(self, campaign_id: int) -> tuple[int, int]:
        """(calls, tokens) used today."""
        calls, tokens = self._used.get((campaign_id, self.today()), [0, 0])
        return calls, tokens

    def acquire(self, campaign_id: int) -> None:
        with self._lock:
            used = self._used.setdefault((campaign_id, self.today()), [0, 0])
            if used[0] >= self.calls_per_day:
                raise BudgetExhausted(
                    f"campaign {campaign_id}: daily LLM budget of {self.calls_per_day} calls used up; "
                    "LLM use is paused until tomorrow (raise the campaign's LLM budget to continue)"
                )
            if used[1] >= self.tokens_per_day:
                raise BudgetExhausted(
                    f"campaign {campaign_id}: daily LLM budget of {self.tokens_per_day} tokens used up "
                    f"({used[1]} spent); LLM use is paused until tomorrow"
                )
            used[0] += 1

    def spend_tokens(self, campaign_id: int, tokens: int) -> None:
        with self._lock:
            self._used.setdefault((campaign_id, self.today()), [0, 0])[1] += max(int(tokens), 0)


def make_chat(settings: LLMSettings):
    """The langchain-openai chat model for these settings (imported lazily: it is slow to import)."""
    from langchain_openai import ChatOpenAI

    return ChatOpenAI(
        base_url=settings.base_url,
        api_key=settings.api_key,
        model=settings.model,
        timeout=settings.timeout,
        max_retries=settings.max_retries,
        temperature=settings.temperature,
    )


def _tokens(message: Any) -> int:
    usage = getattr(message, "usage_metadata", None) or {}
    return int(usage.get("total_tokens") or 0)


def _text_of(message: Any) -> str:
    content = getattr(message, "content", "")
    if isinstance(content, str):
        return content
    return " ".join(part.get("text", "") for part in content if isinstance(part, dict))


class LLMClient:
    """One campaign's access to the model: budgeted, bounded, never guessing."""

    def __init__(self, settings: LLMSettings, budget: Budget, campaign_id: int, chat: Any = None) -> None:
        self.settings, self.budget, self.campaign_id = settings, budget, campaign_id
        self.chat = chat if chat is not None else make_chat(settings)

    def _invoke(self, runnable: Any, messages: Sequence[BaseMessage]) -> Any:
        """One budgeted call; transport failures become LLMUnavailable (after the client's retries)."""
        self.budget.acquire(self.campaign_id)
        try:
            return runnable.invoke(list(messages))
        except (openai.APITimeoutError, openai.APIConnectionError) as exc:
            raise LLMUnavailable(
                f"LLM at {self.settings.base_url} did not answer within {self.settings.timeout}s "
                f"after {self.settings.max_retries} retries: {exc.__class__.__name__}"
            ) from exc
        except openai.APIStatusError as exc:
            raise LLMUnavailable(f"LLM at {self.settings.base_url} answered HTTP {exc.status_code}") from exc
        except (TypeError, IndexError, AttributeError, KeyError) as exc:
            # langchain-openai reads `choices[0].message` without checking: a malformed envelope surfaces
            # as one of these from inside the client, never as a parse error we could retry usefully.
            raise MalformedAnswer(
                f"LLM at {self.settings.base_url} answered something that is not a chat completion "
                f"({exc.__class__.__name__}: {str(exc)[:120]})"
            ) from exc

    def structured(self, schema: type[T], system: str, user: str) -> T | NeedsReview:
        """Ask for `schema`; on output that does not parse, ask once more, then return NeedsReview."""
        # Tool calling: the most widely served structured method on OpenAI-compatible endpoints, and
        # langchain reports a bad payload in `parsing_error` instead of raising.
        runnable = self.chat.with_structured_output(schema, method="function_calling", include_raw=True)
        messages = [SystemMessage(system), HumanMessage(user)]
        problem, raw_text = "", ""
        for _attempt in range(2):
            try:
                result = self._invoke(runnable, messages)
            except (ValidationError, ValueError) as exc:  # a client-side parse that raises anyway
                problem, raw_text = str(exc), ""
                log.warning("LLM answer for %s did not parse: %s", schema.__name__, problem[:200])
                continue
            raw = result.get("raw")
            self.budget.spend_tokens(self.campaign_id, _tokens(raw))
            if result.get("parsed") is not None and result.get("parsing_error") is None:
                return result["parsed"]
            problem = str(result.get("parsing_error") or "no structured answer")
            raw_text = _raw_payload(raw)[:MAX_RAW_CHARS]
            log.warning("LLM answer for %s did not parse: %s", schema.__name__, problem[:200])
        return NeedsReview(
            f"{schema.__name__}: the model's answer did not parse twice ({problem[:200]})", raw_text
        )

    def text(
        self, system: str, user: str, check: Callable[[str], str | None], retries: int = 1
    ) -> str | NeedsReview:
        """Plain chat; `check` returns a problem description or None. A bad answer is retried once."""
        messages = [SystemMessage(system), HumanMessage(user)]
        problem, answer = "", ""
        for _attempt in range(1 + retries):
            message: AIMessage = self._invoke(self.chat, messages)
            self.budget.spend_tokens(self.campaign_id, _tokens(message))
            answer = _text_of(message).strip()
            problem = check(answer) or ""
            if not problem:
                return answer
            log.warning("LLM text answer rejected: %s", problem)
        return NeedsReview(
            f"the model's answer broke the rules twice ({problem[:200]})", answer[:MAX_RAW_CHARS]
        )


def _raw_payload(raw: Any) -> str:
    """What the model actually sent back (content or tool-call arguments), for the review screen."""
    if raw is None:
        return ""
    calls = getattr(raw, "tool_calls", None) or []
    invalid = getattr(raw, "invalid_tool_calls", None) or []
    for call in [*invalid, *calls]:
        args = call.get("args")
        if args:
            return args if isinstance(args, str) else str(args)
    return _text_of(raw)
