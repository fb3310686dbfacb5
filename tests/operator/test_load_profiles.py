"""`manage.py load_profiles`: good rows imported once, duplicates and bad rows reported by line with a
reason, parser errors rejected by line, imported in batches that other writers can slip between, and an
interrupted import keeps whole batches only and finishes when run again."""

from __future__ import annotations

import io
import signal
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from openoutreach.operator.csv_import import BATCH_ROWS
from openoutreach.outreach.models import ActionLog, LinkedInProfile, Qualification
from openoutreach.pipeline.leads import discover
from openoutreach.processes import PROJECT_DIR
from openoutreach.testing.fixtures import database_url

BASE = "https://www.linkedin.com"


def load(path, *args) -> str:
    out = io.StringIO()
    call_command("load_profiles", str(path), *args, stdout=out)
    return out.getvalue()


def test_good_duplicate_and_malformed_rows(workspace, tmp_path):
    discover(f"{BASE}/in/known-person/", "known-person")
    csv_file = tmp_path / "urls.csv"
    csv_file.write_text(
        "name;profile_url;note\n"                                         # 1 header (semicolons, as Excel writes)
        "Jane;https://www.linkedin.com/in/jane-doe/;\n"                   # 2 imported
        "Jane again;https://uk.linkedin.com/in/jane-doe?trk=abc#top;\n"   # 3 same person as line 2
        "Known;https://www.linkedin.com/in/known-person;\n"               # 4 already in the CRM
        "Bad host;https://example.com/in/x/;\n"                           # 5 rejected
        "Company;https://www.linkedin.com/company/acme/;\n"               # 6 rejected
        "Empty;;\n"                                                       # 7 rejected
        "Pasted;www.linkedin.com/in/j%C3%BCrgen-m;\n"                     # 8 imported (no scheme, encoded)
        "Self;https://www.linkedin.com/in/me/;\n"                         # 9 rejected
    )  # fmt: skip

    output = load(csv_file)

    assert output.splitlines()[0] == f"{csv_file}: 2 imported, 2 duplicate, 4 rejected"
    assert f"line 3: duplicate: {BASE}/in/jane-doe/ (same person as line 2)" in output
    assert f"line 4: duplicate: {BASE}/in/known-person/ (already in the CRM)" in output
    assert "line 5: rejected: not a LinkedIn host ('example.com')" in output
    assert "line 6: rejected: not a member profile URL" in output
    assert "line 7: rejected: empty URL cell" in output
    assert "line 9: rejected: no member id" in output
    urls = set(LinkedInProfile.objects.values_list("url", flat=True))
    assert {f"{BASE}/in/jane-doe/", f"{BASE}/in/jürgen-m/", f"{BASE}/in/known-person/"} <= urls

    again = load(csv_file)
    assert again.splitlines()[0] == f"{csv_file}: 0 imported, 4 duplicate, 4 rejected"


def test_a_file_without_header_and_the_campaign_picks(campaign, tmp_path):
    csv_file = tmp_path / "picks.csv"
    csv_file.write_text(f"{BASE}/in/ana/\n{BASE}/in/ben/\n")
    lead = discover(f"{BASE}/in/ben/", "ben").lead
    Qualification.objects.create(campaign=campaign, lead=lead, label=0, source="llm", reason="no fit")

    output = load(csv_file, "--campaign", "DEVOPS")

    assert (
        "1 imported, 1 duplicate, 0 rejected; campaign 'devops': 1 marked as your picks (1 already had a label)"
        in output
    )
    ana = Qualification.objects.get(lead__linkedin__public_identifier="ana")
    assert (ana.label, ana.source, ana.reason) == (1, "operator", "listed in picks.csv line 1")
    assert Qualification.objects.get(lead=lead).label == 0, "an existing label is not overwritten"


def test_files_that_cannot_be_imported_say_why(workspace, tmp_path):
    no_urls = tmp_path / "people.csv"
    no_urls.write_text("first,last\nJane,Doe\n")
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("url\nhttps://www.linkedin.com/in/j\xfcrgen/\n".encode("latin-1"))

    with pytest.raises(CommandError, match="no column of profile URLs"):
        load(no_urls)
    with pytest.raises(CommandError, match="not UTF-8 text"):
        load(latin1)
    with pytest.raises(CommandError, match="no campaign named 'nosuch'"):
        load(no_urls, "--campaign", "nosuch")
    assert not LinkedInProfile.objects.exists()


def _import_process(csv_file, *args) -> subprocess.Popen:
    """`manage.py load_profiles` in its own process, on the test database."""
    import os

    from django.db import connection

    env = {
        "DATABASE_URL": database_url(connection.settings_dict),  # SQLite file or PostgreSQL test database
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "openoutreach.settings",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "load_profiles", str(csv_file), *args],
        cwd=PROJECT_DIR, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.mark.slow
def test_an_import_killed_midway_keeps_whole_batches_and_a_rerun_finishes_it(
    transactional_db, workspace, tmp_path
):
    csv_file = tmp_path / "big.csv"
    csv_file.write_text("url\n" + "".join(f"{BASE}/in/person-{i}/\n" for i in range(5000)))
    child = _import_process(csv_file)
    try:
        first = child.stdout.readline()
        assert first.startswith("... 500 rows read"), first
        child.send_signal(signal.SIGKILL)  # mid-import: a batch half written, not committed
    finally:
        child.wait(30)
        child.stdout.close()

    assert child.returncode == -signal.SIGKILL
    kept = LinkedInProfile.objects.count()
    assert kept >= 500 and kept % BATCH_ROWS == 0  # whole batches only
    output = load(csv_file)
    assert f"{csv_file}: {5000 - kept} imported, {kept} duplicate, 0 rejected" in output.splitlines()
    assert LinkedInProfile.objects.count() == 5000


@pytest.mark.slow
def test_other_writers_commit_while_a_large_file_imports(transactional_db, workspace, tmp_path):
    """The workers record invitations in the same database: an import must not lock them out."""
    rows = 6 * BATCH_ROWS
    csv_file = tmp_path / "big.csv"
    csv_file.write_text("url\n" + "".join(f"{BASE}/in/writer-{i}/\n" for i in range(rows)))
    child = _import_process(csv_file)
    try:
        assert child.stdout.readline().startswith(f"... {BATCH_ROWS} rows read")  # the import is under way
        ActionLog.objects.create(kind=ActionLog.Kind.CONNECT, outcome=ActionLog.Outcome.OK, detail="worker")
        assert child.poll() is None and LinkedInProfile.objects.count() < rows, (
            "the write waited for the whole import"
        )
    finally:
        child.wait(120)
        child.stdout.close()
    assert child.returncode == 0 and LinkedInProfile.objects.count() == rows


def test_a_stray_quote_or_a_huge_field_rejects_its_line_and_the_rest_is_imported(workspace, tmp_path):
    csv_file = tmp_path / "broken.csv"
    csv_file.write_text(
        "url\n"                                          # 1
        f"{BASE}/in/before/\n"                           # 2 imported
        f'"{BASE}/in/open-quote/\n'                      # 3 rejected: the quote is never closed
        + "".join(f"{BASE}/in/after-{i}/\n" for i in range(8))  # 4-11 imported
        + "x" * 200_000 + "\n"                           # 12 rejected: over the parser's field limit
        f"{BASE}/in/last/\n"                             # 13 imported
        "a\x00b\n"                                       # 14 rejected: not a URL (NUL and all)
        f'"{BASE}/in/quoted/" \n'                         # 15 rejected: text after the closing quote
    )  # fmt: skip
    output = load(csv_file)
    assert output.splitlines()[0] == f"{csv_file}: 10 imported, 0 duplicate, 4 rejected", output
    assert "line 15: rejected: text after a closing quote" in output
    assert "line 3: rejected: a quote opened on this line is never closed" in output
    assert "line 12: rejected: a field longer than 131072 characters" in output
    assert "line 14: rejected: neither an absolute URL nor an /in/ path: 'a\\x00b'" in output


def test_spellings_of_one_vanity_name_are_one_lead(workspace, tmp_path):
    csv_file = tmp_path / "spellings.csv"
    csv_file.write_text(
        "url\n"
        f"{BASE}/in/jane-doe/\n"                          # 2 imported
        f"{BASE}/in/Jane-Doe/\n"                          # 3 same person
        f"{BASE}/in/jane\u200b-doe/\n"                    # 4 same person (zero-width space)
        "HTTPS://WWW.LINKEDIN.COM/IN/JANE-DOE/\n"         # 5 same person
        f"{BASE}/in/j\u00e9r\u00f4me/\n"                  # 6 imported (NFC)
        f"{BASE}/in/je\u0301ro\u0302me/\n"                # 7 same person (NFD)
        f"{BASE}/in/J%C3%A9r%C3%B4me/\n"                  # 8 same person (encoded, capitalised)
    )  # fmt: skip
    output = load(csv_file)
    assert output.splitlines()[0] == f"{csv_file}: 2 imported, 5 duplicate, 0 rejected", output
    assert set(LinkedInProfile.objects.values_list("url", flat=True)) == {
        f"{BASE}/in/jane-doe/",
        f"{BASE}/in/j\u00e9r\u00f4me/",
    }
