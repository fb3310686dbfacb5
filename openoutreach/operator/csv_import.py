"""Seeding discovered leads from a CSV of LinkedIn profile URLs (`manage.py load_profiles`).

Every row is validated and canonicalised (`canonical_profile_url`), so two spellings of one person are
one lead; people already in the CRM and repeats inside the file are skipped and reported with the line
they were on; a bad row is rejected with its reason and the rest goes on. The whole file is imported in
ONE transaction: an interrupted import (a crash, a kill) leaves nothing behind, never half a batch.

With a campaign, each listed person is recorded as the operator's pick for it (a Qualification with
label 1 and source "operator") unless that campaign already has a label for them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from openoutreach.linkedin.errors import InvalidProfileUrl
from openoutreach.linkedin.urls import canonical_profile_url, public_id_from_url
from openoutreach.outreach.models import Campaign, Qualification
from openoutreach.pipeline.leads import discover

URL_HEADERS = ("url", "profile_url", "profile url", "linkedin", "linkedin_url", "linkedin url", "profile")
MAX_URL_LENGTH = 300  # LinkedInProfile.url


class UnreadableCsv(ValueError):
    """The file as a whole cannot be imported (not text, no URL column); the message says why."""


@dataclass(frozen=True)
class Row:
    line: int
    value: str


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
    reader = csv.reader(io.StringIO(content), dialect)
    column: int | None = None
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if column is None:
            column = _url_column(cells, path)
            if column is None:  # the header row
                column = next(i for i, c in enumerate(cells) if c.strip().lower() in URL_HEADERS)
                continue
        yield Row(reader.line_num, cells[column].strip() if column < len(cells) else "")


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
) -> ImportReport:
    """Discover every valid row's person, in one transaction (see the module docstring)."""
    report = ImportReport()
    first_line: dict[str, int] = {}
    with transaction.atomic():
        for count, row in enumerate(rows, start=1):
            _import_row(row, base_url, campaign, source, report, first_line)
            if progress and count % 500 == 0:
                progress(count)
    return report


def _import_row(
    row: Row, base_url: str, campaign: Campaign | None, source: str, report: ImportReport, first_line: dict
) -> None:
    if not row.value:
        report.rejected.append(Skipped(row.line, row.value, "empty URL cell"))
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
