"""A small command that owns processes the way `make run` does, for tests/foundation/test_stop_signals.py.

    python stop_signals_command.py <log-dir> <grace-seconds> [<run-record-dir>]

Children: `stubborn` ignores SIGTERM (only the grace kill ends it); `spawner` starts a grandchild in its
own session that ignores SIGTERM too (Chromium under Playwright, in miniature); `redis` stands for the
last stage. Each child writes `ready` to its log once it is set up.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from openoutreach.processes import STAGE_REDIS, ManagedProcess
from openoutreach.runstate import RunRecord
from openoutreach.shutdown import StopRequested, StopSignals, stop_in_order

IGNORE_TERM = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
CHILDREN = {
    "stubborn": (IGNORE_TERM + "print('ready', flush=True); time.sleep(600)", 0),
    "spawner": (
        "import subprocess, sys, time; "
        f"g = subprocess.Popen([sys.executable, '-c', {IGNORE_TERM + 'time.sleep(600)'!r}], "
        "start_new_session=True); print('ready', g.pid, flush=True); time.sleep(600)",
        0,
    ),
    "redis": ("import time; print('ready', flush=True); time.sleep(600)", STAGE_REDIS),
}


def main() -> None:
    logs, grace = Path(sys.argv[1]), float(sys.argv[2])
    record = RunRecord.in_dir(Path(sys.argv[3]), "the test command").claim() if len(sys.argv) > 3 else None
    procs: list[ManagedProcess] = []
    with StopSignals() as signals:
        try:
            for name, (code, stage) in CHILDREN.items():
                argv = [sys.executable, "-c", code]
                procs.append(
                    ManagedProcess(name, argv, dict(os.environ), logs / f"{name}.log", stage).start()
                )
            print("started", flush=True)
            while True:
                for proc in procs:
                    proc.record()
                    if record is not None:
                        record.update(proc.name, proc.tree)
                time.sleep(0.2)
        except StopRequested as stop:
            print(f"stopping on {stop}", flush=True)
        finally:
            signals.stopping()
            stop_in_order(procs, grace, signals.urgent)
            if record is not None:
                record.release()
    print("stopped", flush=True)


if __name__ == "__main__":
    main()
