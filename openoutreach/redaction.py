"""A logging filter that keeps secrets out of every log line.

It masks the values of secret settings (SECRET_KEY, LLM_API_KEY, CREDENTIALS_KEY, FLOWER_PASSWORD, any
registered LinkedIn password) and anything that looks like `password=...`, `li_at=...`, a JSESSIONID or
an `Authorization: Bearer ...` header, wherever it appears in the formatted message.
"""

from __future__ import annotations

import logging
import re

_PATTERNS = [
    re.compile(r"(?i)(password|passwd|pwd|secret|api[_-]?key|token)(\s*[=:]\s*)(['\"]?)[^\s'\",&]+"),
    re.compile(r"(?i)(li_at|JSESSIONID)(\s*[=:]\s*)(['\"]?)[^\s;'\",]+"),
    re.compile(r"(?i)(authorization)(\s*[=:]\s*)(['\"]?)(bearer\s+)?[^\s'\",]+"),
]
_MASK = "***"
_registered: set[str] = set()


def register_secret(value: str | None) -> None:
    """Mask this exact value in every later log line (e.g. a password just decrypted for a login)."""
    if value and len(value) >= 4:
        _registered.add(value)


def redact(text: str) -> str:
    for secret in _registered:
        text = text.replace(secret, _MASK)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}{_MASK}", text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrite the record's message with secrets masked; never drops a record."""

    def __init__(self) -> None:
        super().__init__()
        from django.conf import settings

        for name in ("SECRET_KEY", "LLM_API_KEY", "CREDENTIALS_KEY", "FLOWER_PASSWORD"):
            register_secret(getattr(settings, name, ""))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is not ours to fix here; let logging report it
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
