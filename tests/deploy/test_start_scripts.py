"""compose/start-* exec the same process roles as `make run` (the launcher) and the Makefile, and they
really start: the ML worker script brings up a solo worker on `ml` against a real Redis."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import dj_database_url
import pytest

ROOT = Path(__file__).resolve().parents[2]
# Options that only say where or how loudly a process runs (ports, bind address, log level, pool sizes
# of the web server, the beat schedule file): they differ between a laptop and a container.
PLACEMENT = {"-l", "--loglevel", "-s", "--bind", "--workers", "--threads", "--access-logfile"}
PLACEMENT_PREFIXES = ("--address=", "--port=")


def role(argv: list[str]) -> list[str]:
    """argv without interpreter paths and placement options: `python -m celery` == `celery`."""
    argv = ["python" if Path(a).name.startswith("python") or a == "$(PY)" else a for a in argv]
    argv = [re.sub(r"^\$\(VENV\)/bin/", "", a) for a in argv]
    if argv[:3] in (["python", "-m", "celery"], ["python", "-m", "gunicorn"]):
        argv = argv[2:]
    kept, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in PLACEMENT:
            skip = True
        elif not a.startswith(PLACEMENT_PREFIXES):
            kept.append(a)
    return kept


def makefile_recipe(target: str) -> list[str]:
    """The first command of a Makefile target (after its dependency line)."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    return lines[start + 1].strip().lstrip("@").split()


def test_start_scripts_are_executable_shell_scripts_that_exec_their_process(deploy):
    roles = {*deploy.django_roles, "sandbox"}  # the sandbox: rehearsals only (compose profile `sandbox`)
    assert {p.name for p in deploy.start_scripts} == {f"start-{r}" for r in roles}
    for script in [*deploy.start_scripts, ROOT / "compose" / "entrypoint"]:
        text = script.read_text()
        assert os.access(script, os.X_OK), f"{script.name} is not executable"
        assert text.startswith("#!/bin/sh\n") and "\nset -eu\n" in text, script.name
    assert os.access(ROOT / "compose" / "healthcheck", os.X_OK)
    for script in deploy.start_scripts:
        assert deploy.exec_argv(script), script.name  # exactly one `exec` line (PID 1's child is the role)


def test_each_start_script_runs_the_launchers_role(deploy, db, monkeypatch):
    """`make run` (openoutreach.launcher) and compose run the same commands, placement aside."""
    from openoutreach.launcher import build_topology

    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")  # skip the private Redis; nothing connects
    topology = build_topology().processes
    for name in deploy.django_roles:
        script = ROOT / "compose" / f"start-{name}"
        assert role(deploy.exec_argv(script)) == role(topology[name]), name


def test_each_start_script_matches_its_makefile_target(deploy):
    for name in ("beat", "worker-default", "worker-ml", "supervisor"):
        script = ROOT / "compose" / f"start-{name}"
        assert role(deploy.exec_argv(script)) == role(makefile_recipe(name)), name
    assert "flower:" in (ROOT / "Makefile").read_text()


def test_the_entrypoint_builds_the_database_url_from_the_env_file_values(tmp_path):
    password = "p@ss:w/rd %d#1"
    env = {"PATH": os.environ["PATH"], "POSTGRES_PASSWORD": password, "POSTGRES_HOST": "postgres"}
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    run = subprocess.run(
        [
            str(ROOT / "compose" / "entrypoint"),
            "python",
            "-c",
            "import os; print(os.environ['DATABASE_URL'])",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert run.returncode == 0, run.stderr
    url = run.stdout.strip()
    assert password not in url  # URL-encoded
    parsed = dj_database_url.parse(url)  # what settings.py does with DATABASE_URL (environs)
    assert parsed["PASSWORD"] == password and parsed["HOST"] == "postgres" and parsed["PORT"] == 5432
    assert parsed["NAME"] == "openoutreach" and parsed["USER"] == "openoutreach"
    assert parsed["ENGINE"] == "django.db.backends.postgresql"
    # an explicit DATABASE_URL wins
    env["DATABASE_URL"] = "sqlite:////data/db.sqlite3"
    run = subprocess.run(
        [str(ROOT / "compose" / "entrypoint"), "sh", "-c", 'echo "$DATABASE_URL"'],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.stdout.strip() == "sqlite:////data/db.sqlite3"


def test_flower_refuses_to_start_without_a_password():
    env = {k: v for k, v in os.environ.items() if k != "FLOWER_PASSWORD"}
    run = subprocess.run(
        [str(ROOT / "compose" / "start-flower")], env=env, capture_output=True, text=True, timeout=30
    )
    assert run.returncode != 0
    assert "set FLOWER_PASSWORD in .env" in run.stderr


@pytest.mark.slow
def test_the_ml_worker_script_starts_a_solo_worker_on_the_ml_queue(processes, redis_server):
    from openoutreach.celery import app

    node = f"ml@{socket.gethostname()}"
    path = f"{Path(sys.executable).parent}:{os.environ['PATH']}"
    proc = processes("compose-worker-ml", [str(ROOT / "compose" / "start-worker-ml")], {"PATH": path})
    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[node], timeout=1.0):
        assert proc.process.poll() is None, "the worker exited"
        assert time.monotonic() < deadline, "the worker never answered"
    inspect = app.control.inspect(destination=[node], timeout=5)
    assert [q["name"] for q in inspect.active_queues()[node]] == ["ml"]
    stats = inspect.stats()[node]
    assert stats["pool"]["implementation"].endswith("solo:TaskPool")
    assert stats["pool"]["max-concurrency"] == 1
    assert stats["prefetch_count"] == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_the_web_healthcheck_passes_behind_a_strict_host_list_and_tls_proxy(processes):
    """The operator's ALLOWED_HOSTS need not list 127.0.0.1, and behind a TLS proxy plain http redirects:
    a naive GET of /healthz then fails and the whole stack (waiting for a healthy web) never starts."""
    import http.client

    port = _free_port()
    env = {"ALLOWED_HOSTS": "outreach.example.com", "SECURE_SSL_REDIRECT": "true", "BEHIND_TLS_PROXY": "true"}
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        "openoutreach.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
    ]
    proc = processes("web-healthcheck", argv, env)
    check = [str(ROOT / "compose" / "healthcheck"), f"http://127.0.0.1:{port}/healthz"]
    deadline = time.monotonic() + 60
    while (
        run := subprocess.run(check, env={**os.environ, **env}, capture_output=True, text=True)
    ).returncode:
        assert proc.process.poll() is None, "gunicorn exited"
        assert time.monotonic() < deadline, run.stderr
        time.sleep(0.5)

    naive = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    naive.request("GET", "/healthz")
    assert naive.getresponse().status in (301, 400)  # what a plain check would have seen
    naive.close()
    proc.stop()
    run = subprocess.run(check, env={**os.environ, **env}, capture_output=True, text=True)
    assert run.returncode == 1 and "Connection refused" in run.stderr


def test_manage_py_in_a_container_reaches_the_same_database_as_the_services(tmp_path):
    """`docker compose exec web python manage.py ...` skips the image's entrypoint: the settings build the
    same PostgreSQL URL from the POSTGRES_* values (found by `make compose-e2e`: onboarding wrote to SQLite)."""
    password = "p@ss:w/rd %d#1"
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATA_DIR": str(tmp_path),
        "POSTGRES_HOST": "postgres",
        "POSTGRES_PASSWORD": password,
        "DJANGO_SETTINGS_MODULE": "openoutreach.settings",
    }
    show = (
        "from django.conf import settings; d = settings.DATABASES['default']; "
        f"print(d['ENGINE'], d['HOST'], d['PORT'], d['NAME'], d['USER'], d['PASSWORD'] == {password!r})"
    )
    direct = subprocess.run([sys.executable, "-c", show], env=env, cwd=ROOT, capture_output=True, text=True)
    assert direct.returncode == 0, direct.stderr
    assert direct.stdout.split() == [
        "django.db.backends.postgresql", "postgres", "5432", "openoutreach", "openoutreach", "True",
    ]  # fmt: skip
    via_entrypoint = subprocess.run(
        [str(ROOT / "compose" / "entrypoint"), sys.executable, "-c", show],
        env=env, cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert via_entrypoint.stdout == direct.stdout
    # without a POSTGRES_HOST (a developer's shell with a stray POSTGRES_PASSWORD) nothing changes
    del env["POSTGRES_HOST"]
    local = subprocess.run([sys.executable, "-c", show], env=env, cwd=ROOT, capture_output=True, text=True)
    assert local.stdout.split()[0] == "django.db.backends.sqlite3", local.stderr
