"""`make run` / `make flower`: the local process topology in one command.

    python -m openoutreach.launcher run      # everything; Ctrl-C (or SIGTERM, SIGHUP) stops everything
    python -m openoutreach.launcher flower   # Flower alone, behind basic auth

`run` starts: a private Redis (unless REDIS_URL is set), the admin web process, exactly one beat, the
lanes worker, the ML worker, the browser-worker supervisor and Flower behind basic auth. When no LinkedIn
account is configured yet it also starts the sandbox (the LinkedIn + LLM stand-in) and points the system
at it, so a fresh checkout runs end to end without touching LinkedIn.

Before starting anything it refuses a busy port (naming the holder) and a second live `make run` in the
same data dir, and clears what a run that died without cleaning up left behind (`runstate`). Each
process's output is echoed with its name. When one process exits, or on SIGINT/SIGTERM/SIGHUP, every
process is stopped in order (`shutdown.stop_in_order`); a second signal skips the grace.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from openoutreach.processes import STAGE_BEAT, STAGE_REDIS, STAGE_SERVICES, STAGE_WORK

PROJECT_DIR = Path(__file__).resolve().parent.parent
WEB_PORT = int(os.environ.get("WEB_PORT", "8000"))
FLOWER_PORT = int(os.environ.get("FLOWER_PORT", "5555"))
PRIVATE_REDIS_PORT = int(os.environ.get("PRIVATE_REDIS_PORT", "6390"))
SANDBOX_PORT = int(os.environ.get("SANDBOX_PORT", "8765"))


@dataclass
class Topology:
    """The processes to run and the environment they share."""

    env: dict[str, str]
    processes: dict[str, list[str]] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, name: str, *argv: str, stage: int = STAGE_WORK, port: int | None = None) -> None:
        self.processes[name] = list(argv)
        self.stages[name] = stage
        if port is not None:
            self.ports[name] = port


def _python(*args: str) -> list[str]:
    return [sys.executable, *args]


def _celery(*args: str) -> list[str]:
    return _python("-m", "celery", "-A", "openoutreach", *args)


def ensure_admin_credentials(data_dir: Path) -> tuple[str, str | None]:
    """The admin login to print: a superuser created on first run with a generated password (kept in
    the data dir, owner-only), or the operator's own superuser (password not ours to show)."""
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    password_file = data_dir / "admin_password"
    if password_file.exists():
        return "admin", password_file.read_text().strip()
    if users.filter(is_superuser=True).exists():
        return users.filter(is_superuser=True).first().username, None
    password = secrets.token_urlsafe(12)
    users.create_superuser("admin", "admin@localhost", password)
    fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password)
    return "admin", password


def flower_command(settings) -> tuple[list[str], dict[str, str]]:
    """Flower's argv and environment. Credentials travel in the environment, not argv (argv is visible
    to every user in `ps`), and reach Flower through its config file as ONE credential (flower_auth.py);
    a password basic auth cannot carry raises FlowerAuthError here, before anything starts."""
    from openoutreach.flower_auth import FLOWER_CONF, credential

    credential(settings.FLOWER_USER, settings.FLOWER_PASSWORD)
    env = {"FLOWER_USER": settings.FLOWER_USER, "FLOWER_PASSWORD": settings.FLOWER_PASSWORD}
    return _celery("flower", f"--conf={FLOWER_CONF}", "--address=127.0.0.1", f"--port={FLOWER_PORT}"), env


def build_topology() -> Topology:
    from django.conf import settings

    from openoutreach.local_redis import find_redis_server
    from openoutreach.outreach.models import LinkedInAccount

    env = {**os.environ, "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "openoutreach.settings"}
    topo = Topology(env=env)
    if "REDIS_URL" in os.environ:
        topo.notes.append(f"Redis:  {os.environ['REDIS_URL']} (from REDIS_URL)")
    else:
        find_redis_server()  # fail now, with the install hint, rather than inside a child process
        env["REDIS_URL"] = f"redis://127.0.0.1:{PRIVATE_REDIS_PORT}/0"
        topo.add("redis", *_python("-m", "openoutreach.local_redis", "--port", str(PRIVATE_REDIS_PORT),
                                   "--dir", str(settings.DATA_DIR / "redis")),
                 stage=STAGE_REDIS, port=PRIVATE_REDIS_PORT)  # fmt: skip
        topo.notes.append(f"Redis:  {env['REDIS_URL']} (private, keeps nothing on disk)")

    if not LinkedInAccount.objects.filter(active=True).exists():
        sandbox = f"http://127.0.0.1:{SANDBOX_PORT}"
        env.update({"LINKEDIN_BASE_URL": sandbox, "LLM_API_BASE": f"{sandbox}/v1"})
        env.setdefault("LLM_API_KEY", "sandbox")
        from openoutreach.sandbox.voyager_graphql import DEFAULT_QUERY_ID  # the sandbox's current one

        env["VOYAGER_GRAPHQL_QUERY_ID"] = DEFAULT_QUERY_ID
        topo.add("sandbox", *_python("-m", "openoutreach.sandbox", "serve", "--port", str(SANDBOX_PORT)),
                 stage=STAGE_SERVICES, port=SANDBOX_PORT)  # fmt: skip
        topo.notes.append(
            f"No LinkedIn account is configured: running against the SANDBOX at {sandbox} "
            "(add your account with `python manage.py onboard` or in the admin; `make demo` runs a campaign)."
        )

    topo.add("web", *_python("-m", "gunicorn", "openoutreach.wsgi", "--bind", f"127.0.0.1:{WEB_PORT}",
                             "--workers", "1", "--threads", "4", "--access-logfile", "-"), port=WEB_PORT)  # fmt: skip
    topo.add(
        "beat",
        *_celery("beat", "-s", str(settings.DATA_DIR / "celerybeat-schedule"), "-l", "INFO"),
        stage=STAGE_BEAT,
    )
    topo.add(
        "worker-default", *_celery("worker", "-Q", "default", "-n", "default@%h", "-c", "2", "-l", "INFO")
    )
    topo.add("worker-ml", *_celery("worker", "-Q", "ml", "-n", "ml@%h", "-P", "solo", "-c", "1",
                                   "--prefetch-multiplier", "1", "-l", "INFO"))  # fmt: skip
    topo.add("supervisor", *_python("-m", "workers.supervisor"))
    flower_argv, flower_env = flower_command(settings)
    env.update(flower_env)
    topo.add("flower", *flower_argv, port=FLOWER_PORT)
    return topo


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openoutreach.settings")
    import django

    django.setup()


def run_processes(topo: Topology, record, grace: float) -> int:
    """Start every process of `topo` and stop them all in order when one exits or a signal arrives.

    Returns the exit status: 0 after a requested stop, 128 + signal number for a signal, or the status
    of the process that exited first.
    """
    from openoutreach.processes import ManagedProcess
    from openoutreach.shutdown import StopRequested, StopSignals, stop_in_order

    def say(message: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # the terminal may be gone (SIGHUP)
            print(f"{'launcher':<15}| {message}", flush=True)

    procs: list[ManagedProcess] = []
    status = 0
    with StopSignals(say) as signals:
        try:
            for name, argv in topo.processes.items():
                proc = ManagedProcess(name, argv, topo.env, stage=topo.stages[name], echo=sys.stdout).start()
                procs.append(proc)
                record.update(name, proc.record())
                say(f"{name} started (pid {proc.pid})")
            status = _watch(procs, record, say)
        except StopRequested as stop:
            say(f"{stop} received: stopping every process (a second signal skips the grace)")
            status = 128 + stop.signum
        finally:
            signals.stopping()
            stop_in_order(procs, grace, signals.urgent, say)
            say("every process has stopped")
    return status


def _watch(procs, record, say, refresh_seconds: float = 5.0) -> int:
    """Until a process exits: its status. Refreshes the on-disk record of each process tree meanwhile."""
    next_refresh = 0.0
    while True:
        for proc in procs:
            if not proc.alive():
                code = proc.process.returncode
                say(f"{proc.name} exited with {code}: stopping every process")
                return code or 1
        if time.monotonic() >= next_refresh:
            for proc in procs:
                record.update(proc.name, proc.record())
            next_refresh = time.monotonic() + refresh_seconds
        time.sleep(0.2)


def run() -> int:
    _setup_django()
    from django.conf import settings

    from openoutreach.runstate import AlreadyRunning, RunRecord

    try:
        record = RunRecord.in_dir(settings.DATA_DIR, "`make run`").claim()
    except AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        return _start(settings, record)
    finally:
        record.release()


def _start(settings, record) -> int:
    from openoutreach.operator.first_run import onboard_if_unconfigured
    from openoutreach.ports import PortBusy, ensure_free

    if not onboard_if_unconfigured():  # a terminal and nothing configured: onboard first
        return 1
    topo = build_topology()
    try:
        ensure_free(topo.ports, hint="or set WEB_PORT, FLOWER_PORT, SANDBOX_PORT, PRIVATE_REDIS_PORT")
    except PortBusy as exc:
        print(exc, file=sys.stderr)
        return 1
    user, password = ensure_admin_credentials(settings.DATA_DIR)
    print("OpenOutreach is starting:")
    print(f"  Admin:  http://127.0.0.1:{WEB_PORT}/admin/   user {user!r}, password "
          + (f"{password!r} (kept in {settings.DATA_DIR / 'admin_password'})" if password else "(yours)"))  # fmt: skip
    print(
        f"  Flower: http://127.0.0.1:{FLOWER_PORT}/       user {settings.FLOWER_USER!r}, password "
        f"{settings.FLOWER_PASSWORD!r} (FLOWER_USER / FLOWER_PASSWORD)"
    )
    for note in topo.notes:
        print(f"  {note}")
    print(
        f"  Ctrl-C stops everything (running tasks get {settings.SHUTDOWN_GRACE_SECONDS:.0f}s to finish; "
        "a second Ctrl-C stops at once).\n",
        flush=True,
    )
    return run_processes(topo, record, settings.SHUTDOWN_GRACE_SECONDS)


def flower() -> int:
    _setup_django()
    from django.conf import settings

    from openoutreach.ports import PortBusy, ensure_free

    try:
        ensure_free({"flower": FLOWER_PORT}, hint="or set FLOWER_PORT")
    except PortBusy as exc:
        print(exc, file=sys.stderr)
        return 1
    argv, env = flower_command(settings)
    os.environ.update(env)
    print(f"Flower: http://127.0.0.1:{FLOWER_PORT}/ (user {settings.FLOWER_USER!r})", flush=True)
    os.chdir(PROJECT_DIR)  # FLOWER_CONF is relative to the project directory
    os.execv(argv[0], argv)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    commands = {"run": run, "flower": flower}
    if args[:1] == ["demo"]:
        from openoutreach.demo import main as demo_main

        return demo_main(args[1:])
    if len(args) != 1 or args[0] not in commands:
        print("usage: python -m openoutreach.launcher run|demo|flower", file=sys.stderr)
        return 2
    from openoutreach.flower_auth import FlowerAuthError

    try:
        return commands[args[0]]()
    except FlowerAuthError as exc:
        print(f"Flower not started: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
