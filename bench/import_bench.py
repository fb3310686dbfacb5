"""A large CSV import beside a concurrent writer (what the workers are while they record invitations).

    .venv/bin/python bench/import_bench.py [--rows 10000]

Builds a throw-away CRM (SQLite in a temp dir), imports `--rows` profile URLs with `load_profiles`
while another thread writes an ActionLog row every 0.2 s, and prints the import rate and how long the
writer waited at most. Measured 2026-12-02 (2 shared cores, 10,000 rows): 16 s, writer waited <= 0.9 s
(one transaction for the whole file: 11 s, the writer blocked for all of it; at 40,000 rows past
SQLite's 30 s timeout, "database is locked").
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    rows = parser.parse_args().rows
    tmp = Path(tempfile.mkdtemp(prefix="import-bench-"))
    os.environ.update({"DATA_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp / 'db.sqlite3'}",
                       "DJANGO_SETTINGS_MODULE": "openoutreach.settings", "LOG_LEVEL": "WARNING"})  # fmt: skip
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from openoutreach.outreach.models import ActionLog
    from openoutreach.pipeline.crm_setup import ensure_workspace

    call_command("migrate", verbosity=0)
    ensure_workspace()
    csv_file = tmp / "big.csv"
    csv_file.write_text("url\n" + "".join(f"https://www.linkedin.com/in/person-{i}/\n" for i in range(rows)))
    waits: list[float] = []
    errors: list[str] = []
    done = threading.Event()

    def writer() -> None:
        while not done.is_set():
            start = time.monotonic()
            try:
                ActionLog.objects.create(kind=ActionLog.Kind.CONNECT, outcome=ActionLog.Outcome.OK)
                waits.append(time.monotonic() - start)
            except Exception as exc:  # the failure is the measurement
                errors.append(repr(exc))
            done.wait(0.2)
        connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    start = time.monotonic()
    call_command("load_profiles", str(csv_file), stdout=io.StringIO())
    elapsed = time.monotonic() - start
    done.set()
    thread.join()
    print(f"{rows} rows imported in {elapsed:.1f} s ({rows / elapsed:.0f} rows/s)")
    print(f"concurrent writer: {len(waits)} writes, {len(errors)} failed, longest wait {max(waits):.2f} s")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
