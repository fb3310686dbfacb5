"""`make lint` includes the flake8-bandit security rules (ruff's S), and the code passes them: every
finding is fixed, or ignored in pyproject.toml / inline with its reason."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from openoutreach.processes import PROJECT_DIR


def test_the_security_rules_are_part_of_lint_and_pass():
    config = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    assert "S" in config["tool"]["ruff"]["lint"]["select"]
    makefile = (PROJECT_DIR / "Makefile").read_text()
    lint = makefile[makefile.index("\nlint:") :].split("\n\n", 1)[0]
    assert "ruff check ." in lint
    ruff = Path(sys.executable).parent / "ruff"
    run = subprocess.run(
        [str(ruff), "check", "--output-format", "concise", "."],
        cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    security = [line for line in run.stdout.splitlines() if re.search(r": S\d{3} ", line)]
    assert security == []
