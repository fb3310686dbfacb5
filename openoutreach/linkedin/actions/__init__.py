"""What the browser worker does on LinkedIn, one function per action, each returning a small result.

Expected refusals are named exceptions (`openoutreach.linkedin.errors`); everything else is a result
value with an outcome, so the caller decides what a lead's state becomes.
"""

from __future__ import annotations

from openoutreach.linkedin.actions.connect import ConnectOutcome, ConnectResult, connect
from openoutreach.linkedin.actions.message import MessageChannel, MessageResult, send_message
from openoutreach.linkedin.actions.profile import (
    ScrapeResult,
    StatusResult,
    connection_status,
    scrape_profile,
)
from openoutreach.linkedin.actions.search import SearchPage, discover_on_page, search_people
from openoutreach.linkedin.actions.topcard import ConnectionStatus

__all__ = [
    "ConnectOutcome",
    "ConnectResult",
    "ConnectionStatus",
    "MessageChannel",
    "MessageResult",
    "ScrapeResult",
    "SearchPage",
    "StatusResult",
    "connect",
    "connection_status",
    "discover_on_page",
    "scrape_profile",
    "search_people",
    "send_message",
]
