"""docker-compose.yml is valid Compose and deploys the process topology safely (no Docker engine here:
the schema check plus the facts a schema cannot see)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|_KEY$|API_KEY|CREDENTIAL", re.I)


def test_the_compose_file_validates_against_the_compose_spec():
    checker = Path(sys.executable).parent / "check-jsonschema"
    run = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_schema_check_can_fail(tmp_path):
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(
        COMPOSE_FILE.read_text().replace("    command: /app/compose/start-beat", "    comand: x")
    )
    checker = Path(sys.executable).parent / "check-jsonschema"
    run = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(broken)], capture_output=True, text=True
    )
    assert run.returncode != 0 and "comand" in run.stdout


def test_every_role_runs_from_the_one_image_and_settings(services, deploy):
    DJANGO_ROLES, script_of = deploy.django_roles, deploy.script_of
    assert set(DJANGO_ROLES) | {"postgres", "redis", "sandbox"} == set(services)
    for role in DJANGO_ROLES:
        s = services[role]
        assert s["build"] == {"context": ".", "dockerfile": "Dockerfile"}, role
        assert s["environment"]["DATA_DIR"] == "/data" and "data:/data" in s["volumes"], role
        assert s["environment"]["REDIS_URL"] == "redis://redis:6379/0", role
        assert s["env_file"] == ".env", role
        assert script_of(s) is not None and script_of(s).name == f"start-{role}", role
    for role in set(DJANGO_ROLES) - {"web"}:  # only web migrates; the others start once it is healthy
        assert services[role]["depends_on"] == {"web": {"condition": "service_healthy"}}, role
    assert services["web"]["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_exactly_one_beat(services, deploy):
    service_argv = deploy.service_argv
    beats = [name for name, s in services.items() if "beat" in service_argv(s)[3:4]]
    assert beats == ["beat"]
    assert "deploy" not in services["beat"] and "scale" not in services["beat"]


def test_every_celery_process_uses_the_openoutreach_app(services, deploy):
    service_argv = deploy.service_argv
    celery = {name: argv for name, s in services.items() if (argv := service_argv(s))[:1] == ["celery"]}
    assert set(celery) == {"beat", "worker-default", "worker-ml", "flower"}
    for name, argv in celery.items():
        assert argv[1:3] == ["-A", "openoutreach"], name


def test_the_ml_worker_is_one_solo_process_taking_one_task_at_a_time(services, deploy):
    argv = deploy.service_argv(services["worker-ml"])
    options = dict(zip(argv[4::2], argv[5::2], strict=False))
    assert argv[3] == "worker"
    assert options["-Q"] == "ml" and options["-P"] == "solo" and options["-c"] == "1"
    assert options["--prefetch-multiplier"] == "1"
    assert "deploy" not in services["worker-ml"]


def test_browser_supervisor_has_debian_chromium_from_the_image(services, deploy):
    from openoutreach.linkedin.session import SYSTEM_CHROMIUMS

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.startswith("#") and "ARG BASE_IMAGE=python:3.11-slim-bookworm" in dockerfile
    assert re.search(r"apt-get install -y --no-install-recommends [^\n]*\bchromium\b", dockerfile)
    assert "BROWSER_EXECUTABLE=/usr/bin/chromium" in dockerfile and "/usr/bin/chromium" in SYSTEM_CHROMIUMS
    assert "pip install -r requirements/production.txt" in dockerfile
    assert "pip install --no-deps -r requirements/crm.txt" in dockerfile
    supervisor = services["supervisor"]
    assert deploy.service_argv(supervisor) == ["python", "-m", "workers.supervisor"]
    assert supervisor["environment"]["DJANGO_ALLOW_ASYNC_UNSAFE"] == "true"
    assert supervisor["init"] is True  # children (browser workers, Chromium) are reaped


def test_no_secret_is_written_in_the_compose_file(services):
    for name, s in services.items():
        env = s.get("environment") or {}
        for key, value in env.items() if isinstance(env, dict) else (e.split("=", 1) for e in env):
            if SECRET_NAME.search(key):
                assert isinstance(value, str) and value.startswith("${") and ":?" in value, (name, key)
    text = COMPOSE_FILE.read_text()
    assert "FLOWER_BASIC_AUTH" not in text  # built from .env inside the container, never in argv
    assert not re.search(r"postgres://[^:\s]+:[^@$\s]+@", text)  # no URL with an inline password


def test_secrets_stay_out_of_git_and_the_image():
    example = yaml.safe_load("\n".join(  # KEY=VALUE lines read as a mapping
        line.replace("=", ": ", 1) for line in (ROOT / "compose" / "env.example").read_text().splitlines()
        if line and not line.startswith("#")
    ))  # fmt: skip
    for key in ("SECRET_KEY", "CREDENTIALS_KEY", "POSTGRES_PASSWORD", "FLOWER_PASSWORD", "LLM_API_KEY"):
        assert key in example and example[key] is None, key  # present, and empty
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert ".env" in ignored and "data/" in ignored
    tracked = subprocess.run(["git", "ls-files", ".env", "data"], cwd=ROOT, capture_output=True, text=True)
    assert tracked.stdout == ""


def test_cheap_healthchecks(services):
    from django.urls import resolve

    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]
    web_check = " ".join(services["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/healthz" in web_check
    assert resolve("/healthz")  # the URL the check calls exists
    assert "http://127.0.0.1:5555/healthcheck" in " ".join(services["flower"]["healthcheck"]["test"])


def test_admin_and_flower_are_published_on_this_host_only(services):
    published = {name: s["ports"] for name, s in services.items() if "ports" in s}
    assert published == {"web": ["127.0.0.1:8000:8000"], "flower": ["127.0.0.1:5555:5555"]}


def test_the_sandbox_is_a_rehearsal_service_under_its_own_profile(services, deploy):
    sandbox = services["sandbox"]
    assert sandbox["profiles"] == ["sandbox"]  # `docker compose up` alone never starts it
    assert sandbox["image"] == services["web"]["image"] and sandbox["build"] == services["web"]["build"]
    assert deploy.script_of(sandbox).name == "start-sandbox"
    argv = deploy.exec_argv(deploy.script_of(sandbox))
    assert argv[:4] == ["python", "-m", "openoutreach.sandbox", "serve"]
    # every interface of its own container: the stack's network reaches it, the host does not (no ports)
    assert argv[argv.index("--host") + 1] == "0.0.0.0" and argv[argv.index("--port") + 1] == "8765"  # noqa: S104
    assert argv[argv.index("--clock-speed") + 1] == "${TIME_SCALE:-1}"  # the app's own compression
    assert sandbox["environment"]["TIME_SCALE"] == "${TIME_SCALE:-1}"
    # no secrets (no .env), no data volume, not published: it serves the stack's own network
    assert "env_file" not in sandbox and "volumes" not in sandbox and "ports" not in sandbox
    assert "http://127.0.0.1:8765/_sandbox/health" in " ".join(sandbox["healthcheck"]["test"])
    for role in deploy.django_roles:  # the app never needs it
        assert "sandbox" not in (services[role].get("depends_on") or {}), role
