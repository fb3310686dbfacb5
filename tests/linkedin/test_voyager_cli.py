"""`python -m openoutreach.linkedin.voyager FILE.json` prints the parsed profile, or a clear error."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "openoutreach.linkedin.voyager", *args],
        capture_output=True,
        text=True,
        input=stdin,
        timeout=60,
    )


def test_prints_the_parsed_profile_as_json(tmp_path, samples):
    path = tmp_path / "jane.json"
    path.write_text(json.dumps(samples.full_response()))

    done = run(str(path), "--public-id", "alice-viewer")

    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert printed["full_name"] == "Alice Viewer"
    assert printed["url"] == "https://www.linkedin.com/in/alice-viewer/"
    assert "positions" in printed["missing"]


def test_reads_stdin(samples):
    done = run("-", stdin=json.dumps(samples.full_response()))

    assert done.returncode == 0
    assert json.loads(done.stdout)["positions"][0]["company_name"] == "Acme"


@pytest.mark.parametrize(("content", "message"), [("{not json", "is not valid JSON"), (None, "cannot read")])
def test_unreadable_or_invalid_json_fails_clearly(tmp_path, content, message):
    path = tmp_path / "capture.json"
    if content is not None:
        path.write_text(content)

    done = run(str(path))

    assert done.returncode == 2
    assert message in done.stderr and done.stdout == ""


def test_a_response_without_a_profile_exits_non_zero_with_warnings(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text(json.dumps({"data": {}, "included": []}))

    done = run(str(path))

    assert done.returncode == 1
    assert "no member profile" in done.stderr
    assert json.loads(done.stdout)["missing"] == ["profile"]


def test_json_nested_too_deeply_fails_clearly(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000)

    done = run(str(path))

    assert done.returncode == 2
    assert "nested too deeply" in done.stderr and done.stdout == ""


def test_reads_a_graphql_capture_without_an_id(tmp_path, samples):
    path = tmp_path / "graphql.json"
    path.write_text(json.dumps(samples.graphql_response(pending=True)))

    done = run(str(path))

    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert (printed["full_name"], printed["source_shape"]) == ("Jane Doe", "graphql")
    assert (printed["connection_degree"], printed["invitation_pending"]) == (3, True)


def test_a_profile_urn_chooses_the_member(tmp_path, samples):
    path = tmp_path / "graphql.json"
    path.write_text(json.dumps(samples.graphql_response()))

    done = run(str(path), "--public-id", "urn:li:fsd_profile:ACoAAViewer")

    assert done.returncode == 0 and json.loads(done.stdout)["full_name"] == "Alice Viewer"


def test_two_profiles_without_an_envelope_is_exit_1_with_the_warning(tmp_path, samples):
    data = samples.graphql_response()
    data["data"] = {"data": {}}
    path = tmp_path / "graphql.json"
    path.write_text(json.dumps(data))

    done = run(str(path))

    assert done.returncode == 1
    assert "warning: cannot tell which of 2 Profile entities" in done.stderr
