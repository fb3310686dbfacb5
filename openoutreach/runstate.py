"""The processes of a run, on disk: a second run in the same data directory is refused while the first
lives, and a run that died without cleaning up (SIGKILL, power loss) never blocks the next one.

`<dir>/processes.json` holds the owner (the `make run` / `make demo` process) and every process it
started, each by pid AND create time (a reused pid never matches). On claim:
1. no file: take it;
2. the owner is alive: refuse with `AlreadyRunning`, naming it;
3. the owner is gone: kill whatever of its recorded processes (and their process groups) still runs,
   say so, and take the file over.
The owner refreshes the record while it runs (new grandchildren such as Chromium) and deletes it when it
has stopped everything.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from openoutreach.processes import ProcessRecord, kill_records

FILE_NAME = "processes.json"


class AlreadyRunning(RuntimeError):
    """Another live run owns this data directory."""


@dataclass
class RunRecord:
    path: Path
    what: str
    owner: ProcessRecord = field(default_factory=lambda: ProcessRecord.of(psutil.Process()))
    processes: dict[str, list[ProcessRecord]] = field(default_factory=dict)

    @classmethod
    def in_dir(cls, directory: Path, what: str) -> RunRecord:
        return cls(directory / FILE_NAME, what)

    def claim(self, say: Callable[[str], None] = print) -> RunRecord:
        """Take the record for this process, clearing a dead run's leftovers (see the module steps)."""
        previous = self._read(say)
        if previous is not None:
            owner, recorded = previous
            if owner.alive() and owner.pid != os.getpid():
                started = time.strftime("%H:%M:%S", time.localtime(owner.create_time))
                raise AlreadyRunning(
                    f"{self.what} is already running in {self.path.parent} (pid {owner.pid}, started "
                    f"{started}); stop it first (Ctrl-C in its terminal, or `kill {owner.pid}`)"
                )
            names = [name for name, records in recorded.items() if kill_records(records)]
            say(
                f"A previous {self.what} (pid {owner.pid}) ended without cleaning up: "
                + (f"stopped its leftover processes ({', '.join(names)}); " if names else "")
                + f"cleared its stale {self.path.name}."
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.save()
        return self

    def update(self, name: str, records: Iterable[ProcessRecord]) -> None:
        """Record (or extend) the processes of child `name`; written only when something changed."""
        merged = {r.pid: r for r in self.processes.get(name, [])}
        before = len(merged)
        merged.update({r.pid: r for r in records})
        if len(merged) != before:
            self.processes[name] = list(merged.values())
            self.save()

    def save(self) -> None:
        data = {
            "what": self.what,
            "owner": asdict(self.owner),
            "processes": {n: [asdict(r) for r in rs] for n, rs in self.processes.items()},
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        os.replace(tmp, self.path)

    def release(self) -> None:
        """Delete the record (everything it names has stopped)."""
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

    def _read(
        self, say: Callable[[str], None]
    ) -> tuple[ProcessRecord, dict[str, list[ProcessRecord]]] | None:
        try:
            data = json.loads(self.path.read_text())
            owner = ProcessRecord(**data["owner"])
            recorded = {n: [ProcessRecord(**r) for r in rs] for n, rs in data["processes"].items()}
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError) as exc:  # half-written by a run that died mid-write
            self.path.unlink()
            say(f"Cleared an unreadable {self.path} ({exc}).")
            return None
        return owner, recorded
