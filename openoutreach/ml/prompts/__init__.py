"""The LLM prompts, as Jinja2 template files beside this module, and how untrusted data goes into them.

StrictUndefined: a variable the caller forgot is an error, never an empty hole in the prompt.
Profile data is quoted (JSON inside a tag pair) and `<`/`>` in it are escaped, so text in a profile can
neither read as an instruction nor close the block it sits in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    undefined=StrictUndefined,
    autoescape=False,  # noqa: S701 - plain-text prompts, not HTML; data is quoted with quote_json/quote_text
    keep_trailing_newline=False,
    trim_blocks=False,
)


def render(name: str, **values: Any) -> str:
    """Render prompts/<name>.j2 with every variable it uses supplied."""
    return _ENV.get_template(f"{name}.j2").render(**values).strip()


def quote_json(data: Any) -> str:
    """JSON for a data block: `<` and `>` become \\u003c / \\u003e (still valid JSON, same value), so no
    string in it can close the surrounding tag or open a new one."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e")


def quote_text(value: Any) -> str:
    """One line of plain-text data for a tagged block: no newlines, no angle brackets."""
    text = " ".join(str(value if value is not None else "").split())
    return text.replace("<", "\u2039").replace(">", "\u203a")
