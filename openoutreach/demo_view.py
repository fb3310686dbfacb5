"""How `make demo` shows its funnel: a live table redrawn in place on a terminal, and one plain progress
line per interval anywhere else (a log file, CI, `make demo > out.txt`), where a redrawn table would land
as fragments of 80-column boxes."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.live import Live
from rich.measure import Measurement
from rich.table import Table

from openoutreach.operator.funnel import STATES

PROGRESS_LINE_SECONDS = 30.0  # without a terminal: one line every 30 s of the demo (plus one at start)

FunnelRow = tuple[str, dict[str, int]]  # (campaign name, people per state)


def funnel_table(title: str, rows: Sequence[FunnelRow], caption: str = "") -> Table:
    table = Table(title=title, caption=caption or None)
    table.add_column("campaign")
    for state in STATES:
        table.add_column(state, justify="right")
    for name, counts in rows:
        table.add_row(name, *(str(counts[s]) for s in STATES))
    return table


def print_whole(console: Console, table: Table) -> None:
    """Print `table` once: on a terminal within its width; elsewhere (no width is known: a log file) at its
    natural width, never squeezed into 80 columns with its names cut to `camp…`."""
    if console.is_terminal:
        console.print(table)
        return
    natural = Measurement.get(console, console.options.update_width(10_000), table).maximum
    narrow = console.width
    console.width = max(narrow, natural)  # print() never renders wider than the console
    try:
        console.print(table)
    finally:
        console.width = narrow


def progress_line(elapsed: float, rows: Sequence[FunnelRow]) -> str:
    """`[  90s] devops: 12 discovered, 8 enriched, ...` (states at zero left out; `no campaign yet`)."""
    parts = [
        f"{name}: " + (", ".join(f"{counts[s]} {s}" for s in STATES if counts[s]) or "nobody yet")
        for name, counts in rows
    ]
    return f"[{elapsed:5.0f}s] " + ("; ".join(parts) or "no campaign yet")


class FunnelView:
    """Shows the funnel each time `show()` is called (the demo calls it every second)."""

    def __init__(
        self, console: Console, title: str, caption: str = "", interval: float = PROGRESS_LINE_SECONDS
    ):
        self.console, self.title, self.caption, self.interval = console, title, caption, interval
        self.live: Live | None = None
        self.next_line = 0.0

    def __enter__(self) -> FunnelView:
        if self.console.is_terminal:
            self.live = Live(funnel_table(self.title, []), console=self.console, refresh_per_second=1)
            self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self.live is not None:
            self.live.__exit__(*exc)

    def show(self, elapsed: float, rows: Sequence[FunnelRow]) -> None:
        if self.live is not None:
            self.live.update(funnel_table(f"{self.title} — {elapsed:.0f}s", rows, self.caption))
        elif elapsed >= self.next_line:
            self.console.file.write(progress_line(elapsed, rows) + "\n")
            self.console.file.flush()
            self.next_line = elapsed - elapsed % self.interval + self.interval
