"""`make run` on a fresh install: offer onboarding before anything starts.

With a terminal and nothing configured, the operator sets up (or chooses the sandbox demo); without a
terminal nothing is asked and the launcher keeps its own behaviour (it runs against the sandbox until
an account exists).
"""

from __future__ import annotations

import os
import sys
from typing import TextIO

from .onboarding import Declined, is_configured, onboard
from .questions import Question, collect, yes_no
from .terminal import Cancelled, Terminal

SETUP_NOW = Question(
    "SETUP_NOW",
    "Set up your campaign and LinkedIn account now? (no = run the sandbox demo instead)",
    "--setup-now",
    parse=yes_no,
    default="yes",
)


def onboard_if_unconfigured(stdin: TextIO | None = None) -> bool:
    """True when the launcher should go on starting the system, False when the operator stopped."""
    stdin = stdin or sys.stdin
    if is_configured() or not stdin.isatty():
        return True
    terminal = Terminal(stdin=stdin)
    terminal.say("No campaign or LinkedIn account is configured yet.")
    try:
        if not collect([SETUP_NOW], {}, {}, terminal)[SETUP_NOW.key]:
            return True
        saved = onboard({}, os.environ, terminal)
    except Declined as exc:
        terminal.say(f"{exc}: nothing was configured, nothing was started.")
        return False
    except (Cancelled, KeyboardInterrupt):
        terminal.say("\nSetup cancelled: nothing was saved, nothing was started.")
        return False
    terminal.say(saved.summary() + "\n")
    return True
