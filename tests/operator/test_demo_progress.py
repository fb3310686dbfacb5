"""`make demo` without a terminal: one plain progress line per interval, never a redrawn table."""

from __future__ import annotations

import io

from rich.console import Console

from openoutreach.demo_view import FunnelView, progress_line
from openoutreach.operator.funnel import STATES


def counts(**given: int) -> dict[str, int]:
    return {s: given.get(s, 0) for s in STATES}


def run_view(console: Console, seconds: int, interval: float = 30) -> None:
    with FunnelView(console, "OpenOutreach demo", "Admin http://127.0.0.1:8000/admin/", interval) as view:
        for elapsed in range(seconds + 1):  # the demo shows the funnel every second
            rows = [("devops", counts(discovered=elapsed, enriched=elapsed // 2, completed=elapsed // 60))]
            view.show(float(elapsed), rows)


def test_without_a_terminal_the_demo_prints_one_plain_line_per_interval():
    out = io.StringIO()
    run_view(Console(file=out, width=80), seconds=95)

    lines = out.getvalue().splitlines()
    assert lines == [
        "[    0s] devops: nobody yet",
        "[   30s] devops: 30 discovered, 15 enriched",
        "[   60s] devops: 60 discovered, 30 enriched, 1 completed",
        "[   90s] devops: 90 discovered, 45 enriched, 1 completed",
    ]
    assert "\x1b" not in out.getvalue()  # no cursor movement or colour codes in a log


def test_a_late_tick_still_gives_one_line_per_interval():
    out = io.StringIO()
    with FunnelView(Console(file=out), "demo", interval=30) as view:
        for elapsed in (0.4, 29.9, 31.7, 33.0, 59.0, 75.2, 91.0):  # a busy machine wakes up late
            view.show(elapsed, [("devops", counts())])
    assert [line.split("]")[0] for line in out.getvalue().splitlines()] == [
        "[    0s",
        "[   32s",
        "[   75s",
        "[   91s",
    ]


def test_on_a_terminal_the_table_is_redrawn_in_place():
    out = io.StringIO()
    run_view(Console(file=out, force_terminal=True, width=120), seconds=3)
    assert "\x1b[" in out.getvalue() and "discovered" in out.getvalue()  # rich's live redraw
    assert "[    0s]" not in out.getvalue()


def test_the_progress_line_names_every_campaign():
    line = progress_line(125, [("devops", counts(pending=2)), ("fintech", counts())])
    assert line == "[  125s] devops: 2 pending; fintech: nobody yet"
    assert progress_line(3, []) == "[    3s] no campaign yet"
