"""A logging filter that keeps secrets out of every log line, exception text and stack trace included.

It masks, wherever they appear in a record (the formatted message, the exception text with its
traceback, the stack info):
- the values of secret settings (SECRET_KEY, LLM_API_KEY, CREDENTIALS_KEY, FLOWER_PASSWORD, the
  database password) and any value registered later (a LinkedIn password just decrypted, a proxy URL);
- `password=...`, `token: ...`, `api_key=...`, `li_at=...`, `JSESSIONID=...`, `Authorization: Bearer ...`;
- the password in a URL (`http://user:pass@proxy`, `postgresql://u:pw@db/x`);
- `Cookie:` / `Set-Cookie:` header values;
- cookie and storage-state shapes: the `value` of every JSON/dict object that also has a `name`
  (Playwright's storage state lists cookies and localStorage entries that way).

The filter sits on the root handler of settings.LOGGING, so every record that reaches a log line
passes through it; `redact()` is also usable on its own (e.g. before saving a page or an error).
"""

from __future__ import annotations

import logging
import re

_MASK = "***"
# key=value, key: value, 'key': 'value' and "key": "value" (a dict's repr or JSON).
_KEY_VALUE = [
    re.compile(r"(?i)(password|passwd|pwd|secret|api[_-]?key|token)(['\"]?\s*[=:]\s*)(['\"]?)[^\s'\",&]+"),
    re.compile(r"(?i)(li_at|JSESSIONID)(['\"]?\s*[=:]\s*)(['\"]?)[^\s;'\",]+"),
    re.compile(r"(?i)(authorization)(['\"]?\s*[=:]\s*)(['\"]?)(?:(?:bearer|basic)\s+)?[^\s'\",]+"),
    re.compile(r"(?i)\b(set-cookie|cookie)(\s*:\s*)()[^\r\n'\"]+"),
]
# scheme://user:password@host -> scheme://user:***@host (a URL password cannot hold a raw / or @).
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]{0,20}://[^\s/@:'\"]*:)([^\s/@'\"]+)(@)")
# A flat JSON/dict object (no nested braces) with a "name" and a "value": a cookie or a storage entry.
_FLAT_OBJECT = re.compile(r"\{[^{}]*\}")
_HAS_NAME = re.compile(r"""["']name["']\s*:""")
_VALUE = re.compile(r"""(["']value["']\s*:\s*)(["'])((?:\\.|(?!\2).)*)\2""")

_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Mask this exact value in every later log line (e.g. a password just decrypted for a login)."""
    if value and len(value) >= 4:
        _registered.add(value)


def _mask_cookie_values(match: re.Match[str]) -> str:
    text = match.group(0)
    if not _HAS_NAME.search(text):
        return text
    return _VALUE.sub(lambda m: f"{m.group(1)}{m.group(2)}{_MASK}{m.group(2)}", text)


def redact(text: str) -> str:
    """`text` with every secret shape listed in the module docstring masked."""
    for secret in sorted(_registered, key=len, reverse=True):  # a secret inside another: longest first
        text = text.replace(secret, _MASK)
    text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}{_MASK}{m.group(3)}", text)
    for pattern in _KEY_VALUE:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{_MASK}", text)
    return _FLAT_OBJECT.sub(_mask_cookie_values, text)


class RedactSecrets(logging.Filter):
    """Rewrite the record's message, exception text and stack info with secrets masked; never drops one."""

    def __init__(self) -> None:
        super().__init__()
        from django.conf import settings

        for name in ("SECRET_KEY", "LLM_API_KEY", "CREDENTIALS_KEY", "FLOWER_PASSWORD"):
            register_secret(getattr(settings, name, ""))
        for database in getattr(settings, "DATABASES", {}).values():
            register_secret(database.get("PASSWORD"))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here; let logging report it
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: format the traceback once, here, and clean it.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
