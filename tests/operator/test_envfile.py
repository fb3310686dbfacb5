"""The data directory's env file: owner-only, atomic, other lines kept, any value read back exactly."""

from __future__ import annotations

import stat

import pytest
from dotenv import dotenv_values

from openoutreach.operator import envfile


def test_values_round_trip_and_other_lines_survive(tmp_path):
    path = tmp_path / "openoutreach.env"
    path.write_text("# mine\nDEBUG=true\nLLM_API_KEY=old\nexport AI_MODEL=gpt-4\n")
    path.chmod(0o644)

    tricky = "sk-'quoted' \\back\\slash $HOME #not-a-comment"
    envfile.update(path, {"LLM_API_KEY": tricky, "AI_MODEL": None, "LLM_API_BASE": "http://h:1/v1"})

    assert dotenv_values(path) == {"DEBUG": "true", "LLM_API_KEY": tricky, "LLM_API_BASE": "http://h:1/v1"}
    assert path.read_text().startswith("# mine\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["openoutreach.env"], "no temp file left behind"


def test_a_value_with_a_newline_is_refused_and_the_file_is_untouched(tmp_path):
    path = tmp_path / "openoutreach.env"
    envfile.update(path, {"AI_MODEL": "a"})
    before = path.read_text()
    with pytest.raises(ValueError, match="one line"):
        envfile.update(path, {"AI_MODEL": "a\nDEBUG=true"})
    assert path.read_text() == before
