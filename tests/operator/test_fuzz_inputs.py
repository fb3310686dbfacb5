"""Property-based fuzzing (Hypothesis, bounded) of the parsers of operator-supplied input: profile URLs
and CSV files. Zero tracebacks: every input is a result or a named error, and every bad row a reason."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from openoutreach.linkedin.errors import InvalidProfileUrl
from openoutreach.linkedin.urls import canonical_profile_url, public_id_from_url
from openoutreach.operator import csv_import
from openoutreach.operator.csv_import import UnreadableCsv, import_profiles, read_rows

BASE = "https://www.linkedin.com"
BOUNDED = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

_url_parts = st.sampled_from(
    ["https://", "HTTPS://", "http://", "www.", "linkedin.com", "uk.linkedin.com", "/in/", "/IN/", "/company/",
     "%C3%A9", "%", "?", "#", "/", "\u200b", "\ufeff", "\n", " ", "..", "me", "jane-doe", "J\u00e9r\u00f4me",
     "e\u0301", "\x00", "<", ":", "@", "[", "]", ":99999", "::1"]
)  # fmt: skip
_urls = st.one_of(st.text(max_size=60), st.lists(_url_parts, max_size=8).map("".join))
_ids = st.text(
    alphabet=st.characters(codec="utf-8", categories=["Ll", "Lu", "Nd"], include_characters="-_"),
    min_size=1,
    max_size=30,
)


@BOUNDED
@given(url=_urls)
@example(url="https://[/in/jane")  # urlsplit's ValueError (an IPv6 host never closed) escaped before
def test_any_text_is_a_canonical_profile_url_or_a_named_rejection(url):
    try:
        canonical = canonical_profile_url(url, BASE)
    except InvalidProfileUrl as exc:
        assert str(exc)
        return
    public_id = public_id_from_url(canonical, BASE)
    assert canonical == f"{BASE}/in/{public_id}/"
    assert canonical_profile_url(canonical, BASE) == canonical  # idempotent
    assert public_id == unicodedata.normalize("NFC", public_id).lower()


@BOUNDED
@given(public_id=_ids)
def test_every_spelling_of_a_vanity_name_is_one_url(public_id):
    try:
        expected = canonical_profile_url(f"{BASE}/in/{public_id}/", BASE)
    except InvalidProfileUrl:
        return  # e.g. "me": not a member
    spellings = [
        f"{BASE}/in/{public_id.upper()}/",
        f"HTTPS://WWW.LINKEDIN.COM/IN/{public_id}",
        f"{BASE}/in/{unicodedata.normalize('NFD', public_id)}/?trk=x",
        f"{BASE}/in/\u200b{public_id}\u200d/",
    ]
    for spelling in spellings:
        if public_id.upper().lower() != public_id.lower() and spelling == spellings[0]:
            continue  # a letter whose upper case lower-cases to something else (e.g. U+0130)
        assert canonical_profile_url(spelling, BASE) == expected, spelling


_cells = st.one_of(
    _urls,
    _ids.map(lambda i: f"{BASE}/in/{i}/"),
    st.sampled_from(['"', '""', ",", ";", "\t", "\r\n", "\n", "url", "\x00", "x" * 140_000]),
)
_csv_text = st.lists(st.lists(_cells, min_size=1, max_size=3).map(",".join), max_size=12).map("\n".join)


@pytest.mark.django_db
@BOUNDED
@given(text=_csv_text)
def test_any_csv_imports_or_says_why_and_every_row_is_accounted_for(
    workspace, tmp_path_factory, monkeypatch, text
):
    monkeypatch.setattr(csv_import, "SQLITE_WRITER_GAP_SECONDS", 0)  # small batches, no pause between
    path = tmp_path_factory.mktemp("csv") / "fuzz.csv"
    path.write_text(text, encoding="utf-8")
    try:
        rows = list(read_rows(path))
    except UnreadableCsv as exc:
        assert str(exc)
        return
    report = import_profiles(iter(rows), BASE, batch_rows=5)
    accounted = len(report.imported) + len(report.duplicates) + len(report.rejected)
    assert accounted == len(rows)
    assert all(skipped.reason for skipped in [*report.duplicates, *report.rejected])
    assert sorted({row.line for row in rows}) == sorted(row.line for row in rows)  # one result per line
