"""`make demo`: the whole distributed system on embedded defaults, against the sandbox, in compressed time.

Steps:
1. A fresh data directory (`data/demo`): its own SQLite CRM, migrated, with the CRM set up.
2. Processes, each with its log in `data/demo/logs/`: a private Redis, the sandbox (a fresh scenario,
   its clock sped up by TIME_SCALE), the admin web process, beat, the lanes worker, the ML worker, the
   browser-worker supervisor and Flower.
3. A campaign seeded from the sandbox scenario's product and objective, and a sandbox LinkedIn account
   working for it. Everything else happens on its own: keywords from the LLM stand-in, search,
   enrichment, qualification, invitations, acceptance checks, follow-ups.
4. A live view of the funnel per campaign until Ctrl-C, or for DEMO_SECONDS seconds; then every process
   is stopped, the final funnel and the safety summary are printed, and the exit status is non-zero if
   any safety rule was broken (a bot signal in the sandbox, a cap exceeded, an action outside hours).
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
TIME_SCALE = 720  # one real minute = 12 sandbox hours: a day of pacing in two minutes
SCENARIO = os.environ.get("DEMO_SCENARIO", "devops")
PEOPLE = int(os.environ.get("DEMO_PEOPLE", "500"))


def _free_port(preferred: int) -> int:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", preferred))
            return preferred
        except OSError:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]


@dataclass
class Demo:
    data_dir: Path
    seconds: float | None
    ports: dict[str, int] = field(default_factory=dict)
    env: dict[str, str] = field(default_factory=dict)
    procs: list = field(default_factory=list)

    def prepare(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        (self.data_dir / "logs").mkdir(parents=True)
        self.ports = {
            "web": _free_port(8000),
            "flower": _free_port(5555),
            "redis": _free_port(6391),
            "sandbox": _free_port(8766),
        }
        sandbox = f"http://127.0.0.1:{self.ports['sandbox']}"
        self.env = {
            **os.environ,
            "DATA_DIR": str(self.data_dir),
            "DATABASE_URL": f"sqlite:///{self.data_dir / 'db.sqlite3'}",
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "LINKEDIN_BASE_URL": sandbox,
            "LLM_API_BASE": f"{sandbox}/v1",
            "LLM_API_KEY": "sandbox",
            "AI_MODEL": "sandbox-model",
            "TIME_SCALE": str(TIME_SCALE),
            "LANE_TICK_SECONDS": "2",
            "MIN_ACTION_INTERVAL_SECONDS": "0",
            "ENRICH_MIN_INTERVAL_SECONDS": "0",
            "OUTWARD_ACTION_GAP_SECONDS": "4",
            "BROWSER_HUMAN_SPEED": "1",  # people browse at human speed; only the lanes' pacing is compressed
            "CLAIM_SECONDS": "300",
            "SUPERVISOR_POLL_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "openoutreach.settings",
        }
        os.environ.update({k: self.env[k] for k in ("DATA_DIR", "DATABASE_URL", "REDIS_URL", "TIME_SCALE")})

    def start(self) -> None:
        from openoutreach.local_redis import server_args, wait_for_port
        from openoutreach.processes import ManagedProcess, celery_argv

        def run(name: str, argv: list[str]) -> ManagedProcess:
            proc = ManagedProcess(name, argv, self.env, self.data_dir / "logs" / f"{name}.log").start()
            self.procs.append(proc)
            return proc

        py = sys.executable
        run("redis", server_args(self.ports["redis"], self.data_dir))
        run("sandbox", [py, "-m", "openoutreach.sandbox", "serve", "--port", str(self.ports["sandbox"]),
                        "--people", str(PEOPLE), "--scenario", SCENARIO, "--clock-speed", str(TIME_SCALE)])  # fmt: skip
        wait_for_port(self.ports["redis"])
        wait_for_port(self.ports["sandbox"], timeout=60)
        seed(f"http://127.0.0.1:{self.ports['sandbox']}")  # the CRM exists before any worker reads it
        run("web", [py, "-m", "gunicorn", "openoutreach.wsgi", "--bind", f"127.0.0.1:{self.ports['web']}",
                    "--workers", "1", "--threads", "4"])  # fmt: skip
        run("beat", celery_argv("beat", "-s", str(self.data_dir / "celerybeat-schedule"), "-l", "INFO"))
        run(
            "worker-default",
            celery_argv("worker", "-Q", "default", "-n", "default@%h", "-c", "2", "-l", "INFO"),
        )
        run(
            "worker-ml",
            celery_argv("worker", "-Q", "ml", "-n", "ml@%h", "-P", "solo", "-c", "1", "-l", "INFO"),
        )
        run("supervisor", [py, "-m", "workers.supervisor"])
        from django.conf import settings

        self.env["FLOWER_BASIC_AUTH"] = f"{settings.FLOWER_USER}:{settings.FLOWER_PASSWORD}"
        run("flower", celery_argv("flower", "--address=127.0.0.1", f"--port={self.ports['flower']}"))

    def stop(self) -> None:
        for proc in reversed(self.procs):
            proc.stop(timeout=15)


def seed(sandbox_url: str) -> None:
    """A campaign from the scenario's own product and objective, and sandbox account alice for it."""
    from django.core.management import call_command

    from openoutreach.pipeline.campaigns import create_account, create_campaign
    from openoutreach.pipeline.crm_setup import ensure_workspace
    from openoutreach.sandbox.scenarios import load_all
    from openoutreach.sandbox.testing import SandboxControl

    call_command("migrate", verbosity=0, interactive=False)
    ensure_workspace()
    scenario = load_all()[SCENARIO]
    campaign = create_campaign(
        f"{SCENARIO} (sandbox)",
        product_docs=scenario.product,
        campaign_objective=scenario.objective,
        booking_link="https://cal.example.com/demo",
        min_qualifiable_leads=15,
    )
    # A sandbox member, not a LinkedIn account: the notice is accepted for this throwaway data dir only
    # (the supervisor starts no browser without it), and the stand-in account is already warm.
    from openoutreach.operator import legal

    legal.accept("demo (sandbox only)")
    account = create_account("alice", "alice@sandbox.test", "alice-pass", campaign, warmup_started_on=None)
    account.working_hours_start, account.working_hours_end = _always_open()
    account.save()
    # The sandbox judges working hours on its own (sped-up) clock: the account works around it.
    SandboxControl(sandbox_url).update_account("alice", working_hours=[0, 24])


def _always_open():
    from datetime import time

    return time(0, 0), time(23, 59, 59)


def _table(elapsed: float, demo: Demo):
    from rich.table import Table

    from openoutreach.operator.funnel import STATES, funnel
    from openoutreach.outreach.models import Campaign

    table = Table(title=f"OpenOutreach demo — {elapsed:.0f}s (sandbox clock x{TIME_SCALE})")
    table.add_column("campaign")
    for state in STATES:
        table.add_column(state, justify="right")
    for campaign in Campaign.objects.select_related("department"):
        counts = funnel(campaign).counts
        table.add_row(campaign.name, *(str(counts[s]) for s in STATES))
    table.caption = (
        f"Admin http://127.0.0.1:{demo.ports['web']}/admin/ · Flower http://127.0.0.1:{demo.ports['flower']}/ "
        f"· logs {demo.data_dir / 'logs'}"
    )
    return table


def safety_report(sandbox_url: str) -> list[str]:
    """Every broken safety rule, in words (empty = all kept)."""
    from openoutreach.outreach.models import ActionLog, LinkedInAccount
    from openoutreach.safety import caps
    from openoutreach.sandbox.testing import SandboxControl

    problems = []
    signals = SandboxControl(sandbox_url).bot_signals()
    for entry in signals.get("signals", []):
        problems.append(f"sandbox bot signal: {entry.get('kind')} ({entry.get('detail', '')})")
    for account in LinkedInAccount.objects.all():
        for kind, usage in caps.usage_summary(account).items():
            if usage.today > usage.daily_cap or (
                usage.weekly_cap is not None and usage.week > usage.weekly_cap
            ):
                problems.append(
                    f"{account.handle}: {kind} {usage.today} today / {usage.week} this week over its cap"
                )
        outward = ActionLog.objects.filter(account=account, kind__in=["connect", "follow_up"], outcome="ok")
        for action in outward:
            if not caps.in_working_hours(account, action.at):
                problems.append(
                    f"{account.handle}: {action.kind} at {action.at:%H:%M:%S} outside working hours"
                )
    return problems


def main(argv: list[str] | None = None) -> int:
    seconds = float(os.environ["DEMO_SECONDS"]) if os.environ.get("DEMO_SECONDS") else None
    demo = Demo(PROJECT_DIR / "data" / "demo", seconds)
    demo.prepare()
    import django

    django.setup()
    from rich.console import Console
    from rich.live import Live

    console = Console()
    console.print(
        f"Starting the demo in {demo.data_dir} (every process logs to {demo.data_dir / 'logs'}) ..."
    )
    sandbox_url = demo.env["LINKEDIN_BASE_URL"]
    started = time.monotonic()
    try:
        demo.start()
        from django.conf import settings

        from openoutreach.launcher import ensure_admin_credentials

        user, password = ensure_admin_credentials(demo.data_dir)
        console.print(
            f"Admin http://127.0.0.1:{demo.ports['web']}/admin/ (user {user!r}, password {password!r}) · "
            f"Flower http://127.0.0.1:{demo.ports['flower']}/ (user {settings.FLOWER_USER!r}, "
            f"password {settings.FLOWER_PASSWORD!r})"
        )
        with Live(_table(0, demo), console=console, refresh_per_second=1) as live:
            while seconds is None or time.monotonic() - started < seconds:
                dead = [p.name for p in demo.procs if not p.alive()]
                if dead:
                    raise RuntimeError(f"process(es) {', '.join(dead)} exited; see {demo.data_dir / 'logs'}")
                time.sleep(1)
                live.update(_table(time.monotonic() - started, demo))
    except KeyboardInterrupt:
        pass
    finally:
        problems = (
            safety_report(sandbox_url) if demo.procs and demo.procs[1].alive() else ["sandbox not running"]
        )
        demo.stop()
    console.print(_table(time.monotonic() - started, demo))
    from openoutreach.outreach.models import ActionLog

    if not ActionLog.objects.exists():
        console.print(f"[yellow]Nothing was done in this run: see the logs in {demo.data_dir / 'logs'}.[/]")
    if problems:
        console.print("[bold red]Safety rules broken:[/]")
        for problem in problems:
            console.print(f"  - {problem}")
        return 1
    console.print(
        "[bold green]Safety: no bot signal in the sandbox, every cap kept, every action inside working hours.[/]"
    )
    return 0
