"""`make demo` without a terminal: one plain progress line per interval, never a redrawn table, and the
final table whole; the closing message about the first Completed person agrees with that table."""

from __future__ import annotations

import io
import re
import time
from datetime import timedelta

from django.utils import timezone
from rich.console import Console
from rich.text import Text

from openoutreach.demo import Demo, _summary, completed_message
from openoutreach.demo_view import FunnelView, funnel_table, print_whole, progress_line
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


def test_without_a_terminal_the_final_table_is_printed_whole():
    out = io.StringIO()
    console = Console(file=out)  # not a terminal: rich assumes 80 columns
    rows = [("devops (sandbox)", counts(discovered=176, disqualified=43, pending=6, completed=2))]
    print_whole(console, funnel_table("OpenOutreach demo — 247s", rows, "Admin http://127.0.0.1:8000/admin/"))

    lines = out.getvalue().splitlines()
    header = next(line for line in lines if "campaign" in line)
    assert all(state in header for state in STATES)  # every name whole, none cut to `disc…`
    assert "…" not in out.getvalue() and "\x1b" not in out.getvalue()
    body = next(line for line in lines if "devops (sandbox)" in line)  # one line per campaign
    assert cells(body) == ["devops (sandbox)", "176", "0", "0", "43", "6", "0", "2", "0", "0"]
    assert max(len(line) for line in lines) > 80
    assert console.width == 80  # the console's later lines are as before


def test_on_a_terminal_the_final_table_keeps_to_the_terminal_width():
    out = io.StringIO()
    print_whole(
        Console(file=out, force_terminal=True, width=70), funnel_table("demo", [("devops", counts())])
    )
    assert max(len(line) for line in Text.from_ansi(out.getvalue()).plain.splitlines()) <= 70


def test_the_closing_message():
    assert completed_message(None, 241.4) == "No one reached Completed in 241 s"
    assert completed_message(107.6, 241.4) == "First Completed after 108 s"


def test_the_closing_message_agrees_with_the_final_table(pipeline, tmp_path):
    """The person reached Completed after the live view's last look (a follow-up finished during the
    workers' grace): the closing message, read from the same CRM as the final table, still names it."""
    started_at = timezone.now() - timedelta(seconds=90)
    demo = Demo(tmp_path / "demo", seconds=90, started_at=started_at)
    demo.ports = {"web": 8000, "flower": 5555}
    assert demo.first_completed is None  # the live view never saw a Completed person

    out = io.StringIO()
    status = _summary(demo, Console(file=out), time.monotonic() - 90, problems=[])

    text = out.getvalue()
    body = next(line for line in text.splitlines() if "devops" in line)
    assert cells(body)[1 + STATES.index("completed")] == "1"  # the table shows one Completed person
    assert "No one reached Completed" not in text
    seconds = int(re.search(r"First Completed after (\d+) s", text).group(1))
    assert 89 <= seconds <= 90 + (timezone.now() - started_at).total_seconds()
    assert status == 0


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("│").split("│")]
