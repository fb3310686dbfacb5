"""`manage.py load_profiles`: good rows imported once, duplicates and bad rows reported by line with a
reason, and an interrupted import leaves nothing behind."""

from __future__ import annotations

import io
import signal
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from openoutreach.outreach.models import LinkedInProfile, Qualification
from openoutreach.pipeline.leads import discover
from openoutreach.processes import PROJECT_DIR

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


@pytest.mark.slow
def test_an_import_killed_midway_leaves_no_half_batch(transactional_db, workspace, tmp_path):
    from django.db import connection

    csv_file = tmp_path / "big.csv"
    csv_file.write_text("url\n" + "".join(f"{BASE}/in/person-{i}/\n" for i in range(5000)))
    env = {
        "DATABASE_URL": f"sqlite:///{connection.settings_dict['NAME']}",
        "PYTHONUNBUFFERED": "1",
        "DJANGO_SETTINGS_MODULE": "openoutreach.settings",
    }
    import os

    child = subprocess.Popen(
        [sys.executable, "manage.py", "load_profiles", str(csv_file)],
        cwd=PROJECT_DIR, env={**os.environ, **env}, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = child.stdout.readline()
        assert first.startswith("... 500 rows read"), first
        child.send_signal(signal.SIGKILL)  # mid-import: hundreds of rows written, not committed
    finally:
        child.wait(30)
        child.stdout.close()

    assert child.returncode == -signal.SIGKILL
    assert LinkedInProfile.objects.count() == 0
