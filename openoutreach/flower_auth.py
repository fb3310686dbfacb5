"""Flower's basic auth as exactly ONE credential, whatever characters the password holds.

Flower reads `--basic-auth` and `FLOWER_BASIC_AUTH` as a comma-separated LIST of `user:password` pairs,
so a password with commas became several credentials (`correct-horse,battery,` let `battery` in, and the
empty last item let `Authorization: Basic =` in), and Flower can queue any task. Every way of starting
Flower here (`make run`, `make flower`, compose/start-flower) therefore passes `--conf=FLOWER_CONF`
instead: Flower executes that file, whose `basic_auth` is a one-item list built by `credential()` from
FLOWER_USER and FLOWER_PASSWORD, and a list from a config file is taken as it is (never split). What
basic auth cannot carry is refused at start with an error naming the setting.
"""

from __future__ import annotations

from collections.abc import Mapping

# Relative to the project directory (the working directory of every process role, /app in the image),
# so the launcher and the compose script run the same command.
FLOWER_CONF = "openoutreach/flowerconfig.py"


class FlowerAuthError(ValueError):
    """FLOWER_USER / FLOWER_PASSWORD cannot be used for basic auth; the message says which and why."""


def credential(user: str, password: str) -> str:
    """`user:password` as Flower compares it, or FlowerAuthError.

    Refused: an empty user or password; a `:` in the user (basic auth splits the header at the first
    `:`); anything but printable ASCII (Flower compares with hmac.compare_digest, which rejects non-ASCII
    text, so such a login could never succeed).
    """
    if not user:
        raise FlowerAuthError("FLOWER_USER is empty: set the user name for Flower's basic auth")
    if ":" in user:
        raise FlowerAuthError(
            "FLOWER_USER must not contain ':' (basic auth separates user and password with it)"
        )
    if not password:
        raise FlowerAuthError("FLOWER_PASSWORD is empty: Flower would run without a password")
    for name, value in (("FLOWER_USER", user), ("FLOWER_PASSWORD", password)):
        if not (value.isascii() and value.isprintable()):
            raise FlowerAuthError(
                f"{name} must be printable ASCII (Flower cannot compare other characters); "
                "choose one without accents, control characters or line breaks"
            )
    return f"{user}:{password}"


def credential_from_env(environ: Mapping[str, str]) -> str:
    """The credential from FLOWER_USER (default `admin`) and FLOWER_PASSWORD in `environ`."""
    return credential(environ.get("FLOWER_USER", "admin"), environ.get("FLOWER_PASSWORD", ""))
