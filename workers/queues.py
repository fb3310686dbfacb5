"""Queue names, and which worker consumes each. Import-light on purpose: beat, routers and the
supervisor read it without loading Django.

| queue              | consumed by                                        | tasks                               |
|--------------------|----------------------------------------------------|-------------------------------------|
| default            | the lanes worker (`make worker-default`)           | lane dispatchers (`lanes.*`), webhooks, ops |
| ml                 | the single ML worker (`make worker-ml`)            | `ml.*`: embed, qualify, rescore ... |
| browser.<handle>   | the browser worker of account <handle>, only       | `browser.*`: login, enrich, connect |

A browser task always names its account and is routed to that account's queue; there is no default for
it, so a task for account X can never be picked up by another account's worker.
"""

from __future__ import annotations

import re

DEFAULT = "default"
ML = "ml"
BROWSER_PREFIX = "browser."

_HANDLE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class RoutingError(ValueError):
    """A browser task was sent without a valid account handle."""


def browser_queue(handle: str) -> str:
    if not handle or not _HANDLE.match(handle):
        raise RoutingError(f"invalid account handle {handle!r}: use lower-case letters, digits, '-' or '_'")
    return f"{BROWSER_PREFIX}{handle}"


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router: `browser.*` -> browser.<account>, `ml.*` -> ml, everything else -> default."""
    if name.startswith(BROWSER_PREFIX):
        account = (kwargs or {}).get("account")
        if account is None:
            raise RoutingError(
                f"{name} must be sent with account=<handle> (it runs only on that account's worker)"
            )
        return {"queue": browser_queue(account)}
    if name.startswith("ml."):
        return {"queue": ML}
    return {"queue": DEFAULT}
