"""Read the built marts back from the analytics DuckDB file (read-only: the builder may run beside us)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

MARTS = (
    "campaign_funnel",
    "account_daily_actions",
    "campaign_decisions",
    "campaign_decisions_daily",
    "campaign_sequence_steps",
    "campaign_withdrawals",
    "mart_connection_accepted",
)


def read_mart(analytics_db: Path, name: str) -> list[dict[str, Any]]:
    """Every row of `marts.<name>` as dicts, in the mart's own order."""
    if name not in MARTS:
        raise ValueError(f"unknown mart {name!r}; marts are {', '.join(MARTS)}")
    if not analytics_db.is_file():
        raise FileNotFoundError(f"{analytics_db} does not exist yet: run `python manage.py run_analytics`")
    with duckdb.connect(str(analytics_db), read_only=True) as con:
        cursor = con.execute(f"select * from marts.{name}")  # name is one of MARTS, never user text
        columns = [d[0] for d in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def format_table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain-text table for the terminal."""
    if not rows:
        return "(no rows)"
    cells = [[str(r[c]) if r[c] is not None else "" for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.rjust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)
