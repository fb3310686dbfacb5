"""Reading the product's prompts the way the LLM stand-in needs to: who they are about, which keywords
they exclude, how many they want, and whether an injected instruction sits outside the quoted data.

Plain text functions with no server or oracle in sight, so each rule is easy to test and to change.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

# --- who the prompt is about -------------------------------------------------------------------------

# A LinkedIn profile URL path: /in/<public_id>/ (any host: the product's canonical linkedin.com URL or
# a sandbox URL). Public ids may be percent-encoded.
_PROFILE_RE = re.compile(r"/in/([^/?#\s\"'<>\\)\]},]+)")


# Fallback when the prompt carries the parsed profile without its URL: "public_identifier": "x" (the
# parser's key) or a "Public id: x" line.
_PUBLIC_ID_RE = re.compile(r"""public[\s_-]?id(?:entifier)?["']?\s*[:=]\s*["']?([\w%-]+)""", re.I)


def profile_ids(text: str) -> list[str]:
    """Public ids of every profile URL (then every stated public identifier) in the text, in order."""
    seen: dict[str, None] = {}
    for raw in [*_PROFILE_RE.findall(text), *_PUBLIC_ID_RE.findall(text)]:
        seen.setdefault(unquote(raw), None)
    return list(seen)


_LINE_FIELD_RE = {
    "first_name": re.compile(r"(?im)^[\s>*-]*first[\s_-]?name\s*[:=]\s*(.+?)\s*$"),
    "full_name": re.compile(r"(?im)^[\s>*-]*(?:full[\s_-]?)?name\s*[:=]\s*(.+?)\s*$"),
    "company": re.compile(
        r"(?im)^[\s>*-]*(?:current[\s_-]+)?(?:company|employer)(?:[\s_-]*name)?\s*[:=]\s*(.+?)\s*$"
    ),
}
_JSON_FIELD_RE = {
    "first_name": re.compile(r'"first_?name"\s*:\s*"([^"]+)"', re.I),
    "full_name": re.compile(r'"(?:full_?)?name"\s*:\s*"([^"]+)"', re.I),
    "company": re.compile(r'"(?:current_?)?company(?:_?name)?"\s*:\s*"([^"]+)"', re.I),
}


def stated_person(text: str) -> dict[str, str]:
    """First name and company from "Name: ..." / "Company: ..." lines (or JSON keys) in the prompt."""
    found: dict[str, str] = {}
    for key in ("first_name", "full_name", "company"):
        for pattern in (_LINE_FIELD_RE[key], _JSON_FIELD_RE[key]):
            match = pattern.search(text)
            if match and match.group(1).strip(" \"'"):
                found[key] = match.group(1).strip(" \"'")
                break
    if "first_name" not in found and found.get("full_name"):
        found["first_name"] = found["full_name"].split()[0]
    return found


# --- prompt injection --------------------------------------------------------------------------------

_FENCE_RE = re.compile(r"```.*?```", re.S)
_TAG_PAIR_RE = re.compile(r"<([A-Za-z][\w.:-]*)\b[^<>]*>.*?</\1\s*>", re.S)
_INJECTION_RE = re.compile(
    r"\b(?:ignore|disregard|forget)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+|my\s+)?"
    r"(?:previous|prior|above|earlier|preceding|other)\s+(?:instructions|prompts?|rules)\b"
    r"|\bqualify\s+me\b",
    re.I,
)


def _without_json_values(text: str) -> str:
    """Blank out every span that parses as a JSON object or array (their strings are quoted data)."""
    decoder = json.JSONDecoder()
    out, i = [], 0
    while i < len(text):
        if text[i] in "{[":
            try:
                _, end = decoder.raw_decode(text, i)
            except ValueError:
                pass
            else:
                out.append(" ")
                i = end
                continue
        out.append(text[i])
        i += 1
    return "".join(out)


def undelimited(text: str) -> str:
    """The text left once fenced blocks, XML-like tag pairs and JSON values are cut out."""
    text = _FENCE_RE.sub(" ", text)
    previous = None
    while previous != text:  # nested pairs of different tags peel one layer per pass
        previous, text = text, _TAG_PAIR_RE.sub(" ", text)
    return _without_json_values(text)


def injected_instruction(text: str) -> str | None:
    """An "ignore previous instructions" / "qualify me" that is NOT inside a delimited data block."""
    match = _INJECTION_RE.search(undelimited(text))
    return match.group(0) if match else None


# --- keyword requests --------------------------------------------------------------------------------

_NUMBER_WORDS = {
    "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
}  # fmt: skip
_COUNT_RE = re.compile(
    r"\b(\d{1,3}|"
    + "|".join(_NUMBER_WORDS)
    + r")\s+(?:(?!of\b)[\w-]+\s+){0,4}?(?:keywords?|key\s+words|queries)\b",
    re.I,
)
_EXCLUSION_CUE_RE = re.compile(
    r"exclud\w*|already[\s_-]+used|used[\s_-]+(?:keywords|queries|searches)|previously[\s_-]+used"
    r"|do\s+not\s+(?:repeat|reuse|use|suggest|include)|don't\s+(?:repeat|reuse|use|suggest)|must\s+not\s+repeat",
    re.I,
)
MAX_KEYWORDS = 50


def keyword_count(text: str, min_items: Any = None, max_items: Any = None, default: int = 8) -> int:
    """How many keywords the prompt asks for ("10 keywords"), kept inside the schema's item bounds."""
    match = _COUNT_RE.search(text)
    count = default
    if match:
        word = match.group(1).lower()
        count = int(word) if word.isdigit() else _NUMBER_WORDS[word]
    if isinstance(max_items, int):
        count = min(count, max_items)
    if isinstance(min_items, int):
        count = max(count, min_items)
    return max(1, min(count, MAX_KEYWORDS))


def _paragraphs(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for blank in re.finditer(r"\n\s*\n", text):
        spans.append((start, blank.start()))
        start = blank.end()
    spans.append((start, len(text)))
    return spans


def exclusion_text(text: str) -> str:
    """The parts of the prompt that list excluded / already-used keywords.

    Each cue ("excluded", "already used", "do not repeat", ...) claims its paragraph; when the cue
    ends its paragraph (a heading such as "Already used:" followed by a blank line) the next paragraph
    is claimed too. Over-claiming only makes the stand-in more careful.
    """
    paragraphs = _paragraphs(text)
    claimed: list[str] = []
    for cue in _EXCLUSION_CUE_RE.finditer(text):
        for index, (start, end) in enumerate(paragraphs):
            if start <= cue.start() <= end:
                claimed.append(text[start:end])
                rest = text[cue.end() : end]
                if not re.search(r"\w", rest) and index + 1 < len(paragraphs):
                    next_start, next_end = paragraphs[index + 1]
                    claimed.append(text[next_start:next_end])
                break
    return "\n".join(claimed)


def mentions(phrase: str, text: str) -> bool:
    """Whether the phrase occurs in the text as whole words, ignoring case and inner spacing."""
    words = [re.escape(w) for w in phrase.split()]
    if not words:
        return False
    return re.search(r"(?<!\w)" + r"[\s_-]+".join(words) + r"(?!\w)", text, re.I) is not None


# --- follow-up requests ------------------------------------------------------------------------------

_FOLLOWUP_RE = re.compile(
    r"follow[\s_-]?up|\blinkedin\b[^.\n]{0,40}\bmessage|\bmessage\b[^.\n]{0,40}\blinkedin\b", re.I
)


def asks_for_followup(text: str) -> bool:
    return _FOLLOWUP_RE.search(text) is not None


def product_brief(product: str, limit: int = 70) -> str:
    """A short name for the product: its first sentence or clause, at most `limit` characters."""
    first = re.split(r"(?<=[.!?])\s|\n", product.strip(), maxsplit=1)[0].strip()
    if len(first) > limit:
        clause = re.split(r",|;|:|\s[-\u2013\u2014]\s|\s(?:that|which|who)\s", first, maxsplit=1)[0]
        first = clause if 0 < len(clause) <= limit else first[:limit].rsplit(" ", 1)[0]
    return first.rstrip(" .,;:!?")
