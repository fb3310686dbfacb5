"""The declared lanes: one entry per lane, from which beat's schedule (`beat_schedule.py`) and the
dispatcher tasks on `default` (`workers/lanes.py`) are both built.

A lane is its dispatcher function (what is due, claimed in the database, sent to a browser or the ML
worker) and one line saying what a tick does. Adding a lane: its module under `openoutreach/lanes/`,
one entry here, and (for browser work) its unit of work and its `browser.*` task.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class DeclaredLane:
    name: str
    call: str  # "module:function" run by each tick
    summary: str  # what a tick does (the task's docstring, shown in Flower)

    @property
    def task(self) -> str:
        return f"lanes.{self.name}"

    def run(self) -> Any:
        module, function = self.call.split(":")
        return getattr(import_module(module), function)()


LANES: tuple[DeclaredLane, ...] = (
    DeclaredLane(
        "connect",
        "openoutreach.lanes.connect:dispatch",
        "Claim the best New deal and its person per account whose connect slot is due; send browser.connect.",
    ),
    DeclaredLane(
        "check_pending",
        "openoutreach.lanes.check_pending:dispatch",
        "Send browser.check_pending for each account's due Pending deals (bounded batch).",
    ),
    DeclaredLane(
        "follow_up",
        "openoutreach.lanes.follow_up:dispatch",
        "Send the next due sequence step of one Connected deal per account whose slot is due.",
    ),
    DeclaredLane(
        "withdraw",
        "openoutreach.lanes.withdraw:dispatch",
        "Withdraw one stale invitation per account whose withdraw slot is due; re-open deals after the block.",
    ),
    DeclaredLane(
        "inbox",
        "openoutreach.lanes.inbox:dispatch",
        "Send browser.sync_inbox for each account whose inbox sync is due (changed threads only).",
    ),
    DeclaredLane(
        "enrich",
        "openoutreach.lanes.enrich:dispatch",
        "Send browser.enrich for a small batch of discovered leads per account slot.",
    ),
    DeclaredLane(
        "search",
        "openoutreach.lanes.search:dispatch",
        "Search (or ask for keywords) for campaigns whose pipeline of leads to qualify is low.",
    ),
    DeclaredLane(
        "qualify",
        "openoutreach.lanes.qualify:dispatch",
        "Hand enriched, unlabelled leads to the ML worker, per campaign.",
    ),
    DeclaredLane(
        "housekeeping",
        "openoutreach.pipeline.claims:release_expired",
        "Release claims whose holder never finished (a crashed worker, an expired task).",
    ),
)
