"""The base of the commands that ask questions (`onboard`, `add_campaign`, `add_account`).

Each question becomes a flag (its environment variable works too); `--no-input` forces the headless
path even in a terminal. Outcomes map to exit codes: 0 saved, 1 declined or cancelled (nothing saved),
2 something required missing or invalid without a terminal (one message names every problem).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping

from django.core.management.base import BaseCommand, CommandError

from .onboarding import LEGAL_QUESTION, Declined, Saved
from .questions import Incomplete, Question
from .terminal import Cancelled, Terminal

Section = Callable[[Mapping[str, str | None], Mapping[str, str], Terminal | None], Saved]


class QuestionCommand(BaseCommand):
    questions: Callable[[], list[Question]]
    section: Section

    def add_arguments(self, parser) -> None:
        for question in type(self).questions():
            if question.key == LEGAL_QUESTION.key:
                parser.add_argument(
                    question.flag, dest=question.key, action="store_const", const="yes",
                    help=f"accept the legal notice without asking (env {question.key}=yes)",
                )  # fmt: skip
                continue
            parser.add_argument(
                question.flag,
                dest=question.key,
                metavar="FILE" if question.flag_is_file else question.key,
                help=f"{question.prompt} (env {question.key})",
            )
        parser.add_argument(
            "--no-input", action="store_true", help="never ask: take everything from flags and environment"
        )

    def handle(self, *args, **options) -> None:
        keys = {q.key for q in type(self).questions()}
        flags = {key: value for key, value in options.items() if key in keys}
        interactive = sys.stdin.isatty() and not options["no_input"]
        terminal = Terminal() if interactive else None
        try:
            saved = type(self).section(flags, os.environ, terminal)
        except Incomplete as exc:
            raise CommandError(str(exc), returncode=2) from None
        except Declined as exc:
            raise CommandError(
                f"{exc}: nothing was configured. Run the command again when you are ready."
            ) from None
        except (Cancelled, KeyboardInterrupt):
            raise CommandError("Setup cancelled: nothing was saved.") from None
        self.stdout.write(self.style.SUCCESS(saved.summary()))
