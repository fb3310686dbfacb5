"""Seeding discovered leads from a CSV of LinkedIn profile URLs (`manage.py load_profiles`).

Every row is validated and canonicalised (`canonical_profile_url`), so two spellings of one person are
one lead; people already in the CRM and repeats inside the file are skipped and reported with the line
they were on; a bad row is rejected with its reason and the rest goes on. A line the CSV parser cannot
read (a quote never closed, a field over the parser's limit, a NUL byte) is rejected with its line
number and parsing resumes on the next line, so one stray quote never swallows the rest of the file.

The file is imported in batches of BATCH_ROWS rows, each in its own transaction: the workers that
record invitations write to the same database, and on SQLite one transaction for a 40k-row file locked
them out for minutes. An interrupted import (a crash, a kill) keeps the batches committed before it and
never half a batch; running the same file again finishes it (the rows already imported are reported as
already in the CRM, and picks already recorded are left as they are).

With a campaign, each listed person is recorded as the operator's pick for it (a Qualification with
label 1 and source "operator") unless that campaign already has a label for them.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction

from openoutreach.linkedin.errors import InvalidProfileUrl
from openoutreach.linkedin.urls import canonical_profile_url, public_id_from_url
from openoutreach.outreach.models import Campaign, Qualification
from openoutreach.pipeline.leads import discover

URL_HEADERS = ("url", "profile_url", "profile url", "linkedin", "linkedin_url", "linkedin url", "profile")
MAX_URL_LENGTH = 300  # LinkedInProfile.url
BATCH_ROWS = 500  # rows per transaction: short enough that other writers wait a second or two, not minutes
# SQLite's busy handler polls every 100 ms at most and grants nothing in order: an importer that starts
# its next batch at once can win the lock every time. A pause longer than one poll lets waiting writers in.
SQLITE_WRITER_GAP_SECONDS = 0.15


class UnreadableCsv(ValueError):
    """The file as a whole cannot be imported (not text, no URL column); the message says why."""


@dataclass(frozen=True)
class Row:
    """The URL cell of one data row; `problem` says why the line could not even be parsed."""

    line: int
    value: str
    problem: str = ""


@dataclass(frozen=True)
class Skipped:
    line: int
    value: str
    reason: str


@dataclass
class ImportReport:
    imported: list[Row] = field(default_factory=list)
    duplicates: list[Skipped] = field(default_factory=list)
    rejected: list[Skipped] = field(default_factory=list)
    picked: int = 0  # marked as the operator's pick for the campaign
    already_labelled: int = 0

    def summary(self, name: str, campaign: Campaign | None = None) -> str:
        head = (
            f"{name}: {len(self.imported)} imported, {len(self.duplicates)} duplicate, "
            f"{len(self.rejected)} rejected"
        )
        if campaign is not None:
            head += (
                f"; campaign {campaign.name!r}: {self.picked} marked as your picks"
                f" ({self.already_labelled} already had a label)"
            )
        lines = [head]
        problems = [(s, "duplicate") for s in self.duplicates] + [(s, "rejected") for s in self.rejected]
        for skipped, what in sorted(problems, key=lambda p: p[0].line):
            lines.append(f"  line {skipped.line}: {what}: {skipped.reason}")
        return "\n".join(lines)


def read_rows(path: Path) -> Iterator[Row]:
    """The URL cell of every data row, with its line number in the file.

    The URL column is the one whose header is `url` (or `profile_url`, `linkedin`, ...); without such a
    header, the first row must hold a profile URL, and its column is the one read.
    """
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableCsv(f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8 CSV") from None
    except OSError as exc:
        raise UnreadableCsv(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        dialect = csv.Sniffer().sniff(content[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # one column, or too little text to tell: commas
    column: int | None = None
    for line, cells, problem in _records(content.splitlines(keepends=True), dialect):
        if problem:
            yield Row(line, "", problem)
            continue
        if not any(c.strip() for c in cells):
            continue
        if column is None:
            column = _url_column(cells, path)
            if column is None:  # the header row
                column = next(i for i, c in enumerate(cells) if c.strip().lower() in URL_HEADERS)
                continue
        yield Row(line, cells[column].strip() if column < len(cells) else "")


def _records(lines: list[str], dialect) -> Iterator[tuple[int, list[str], str]]:
    """(first line number, cells, problem) per CSV record. A record the parser rejects is reported on
    the line it started on, and parsing starts again on the next line (see the module docstring)."""
    start = 0  # index of the first line the current reader reads
    while start < len(lines):
        reader = csv.reader((lines[i] for i in range(start, len(lines))), dialect, strict=True)  # no copy
        first = start + 1  # 1-based number of the line the next record starts on
        try:
            for cells in reader:
                yield first, cells, ""
                first = start + reader.line_num + 1
            return
        except csv.Error as exc:
            yield first, [], _parse_problem(str(exc), lines[first - 1], dialect.quotechar)
            start = first  # the line after the one the broken record started on


def _parse_problem(error: str, line_text: str, quotechar: str | None) -> str:
    """Why the record starting on `line_text` could not be parsed, in the operator's words."""
    if quotechar and line_text.count(quotechar) % 2:
        return "a quote opened on this line is never closed (it would swallow the lines after it)"
    if "field larger than field limit" in error:
        return f"a field longer than {csv.field_size_limit()} characters"
    if "expected after" in error:
        return 'text after a closing quote (a quote inside a quoted field must be doubled: "")'
    return f"unreadable CSV line: {error}"


def _url_column(first: list[str], path: Path) -> int | None:
    """The URL column when the first row is already data, None when it is a header naming the column."""
    if any(c.strip().lower() in URL_HEADERS for c in first):
        return None
    for index, cell in enumerate(first):
        if "/in/" in cell or "linkedin." in cell.lower():
            return index
    raise UnreadableCsv(
        f"{path}: no column of profile URLs: name it 'url' in a header row, or start the file with a row "
        f"holding a profile URL (first row was {', '.join(first)[:120]!r})"
    )


def import_profiles(
    rows: Iterator[Row],
    base_url: str,
    campaign: Campaign | None = None,
    source: str = "CSV",
    progress: Callable[[int], None] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> ImportReport:
    """Discover every valid row's person, BATCH_ROWS rows per transaction (see the module docstring);
    `progress(rows read)` is called after each committed batch but the last."""
    report = ImportReport()
    first_line: dict[str, int] = {}
    batch: list[Row] = []
    for count, row in enumerate(rows, start=1):
        batch.append(row)
        if len(batch) == batch_rows:
            _import_batch(batch, base_url, campaign, source, report, first_line)
            batch = []
            if progress:
                progress(count)
            if connection.vendor == "sqlite":
                time.sleep(SQLITE_WRITER_GAP_SECONDS)
    _import_batch(batch, base_url, campaign, source, report, first_line)
    return report


def _import_batch(
    batch: list[Row],
    base_url: str,
    campaign: Campaign | None,
    source: str,
    report: ImportReport,
    first_line: dict,
) -> None:
    with transaction.atomic():
        for row in batch:
            _import_row(row, base_url, campaign, source, report, first_line)


def _import_row(
    row: Row, base_url: str, campaign: Campaign | None, source: str, report: ImportReport, first_line: dict
) -> None:
    if row.problem:
        report.rejected.append(Skipped(row.line, row.value, row.problem))
        return
    if not row.value:
        report.rejected.append(Skipped(row.line, row.value, "empty URL cell"))
        return
    if len(row.value) > 4 * MAX_URL_LENGTH:  # before any parsing: a pasted essay is not a URL
        report.rejected.append(Skipped(row.line, row.value[:80], f"longer than {MAX_URL_LENGTH} characters"))
        return
    value = row.value
    if "://" not in value and value.lower().split("/", 1)[0].endswith("linkedin.com"):
        value = f"https://{value}"  # pasted without the scheme: www.linkedin.com/in/jane
    try:
        url = canonical_profile_url(value, base_url)
        public_id = public_id_from_url(url, base_url)
    except InvalidProfileUrl as exc:
        report.rejected.append(Skipped(row.line, row.value, str(exc)))
        return
    if len(url) > MAX_URL_LENGTH:
        report.rejected.append(Skipped(row.line, row.value, f"URL longer than {MAX_URL_LENGTH} characters"))
        return
    if url in first_line:
        report.duplicates.append(
            Skipped(row.line, row.value, f"{url} (same person as line {first_line[url]})")
        )
        return
    first_line[url] = row.line
    found = discover(url, public_id)
    if found.created:
        report.imported.append(Row(row.line, url))
    else:
        report.duplicates.append(Skipped(row.line, row.value, f"{url} (already in the CRM)"))
    if campaign is not None:
        _, created = Qualification.objects.get_or_create(
            campaign=campaign,
            lead=found.lead,
            defaults={
                "label": 1,
                "source": Qualification.Source.OPERATOR,
                "reason": f"listed in {source} line {row.line}",
            },
        )
        report.picked += created
        report.already_labelled += not created
