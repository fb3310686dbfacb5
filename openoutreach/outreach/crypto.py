"""Encryption at rest for LinkedIn credentials (Fernet: AES-128-CBC + HMAC-SHA256).

The key comes from the CREDENTIALS_KEY environment variable, else from `<DATA_DIR>/credentials.key`,
generated once with owner-only permissions. Losing the key means re-entering the passwords; it is
never stored in the database beside the ciphertext.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


class CredentialKeyError(RuntimeError):
    """The stored ciphertext cannot be decrypted with the configured key."""


def _load_or_create_key(path: Path) -> bytes:
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(Fernet.generate_key())
    return path.read_bytes().strip()


@cache
def fernet() -> Fernet:
    key = settings.CREDENTIALS_KEY.encode() if settings.CREDENTIALS_KEY else None
    if key is None:
        key = _load_or_create_key(settings.CREDENTIALS_KEY_FILE)
    try:
        return Fernet(key)
    except ValueError as exc:
        raise CredentialKeyError(
            "CREDENTIALS_KEY is not a valid Fernet key (32 url-safe base64 bytes); "
            "generate one with: python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"
        ) from exc


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise CredentialKeyError(
            "a stored credential cannot be decrypted: the credentials key changed; re-enter the password"
        ) from exc
