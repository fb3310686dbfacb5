"""Asking questions in a terminal: one line, a secret without echo, multi-line text ended by Ctrl-D.

The streams are parameters so tests can drive a real pseudo-terminal (or plain pipes). Everything reads
through `stdin.readline()` (never `input()`, whose C-level buffer would not see what Python buffered).
End of input on a one-line question means the operator gave up: `Cancelled`, and nothing is saved.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from typing import TextIO


class Cancelled(Exception):
    """The operator ended the input (Ctrl-D on a one-line question, Ctrl-C)."""


class Terminal:
    def __init__(
        self,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        read_secret: Callable[[str], str] | None = None,
    ) -> None:
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self._read_secret = read_secret or getpass.getpass

    def say(self, text: str = "") -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _prompt(self, text: str) -> None:
        self.stdout.write(text)
        self.stdout.flush()

    def line(self, prompt: str, default: str | None = None) -> str:
        """One line; an empty answer takes the default (shown in brackets)."""
        shown = f" [{default}]" if default not in (None, "") else ""
        self._prompt(f"{prompt}{shown}: ")
        raw = self.stdin.readline()
        if raw == "":
            self.say()
            raise Cancelled("input ended")
        answer = raw.rstrip("\r\n").strip()
        return answer if answer or default is None else default

    def secret(self, prompt: str) -> str:
        """A password or key, not echoed (getpass talks to the controlling terminal)."""
        try:
            return self._read_secret(f"{prompt} (not shown): ").strip()
        except EOFError as exc:
            raise Cancelled("input ended") from exc

    def text(self, prompt: str) -> str:
        """Several lines, until end of input (Ctrl-D on a line of its own)."""
        self.say(f"{prompt} (several lines; finish with Ctrl-D on an empty line):")
        lines = []
        while True:
            raw = self.stdin.readline()
            if raw == "":
                break
            lines.append(raw.rstrip("\r\n"))
        return "\n".join(lines).strip()

    def warn(self, text: str) -> None:
        self.say(f"  ! {text}")
