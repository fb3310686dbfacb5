"""The Dockerfile's base image is a build argument and its CA bundle an optional BuildKit secret that
never lands in a layer. No Docker engine runs here: the file is read instruction by instruction, as
Docker reads it, and its Python version check is run with this machine's Python."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined and comments dropped."""
    lines = [ln for ln in (ROOT / "Dockerfile").read_text().splitlines() if not ln.lstrip().startswith("#")]
    text = "\n".join(lines).replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            found.append((word.upper(), rest.strip()))
    return found


def test_the_base_image_is_a_build_argument_defaulting_to_the_official_python_image():
    steps = instructions()
    assert steps[0] == ("ARG", "BASE_IMAGE=python:3.11-slim-bookworm")
    assert steps[1] == ("FROM", "${BASE_IMAGE}")
    assert [s for s in steps if s[0] == "FROM"] == [steps[1]]  # one stage: the argument is the only base
    assert not (ROOT / "Dockerfile").read_text().startswith("# syntax=")  # would pull a frontend image


def test_a_plain_debian_base_gets_debians_python_and_everything_runs_from_one_venv():
    run = " ".join(args for word, args in instructions() if word == "RUN" and "chromium" in args)
    assert "apt-get install -y --no-install-recommends python3 python3-venv" in run
    assert "python3 -m venv /opt/venv" in run
    env = " ".join(args for word, args in instructions() if word == "ENV")
    assert "PATH=/opt/venv/bin:$PATH" in env  # `python` in compose/start-* is the venv's on either base


def test_the_python_version_check_accepts_311_and_names_any_other():
    run = " ".join(args for word, args in instructions() if word == "RUN" and "chromium" in args)
    check = re.search(r'python3 -c "(import sys; v = sys.version_info.*?)"', run).group(1)
    ok = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr  # this machine runs 3.11
    other = check.replace("v = sys.version_info[:2]", "v = (3, 12)")
    refused = subprocess.run([sys.executable, "-c", other], capture_output=True, text=True)
    assert refused.returncode == 1 and "needs Python 3.11; the base image has 3.12" in refused.stderr


def test_the_ca_bundle_is_a_secret_of_the_pip_step_only():
    steps = instructions()
    pip = [args for word, args in steps if word == "RUN" and "pip install" in args]
    assert len(pip) == 1 and pip[0].startswith("--mount=type=secret,id=ca --mount=type=secret,id=pipconf ")
    assert "if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi" in pip[0]
    # a pip.conf (mirror / proxy index, possibly with credentials) the same way; PIP_CERT still wins
    conf = "if [ -s /run/secrets/pipconf ]; then export PIP_CONFIG_FILE=/run/secrets/pipconf; fi"
    assert conf in pip[0] and pip[0].index(conf) < pip[0].index("PIP_CERT")
    assert "pip install -r requirements/production.txt" in pip[0]
    everything_else = " ".join(f"{w} {a}" for w, a in steps if a not in pip)
    assert "secrets" not in everything_else and "PIP_CERT" not in everything_else
    assert "PIP_CONFIG_FILE" not in everything_else
    assert not [a for w, a in steps if w in ("COPY", "ADD") and re.search(r"\.(crt|pem)\b", a)]
