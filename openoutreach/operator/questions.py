"""Questions that can be answered by a flag, an environment variable or a person at a terminal.

A `Question` names its environment variable (`key`), its flag, its default and a parser that turns the
raw text into a value or raises `Invalid` with a reason the operator can act on. `collect` walks a list
of questions: a value given by flag (first) or environment is used as is (a bad one is re-asked in a
terminal, reported otherwise); anything else is asked in the terminal, or — without one — taken from
its default or reported missing. Without a terminal every problem is gathered into ONE error.
"""

from __future__ import annotations

import re
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .terminal import Terminal


class Invalid(ValueError):
    """An answer that cannot be used; the message says why."""


class Incomplete(Exception):
    """Without a terminal, required answers are missing or invalid; the message names every one."""


Parser = Callable[[str, Mapping[str, Any]], Any]


def text(raw: str, answers: Mapping[str, Any]) -> str:
    value = raw.strip()
    if not value:
        raise Invalid("must not be empty")
    return value


@dataclass(frozen=True)
class Question:
    key: str  # the answer's name, and the environment variable that can give it
    prompt: str
    flag: str  # e.g. "--campaign-name"
    parse: Parser = text
    default: str | Callable[[Mapping[str, Any]], str] | None = None  # None: required
    style: str = "line"  # "line", "secret" (no echo) or "text" (several lines, Ctrl-D)
    flag_is_file: bool = False  # the flag names a file holding the answer (long texts, secrets)
    help: str = ""

    def default_for(self, answers: Mapping[str, Any]) -> str | None:
        return self.default(answers) if callable(self.default) else self.default

    @property
    def source_hint(self) -> str:
        return f"{self.key} ({self.flag}{' FILE' if self.flag_is_file else ''})"


def read_flag_file(path: str, multiline: bool) -> str:
    """The content of a file given to a FILE flag; one-line answers lose their trailing newline."""
    try:
        content = Path(path).expanduser().read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Invalid(f"cannot read {path}: {exc.strerror or exc}") from exc
    return content.strip() if multiline else content.strip("\r\n").strip()


def _ask(question: Question, terminal: Terminal, answers: Mapping[str, Any]) -> str:
    if question.style == "secret":
        return terminal.secret(question.prompt)
    if question.style == "text":
        return terminal.text(question.prompt)
    return terminal.line(question.prompt, question.default_for(answers))


def collect(
    questions: list[Question],
    flags: Mapping[str, str | None],
    env: Mapping[str, str],
    terminal: Terminal | None,
    answers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Answer every question; see the module docstring for the order of sources."""
    answers = {} if answers is None else answers
    missing: list[str] = []
    invalid: list[str] = []
    for question in questions:
        given = _given(question, flags, env)
        if given is not None:
            try:
                raw = given.read()
                answers[question.key] = question.parse(raw, answers)
                if terminal is not None:
                    shown = "(hidden)" if question.style == "secret" else _short(raw)
                    terminal.say(f"{question.prompt}: {shown}  (from {given.origin})")
                continue
            except Invalid as exc:
                if terminal is None:
                    invalid.append(f"{question.key} from {given.origin}: {exc}")
                    continue
                terminal.warn(f"{question.prompt} from {given.origin} is not usable: {exc}")
        if terminal is None:
            default = question.default_for(answers)
            if default is None:
                missing.append(question.source_hint)
                continue
            try:
                answers[question.key] = question.parse(default, answers)
            except Invalid as exc:
                invalid.append(f"{question.key} default {default!r}: {exc}")
            continue
        while True:  # ask until the answer parses; the operator can always end with Ctrl-D/Ctrl-C
            try:
                answers[question.key] = question.parse(_ask(question, terminal, answers), answers)
                break
            except Invalid as exc:
                terminal.warn(str(exc))
    if missing or invalid:
        raise Incomplete(_problems(missing, invalid))
    return answers


@dataclass(frozen=True)
class _Given:
    """An answer given before asking: a flag's value (or the file it names), or an environment variable."""

    question: Question
    value: str
    origin: str
    is_file: bool = False

    def read(self) -> str:
        return read_flag_file(self.value, self.question.style == "text") if self.is_file else self.value


def _given(question: Question, flags: Mapping[str, str | None], env: Mapping[str, str]) -> _Given | None:
    flag_value = flags.get(question.key)
    if flag_value is not None:
        origin = f"{question.flag} {flag_value}" if question.flag_is_file else question.flag
        return _Given(question, flag_value, origin, question.flag_is_file)
    if env.get(question.key):
        return _Given(question, env[question.key], f"${question.key}")
    return None


def _short(raw: str) -> str:
    first = raw.strip().splitlines()[0] if raw.strip() else ""
    return first[:60] + ("..." if len(first) > 60 or len(raw.strip().splitlines()) > 1 else "")


def _problems(missing: list[str], invalid: list[str]) -> str:
    parts = []
    if missing:
        parts.append("missing " + ", ".join(missing))
    if invalid:
        parts.append("invalid " + "; ".join(invalid))
    return (
        "Cannot configure OpenOutreach without a terminal: "
        + "; ".join(parts)
        + ". Give each as an environment variable or a flag (or run the command in a terminal)."
    )


# -- parsers ------------------------------------------------------------------------------------------


def email(raw: str, answers: Mapping[str, Any]) -> str:
    value = raw.strip()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        raise Invalid(f"{value!r} is not an e-mail address (LinkedIn logins are e-mails)")
    return value


def url_or_empty(raw: str, answers: Mapping[str, Any]) -> str:
    value = raw.strip()
    if value in ("", "-", "none"):
        return ""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise Invalid(f"{value!r} is not a web address (https://...); leave it empty for none")
    return value


def integer(low: int, high: int) -> Parser:
    def parse(raw: str, answers: Mapping[str, Any]) -> int:
        try:
            value = int(raw.strip())
        except ValueError:
            raise Invalid(f"{raw.strip()!r} is not a whole number") from None
        if not low <= value <= high:
            raise Invalid(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def at_least(other_key: str, what: str, parse: Parser) -> Parser:
    """A number that must not be below an earlier answer (a weekly cap below the daily one)."""

    def checked(raw: str, answers: Mapping[str, Any]) -> Any:
        value = parse(raw, answers)
        floor = answers.get(other_key)
        if floor is not None and value < floor:
            raise Invalid(f"must be at least the {what} ({floor}), got {value}")
        return value

    return checked


def _clock(text_value: str) -> time:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?", text_value.strip())
    if not match:
        raise Invalid(f"{text_value.strip()!r} is not a time of day like 09:00")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        raise Invalid(f"{text_value.strip()!r} is not a time of day like 09:00")
    return time(hour, minute)


def working_hours(raw: str, answers: Mapping[str, Any]) -> tuple[time, time]:
    parts = re.split(r"\s*(?:-|–|to)\s*", raw.strip())
    if len(parts) != 2:
        raise Invalid(f"{raw.strip()!r} is not a range like 09:00-17:00")
    start, end = _clock(parts[0]), _clock(parts[1])
    if start == end:
        raise Invalid("working hours must not start and end at the same time")
    return start, end


def time_zone(raw: str, answers: Mapping[str, Any]) -> str:
    value = raw.strip()
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise Invalid(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin, America/New_York)") from None
    return value


def local_time_zone() -> str:
    """This machine's IANA zone (from TZ or /etc/localtime), else UTC: the default working-hours zone."""
    import os

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        candidates.append(str(localtime.resolve()).split("zoneinfo/", 1)[-1])
    for name in candidates:
        if name:
            try:
                zoneinfo.ZoneInfo(name)
                return name
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return "UTC"


def yes_no(raw: str, answers: Mapping[str, Any]) -> bool:
    value = raw.strip().lower()
    if value in ("y", "yes", "true", "1", "accept", "accepted"):
        return True
    if value in ("n", "no", "false", "0"):
        return False
    raise Invalid(f"answer yes or no, got {raw.strip()!r}")
