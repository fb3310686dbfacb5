"""`make demo`: the whole distributed system on embedded defaults, against the sandbox, in compressed time.

Steps:
1. A fresh data directory (`data/demo`): its own SQLite CRM, migrated, with the CRM set up.
2. Processes, each with its log in `data/demo/logs/`, in the order that gets the first person through
   soonest: a private Redis and the sandbox (a fresh scenario, its clock sped up by TIME_SCALE); the
   campaign and accounts (step 3) in the CRM; the browser-worker supervisor and the ML worker, whose
   imports overlap the sandbox building its population (the ML worker then loads its embedding model
   before any task: ML_WARM_START, from the build the last demo kept); once the sandbox answers, the
   lanes worker and beat; the admin web process and Flower, which no work waits for, at the first
   action (at most DEFERRED_START_SECONDS after the start).
3. A campaign seeded from the sandbox scenario's product and objective, and ACCOUNTS (default 1, up to
   3) sandbox LinkedIn accounts working for it, each with its own browser worker; with more than one
   (or DEMO_PROXIES=1) each account goes through its own forward proxy, a real `privoxy` on loopback
   (`openoutreach.demo_accounts`, `openoutreach.forward_proxy`). The campaign starts with the
   scenario's first three keywords, as an operator types them in the campaign's keyword list.
   Everything else happens on its own: search, enrichment, qualification, more keywords from the LLM
   stand-in when those run out, invitations, acceptance checks, follow-ups.
4. A live view of the funnel per campaign until Ctrl-C (or SIGTERM, SIGHUP), or for DEMO_SECONDS seconds
   (the moment the first person reaches Completed is printed); then every process is stopped in order
   (work, beat, sandbox, Redis; a second signal skips the grace); the safety verdict is read once the
   workers have stopped (so an action finished during their grace is judged too) while the sandbox
   still runs; the final funnel, the first Completed person and the first of each step (read from the
   same CRM), the memory of each browser worker and the safety summary are printed, and the exit status
   is non-zero if any safety rule was broken (a bot signal in the sandbox, a cap exceeded, an action
   outside hours, an account's request through another account's proxy or through none).

Compressed time: the sandbox's clock runs TIME_SCALE times faster and the lanes' pacing is divided by it
(the product's TIME_SCALE setting); caps are per real day, as always. The sandbox's members also decide
on invitations in ACCEPT_DELAY_SCALE times their drawn delay, and pending invitations are
first checked after CHECK_PENDING_HOURS sandbox hours (doubling): so an invitation is typically read as
accepted within seconds, not after a simulated day. People read and type at HUMAN_SPEED times the
product's default pauses; the floors (page-load gap, gap between outward actions, caps, working hours)
are the product's, and the sandbox judges every page load and outward action in real time.

Ports: WEB_PORT, FLOWER_PORT, PRIVATE_REDIS_PORT, SANDBOX_PORT (default 8000, 5555, 6391, 8766) when
free, else free ones; the chosen ports are printed (and why one moved). A demo still running in the same
directory is refused; one that died without cleaning up has its leftovers stopped first
(`openoutreach.runstate`). DEMO_DIR moves the data directory (default `data/demo`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from openoutreach import demo_accounts, demo_template
from openoutreach.demo_accounts import DemoAccounts
from openoutreach.forward_proxy import ProxyNotFound, find_privoxy
from openoutreach.processes import STAGE_BEAT, STAGE_REDIS, STAGE_SERVICES, STAGE_WORK
from openoutreach.runstate import RunRecord
from openoutreach.sandbox.voyager_graphql import DEFAULT_QUERY_ID as SANDBOX_GRAPHQL_QUERY_ID
from openoutreach.worker_memory import MB

PROJECT_DIR = Path(__file__).resolve().parent.parent
TIME_SCALE = 720  # one real minute = 12 sandbox hours: a day of pacing in two minutes
ACCEPT_DELAY_SCALE = 0.02  # acceptances after ~25 sandbox minutes (median) instead of ~20 h: ~2 real s
CHECK_PENDING_HOURS = 0.5  # first acceptance check half a sandbox hour (2.5 real s) after the invitation
MEMORY_SAMPLE_SECONDS = 15.0
OPERATOR_KEYWORDS = 3  # the campaign starts with these; the LLM stand-in adds more when they run out
HUMAN_SPEED = 0.25  # people read and type four times as fast as the product's default human pace
SCENARIO = os.environ.get("DEMO_SCENARIO", "devops")
PEOPLE = int(os.environ.get("DEMO_PEOPLE", "500"))
DEFERRED_START_SECONDS = 45.0  # the admin and Flower start at the first action, or after this at most


# Preferred ports (the same variables as `make run`'s); a busy one is replaced by a free one.
DEFAULT_PORTS = {
    "web": int(os.environ.get("WEB_PORT", "8000")),
    "flower": int(os.environ.get("FLOWER_PORT", "5555")),
    "redis": int(os.environ.get("PRIVATE_REDIS_PORT", "6391")),
    "sandbox": int(os.environ.get("SANDBOX_PORT", "8766")),
}


@dataclass
class Demo:
    data_dir: Path
    seconds: float | None
    account_count: int = 1
    with_proxies: bool = False
    ports: dict[str, int] = field(default_factory=dict)
    port_notes: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    procs: list = field(default_factory=list)
    record: RunRecord | None = None  # once claimed
    accounts: DemoAccounts = field(default_factory=lambda: DemoAccounts(["alice"]))  # set by prepare()
    first_completed: float | None = None  # seconds after the start
    memory: dict = field(default_factory=dict)  # handle -> last TreeMemory
    peak_memory: dict = field(default_factory=dict)  # handle -> TreeMemory with the largest PSS
    proxy_counts: list = field(default_factory=list)  # the sandbox's [{account, proxy, requests}] at the end
    database_note: str = ""
    deferred_started: bool = False  # the admin and Flower (start_deferred)
    started_at: datetime | None = None  # wall clock, for the times read from the CRM

    @property
    def template(self) -> Path:
        """The set-up CRM kept beside the data dir (which prepare() wipes): `openoutreach.demo_template`."""
        return self.data_dir.parent / f"{self.data_dir.name}-template.sqlite3"

    @property
    def kept_models(self) -> Path:
        """The MiniLM build kept beside the data dir for the next demo (`openoutreach.demo_template`)."""
        return self.data_dir.parent / f"{self.data_dir.name}-models"

    def prepare(self) -> None:
        shutil.rmtree(self.data_dir, ignore_errors=True)
        (self.data_dir / "logs").mkdir(parents=True)
        from openoutreach.ports import free_port, pick_port

        for what, preferred in DEFAULT_PORTS.items():
            self.ports[what], note = pick_port(preferred, what)
            if note:
                self.port_notes.append(note)
        proxy_ports = [free_port() for _ in range(self.account_count)] if self.with_proxies else []
        self.accounts = demo_accounts.plan(
            self.account_count, self.with_proxies, proxy_ports, self.data_dir / "proxies"
        )
        for proxy in self.accounts.proxies.values():
            self.ports[proxy.name] = proxy.port
        sandbox = f"http://127.0.0.1:{self.ports['sandbox']}"
        self.env = {
            **os.environ,
            "DATA_DIR": str(self.data_dir),
            "DATABASE_URL": f"sqlite:///{self.data_dir / 'db.sqlite3'}",
            "REDIS_URL": f"redis://127.0.0.1:{self.ports['redis']}/0",
            "LINKEDIN_BASE_URL": sandbox,
            "LLM_API_BASE": f"{sandbox}/v1",
            "LLM_API_KEY": "sandbox",
            "VOYAGER_GRAPHQL_QUERY_ID": SANDBOX_GRAPHQL_QUERY_ID,  # the sandbox's current one
            "AI_MODEL": "sandbox-model",
            "TIME_SCALE": str(TIME_SCALE),
            "CHECK_PENDING_HOURS": str(CHECK_PENDING_HOURS),
            # the inbox is read every two sandbox hours (~10 real s; the default hour would take the
            # one browser every 5 s, ahead of invitations and follow-ups waiting in its queue)
            "INBOX_SYNC_MINUTES": "120",
            "LANE_TICK_SECONDS": "2",
            "MIN_ACTION_INTERVAL_SECONDS": "0",
            "ENRICH_MIN_INTERVAL_SECONDS": "0",
            "OUTWARD_ACTION_GAP_SECONDS": "4",
            # Human pauses and typing at HUMAN_SPEED x the default (a follow-up typed in ~8 s, not ~30 s);
            # the floor between page loads (BROWSER_MIN_PAGE_GAP_SECONDS) and the outward gap stay, and
            # the sandbox's burst signals judge every page load in real time.
            "BROWSER_HUMAN_SPEED": str(HUMAN_SPEED),
            "CLAIM_SECONDS": "300",
            "SUPERVISOR_POLL_SECONDS": "2",
            "PYTHONUNBUFFERED": "1",
            "DJANGO_SETTINGS_MODULE": "openoutreach.settings",
        }
        os.environ.update({k: self.env[k] for k in ("DATA_DIR", "DATABASE_URL", "REDIS_URL", "TIME_SCALE")})

    def start(self) -> None:
        """Start every process, in the order that gets the first person through soonest (see the module
        docstring): what the browser worker waits for, then the browser worker and the ML worker (their
        long imports overlap the sandbox's start), then the lanes; the admin and Flower later
        (`start_deferred`)."""
        from openoutreach.local_redis import server_args, wait_for_port
        from openoutreach.processes import celery_argv

        py = sys.executable
        self._run("redis", server_args(self.ports["redis"], self.data_dir), STAGE_REDIS)
        self._run("sandbox", [py, "-m", "openoutreach.sandbox", "serve", "--port", str(self.ports["sandbox"]),
                              "--people", str(PEOPLE), "--scenario", SCENARIO, "--clock-speed", str(TIME_SCALE),
                              "--accept-delay-scale", str(ACCEPT_DELAY_SCALE)], STAGE_SERVICES)  # fmt: skip
        for proxy in self.accounts.proxies.values():
            self._run(proxy.name, proxy.argv(), STAGE_SERVICES)
        wait_for_port(self.ports["redis"])
        for proxy in self.accounts.proxies.values():
            wait_for_port(proxy.port)
        # the CRM, the campaign and the accounts exist before any worker reads them
        self.database_note = prepare_database(self.data_dir / "db.sqlite3", self.template)
        seed(self.accounts)
        # The browser's path is the longest (supervisor, then its worker, then Chromium and a login) and the
        # ML worker's first run loads the embedding model: both start now, while the sandbox builds its
        # population. No browser task can reach the worker before the lanes run (below).
        self._run("supervisor", [py, "-m", "workers.supervisor"])
        # The ML worker loads its embedding model as soon as it is up (ML_WARM_START), from the build the
        # last demo kept when there is one, so the first qualification does not wait for either.
        if demo_template.restore_model(self.kept_models, self.data_dir / "models"):
            self.database_note += f"; embedding model linked from {self.kept_models}"
        self._run(
            "worker-ml",
            celery_argv("worker", "-Q", "ml", "-n", "ml@%h", "-P", "solo", "-c", "1", "-l", "INFO"),
            env={"ML_WARM_START": "1"},
        )
        wait_for_port(self.ports["sandbox"], timeout=60)
        # the sandbox's accounts work around its sped-up clock before any lane acts for them
        demo_accounts.open_sandbox_hours(self.accounts, self.env["LINKEDIN_BASE_URL"])
        self._run(
            "worker-default",
            celery_argv("worker", "-Q", "default", "-n", "default@%h", "-c", "2", "-l", "INFO"),
        )
        self._run(
            "beat",
            celery_argv("beat", "-s", str(self.data_dir / "celerybeat-schedule"), "-l", "INFO"),
            STAGE_BEAT,
        )

    def start_deferred(self) -> None:
        """The admin and Flower, which no work waits for: started once the browser worker is at work (or
        DEFERRED_START_SECONDS after the start), so that their imports do not slow the first person's path."""
        from django.conf import settings

        from openoutreach.processes import celery_argv

        if self.deferred_started:
            return
        self.deferred_started = True
        self._run("web", [sys.executable, "-m", "gunicorn", "openoutreach.wsgi", "--bind",
                          f"127.0.0.1:{self.ports['web']}", "--workers", "1", "--threads", "4"])  # fmt: skip
        self.env["FLOWER_BASIC_AUTH"] = f"{settings.FLOWER_USER}:{settings.FLOWER_PASSWORD}"
        self._run("flower", celery_argv("flower", "--address=127.0.0.1", f"--port={self.ports['flower']}"))

    def _run(self, name: str, argv: list[str], stage: int = STAGE_WORK, env: dict[str, str] | None = None):
        from openoutreach.processes import ManagedProcess

        log = self.data_dir / "logs" / f"{name}.log"
        proc = ManagedProcess(name, argv, {**self.env, **(env or {})}, log, stage=stage).start()
        self.procs.append(proc)
        if self.record is not None:
            self.record.update(name, proc.record())
        return proc

    def proc(self, name: str):
        return next((p for p in self.procs if p.name == name), None)

    def refresh_record(self) -> None:
        """Keep the on-disk record of every process tree current (browsers start later)."""
        if self.record is not None:
            for proc in self.procs:
                self.record.update(proc.name, proc.record())

    def sample_memory(self) -> None:
        """The memory of each browser worker now (and the largest seen)."""
        from openoutreach.worker_memory import browser_worker_memory

        supervisor = self.proc("supervisor")
        if supervisor is None or supervisor.process is None:
            return
        for handle, memory in browser_worker_memory(supervisor.process.pid).items():
            self.memory[handle] = memory
            if handle not in self.peak_memory or memory.pss > self.peak_memory[handle].pss:
                self.peak_memory[handle] = memory

    def stop(self, grace: float, urgent=None, say=print, between=None) -> None:
        """Stop every process in order; `between` runs once the workers and beat have stopped (nothing
        acts any more) while the sandbox and Redis still run: the safety verdict sees every action, also
        one a worker finished during its grace."""
        from openoutreach.shutdown import stop_in_order

        stop_in_order([p for p in self.procs if p.stage <= STAGE_BEAT], grace, urgent, say)
        if between is not None:
            between()
        stop_in_order([p for p in self.procs if p.stage > STAGE_BEAT], grace, urgent, say)


def prepare_database(database: Path, template: Path) -> str:
    """The migrated, set-up CRM: a copy of the template when it is current, else migrated here (and kept
    as the template for the next demo). Says which, and how long it took."""
    from django.core.management import call_command
    from django.db import connection

    from openoutreach.pipeline.crm_setup import ensure_workspace

    began = time.monotonic()
    key = demo_template.template_key()
    connection.close()
    if demo_template.restore(template, database, key):
        return f"CRM database copied from {template} ({time.monotonic() - began:.1f} s)"
    call_command("migrate", verbosity=0, interactive=False)
    ensure_workspace()
    connection.close()
    demo_template.save(database, template, key)
    return f"CRM database migrated and set up ({time.monotonic() - began:.0f} s; kept in {template} for the next demo)"


def seed(accounts: DemoAccounts) -> None:
    """A campaign from the scenario's own product and objective, and the sandbox accounts for it (in the
    CRM; their working hours in the sandbox are set once it answers: `demo_accounts.open_sandbox_hours`)."""
    from openoutreach.outreach.models import SearchKeyword
    from openoutreach.pipeline.campaigns import create_campaign
    from openoutreach.sandbox.scenarios import load_all

    scenario = load_all()[SCENARIO]
    campaign = create_campaign(
        f"{SCENARIO} (sandbox)",
        product_docs=scenario.product,
        campaign_objective=scenario.objective,
        booking_link="https://cal.example.com/demo",
        min_qualifiable_leads=15,
    )
    # What an operator types in the campaign's keyword list: the scenario's first few, in its order.
    for keyword in scenario.keywords[:OPERATOR_KEYWORDS]:
        SearchKeyword.objects.create(campaign=campaign, keyword=keyword)
    # A sandbox member, not a LinkedIn account: the notice is accepted for this throwaway data dir only
    # (the supervisor starts no browser without it), and the stand-in account is already warm.
    from openoutreach.operator import legal

    legal.accept("demo (sandbox only)")
    demo_accounts.seed_accounts(accounts, campaign)


def _rows() -> list:
    from openoutreach.operator.funnel import funnel
    from openoutreach.outreach.models import Campaign

    return [(c.name, funnel(c).counts) for c in Campaign.objects.select_related("department")]


def _caption(demo: Demo) -> str:
    return (
        f"Admin http://127.0.0.1:{demo.ports['web']}/admin/ · Flower http://127.0.0.1:{demo.ports['flower']}/ "
        f"· logs {demo.data_dir / 'logs'}"
    )


def _table(elapsed: float, demo: Demo, rows: list):
    from openoutreach.demo_view import funnel_table

    title = f"OpenOutreach demo — {elapsed:.0f}s (sandbox clock x{TIME_SCALE})"
    return funnel_table(title, rows, _caption(demo))


def completed_count(rows: list) -> int:
    return sum(counts.get("completed", 0) for _name, counts in rows)


def first_completed_at() -> datetime | None:
    """When the first person now at Completed got there: for each Completed deal, its last follow-up row
    in the ActionLog (the move to Completed writes it); the earliest of those."""
    from django.db.models import Max

    from openoutreach.outreach.models import ActionLog, DealState
    from openoutreach.pipeline import stages

    completed = DealState.objects.filter(state=stages.COMPLETED).values("deal_id")
    reached = (
        ActionLog.objects.filter(kind=ActionLog.Kind.FOLLOW_UP, deal_id__in=completed)
        .values("deal_id")
        .annotate(at=Max("at"))
    )
    return min((row["at"] for row in reached), default=None)


def first_completed_seconds(started_at: datetime | None, fallback: float) -> float:
    """Seconds from the demo's start to the first Completed person, from the CRM (`fallback` when it
    cannot tell: the moment the funnel showed it)."""
    at = first_completed_at()
    if at is None or started_at is None:
        return fallback
    return max(0.0, (at - started_at).total_seconds())


def completed_message(first_completed: float | None, elapsed: float) -> str:
    if first_completed is None:
        return f"No one reached Completed in {elapsed:.0f} s"
    return f"First Completed after {first_completed:.0f} s"


FIRST_STEPS = {  # what the closing line names -> the ActionLog rows that mark it (kind, detail start)
    "search": ("search", ""),
    "enrichment": ("enrich", ""),
    "qualification": ("qualify", ""),
    "invitation": ("connect", "invitation sent"),
    "acceptance": ("check_pending", "invitation accepted"),
    "follow-up": ("follow_up", ""),
}


def first_steps(started_at: datetime | None) -> dict[str, float]:
    """Seconds from the start to the first successful action of each step (where the time went)."""
    from openoutreach.outreach.models import ActionLog

    if started_at is None:
        return {}
    firsts = {}
    for what, (kind, detail) in FIRST_STEPS.items():
        row = (
            ActionLog.objects.filter(kind=kind, outcome="ok", detail__startswith=detail)
            .order_by("at")
            .first()
        )
        if row is not None:
            firsts[what] = max(0.0, (row.at - started_at).total_seconds())
    return firsts


def safety_report(sandbox_url: str, expected_proxies: dict[str, str] | None = None) -> list[str]:
    """Every broken safety rule, in words (empty = all kept). `expected_proxies` (handle -> its proxy's
    name): every request of those accounts must have reached the sandbox through its own proxy."""
    from openoutreach.forward_proxy import proxy_problems
    from openoutreach.outreach.models import ActionLog, LinkedInAccount
    from openoutreach.safety import caps
    from openoutreach.sandbox.testing import SandboxControl

    control = SandboxControl(sandbox_url)
    problems = []
    if expected_proxies:
        problems += proxy_problems(expected_proxies, control.proxies())
    signals = control.bot_signals()
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
    from openoutreach.runstate import AlreadyRunning

    started, started_at = time.monotonic(), datetime.now(UTC)
    seconds = float(os.environ["DEMO_SECONDS"]) if os.environ.get("DEMO_SECONDS") else None
    try:
        count, with_proxies = demo_accounts.from_env(dict(os.environ))
        if with_proxies:
            find_privoxy()
    except (demo_accounts.AccountsError, ProxyNotFound) as exc:
        print(exc, file=sys.stderr)
        return 2
    demo = Demo(
        Path(os.environ.get("DEMO_DIR") or PROJECT_DIR / "data" / "demo").resolve(),
        seconds,
        account_count=count,
        with_proxies=with_proxies,
        started_at=started_at,
    )
    # The record lives beside the data dir, which prepare() wipes: a live demo's files are never wiped.
    record = RunRecord(demo.data_dir.parent / f"{demo.data_dir.name}.processes.json", "`make demo`")
    try:
        demo.record = record.claim()
    except AlreadyRunning as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        return _run(demo, started)
    finally:
        record.release()


def _run(demo: Demo, started: float) -> int:
    demo.prepare()
    import django

    django.setup()
    from django.conf import settings
    from rich.console import Console

    from openoutreach.shutdown import StopRequested, StopSignals

    console = Console()
    console.soft_wrap = not console.is_terminal  # in a log, a long line stays one line (not 80-column pieces)

    def say(message: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # the terminal may be gone (SIGHUP)
            console.print(message)

    say(f"Starting the demo in {demo.data_dir} (every process logs to {demo.data_dir / 'logs'}) ...")
    for note in demo.port_notes:
        say(f"[yellow]{note}[/]")
    say("Ports: " + ", ".join(f"{what} {port}" for what, port in demo.ports.items()))
    say(
        f"Accounts: {', '.join(demo.accounts.handles)}"
        + (
            " (each through its own proxy: "
            + ", ".join(f"{h} {p.url}" for h, p in demo.accounts.proxies.items())
            + ")"
            if demo.accounts.proxies
            else ""
        )
    )
    sandbox_url = demo.env["LINKEDIN_BASE_URL"]
    with StopSignals(say) as signals:
        try:
            demo.start()
            say(demo.database_note)
            _live(demo, console, started)
        except StopRequested as stop:
            say(f"{stop} received: stopping every process (a second signal skips the grace)")
        finally:
            signals.stopping()
            with contextlib.suppress(Exception):  # the browsers are still up: their memory now
                demo.sample_memory()
            problems: list[str] = []
            demo.stop(
                settings.SHUTDOWN_GRACE_SECONDS,
                signals.urgent,
                say,
                between=lambda: problems.extend(_safety(demo, sandbox_url)),
            )
            with contextlib.suppress(OSError):  # the ML worker's model build, for the next demo
                if demo_template.keep_model(demo.data_dir / "models", demo.kept_models):
                    say(f"embedding model kept in {demo.kept_models} for the next demo")
    with contextlib.suppress(OSError, ValueError):
        return _summary(demo, console, started, problems)
    return 1 if problems else 0


def _live(demo: Demo, console, started: float) -> None:
    """The funnel until DEMO_SECONDS have passed (forever without it) or a process dies: a live table on a
    terminal, one progress line per interval otherwise (`openoutreach.demo_view`)."""
    from django.conf import settings

    from openoutreach.demo_view import FunnelView
    from openoutreach.launcher import ensure_admin_credentials
    from openoutreach.outreach.models import ActionLog

    user, password = ensure_admin_credentials(demo.data_dir)
    console.print(
        f"Admin http://127.0.0.1:{demo.ports['web']}/admin/ (user {user!r}, password {password!r}) · "
        f"Flower http://127.0.0.1:{demo.ports['flower']}/ (user {settings.FLOWER_USER!r}, "
        f"password {settings.FLOWER_PASSWORD!r}); both answer once the first action is done"
    )
    next_refresh = next_memory = 0.0
    with FunnelView(console, f"OpenOutreach demo (sandbox clock x{TIME_SCALE})", _caption(demo)) as view:
        while demo.seconds is None or time.monotonic() - started < demo.seconds:
            dead = [p.name for p in demo.procs if not p.alive()]
            if dead:
                raise RuntimeError(f"process(es) {', '.join(dead)} exited; see {demo.data_dir / 'logs'}")
            if time.monotonic() >= next_refresh:
                demo.refresh_record()
                next_refresh = time.monotonic() + 5
            if time.monotonic() >= next_memory:
                demo.sample_memory()
                next_memory = time.monotonic() + MEMORY_SAMPLE_SECONDS
            time.sleep(1)
            rows = _rows()
            elapsed = time.monotonic() - started
            if not demo.deferred_started and (
                elapsed >= DEFERRED_START_SECONDS or ActionLog.objects.exists()
            ):
                demo.start_deferred()
            if demo.first_completed is None and completed_count(rows):
                demo.first_completed = first_completed_seconds(demo.started_at, elapsed)
                console.print(f"First Completed after {demo.first_completed:.0f} s")
            view.show(elapsed, rows)


def _safety(demo: Demo, sandbox_url: str) -> list[str]:
    sandbox = demo.proc("sandbox")
    if sandbox is None or not sandbox.alive():
        return ["sandbox not running"]
    try:
        if demo.accounts.proxies:
            from openoutreach.sandbox.testing import SandboxControl

            demo.proxy_counts = SandboxControl(sandbox_url).proxies()
        return safety_report(sandbox_url, demo.accounts.expected_proxies)
    except Exception as exc:  # stopped before the CRM existed: still stop every process
        return [f"no safety report ({type(exc).__name__}: {exc})"]


def _summary(demo: Demo, console, started: float, problems: list[str]) -> int:
    """The final funnel and, read from the same CRM after every worker stopped, the first Completed person
    (a follow-up a worker finished during its grace counts in both), the time to each first step, the
    browser workers' memory and the safety verdict; the exit status."""
    from openoutreach.demo_view import print_whole
    from openoutreach.outreach.models import ActionLog

    elapsed = time.monotonic() - started
    try:
        rows = _rows()
        print_whole(console, _table(elapsed, demo, rows))
        nothing_done = not ActionLog.objects.exists()
        if completed_count(rows) and demo.first_completed is None:  # reached after the last live look
            demo.first_completed = first_completed_seconds(demo.started_at, elapsed)
        firsts = first_steps(demo.started_at)
    except Exception:  # stopped before the CRM was migrated
        rows, nothing_done, firsts = [], True, {}
    if nothing_done:
        console.print(f"[yellow]Nothing was done in this run: see the logs in {demo.data_dir / 'logs'}.[/]")
    console.print(completed_message(demo.first_completed, elapsed))
    if firsts:
        console.print(
            "First of each step: " + ", ".join(f"{what} {seconds:.0f} s" for what, seconds in firsts.items())
        )
    for handle, memory in demo.memory.items():
        console.print(
            f"Browser worker of {handle}: {memory} at the end, at most {demo.peak_memory[handle].pss / MB:.0f} MB PSS"
        )
    if demo.accounts.proxies and not problems:
        console.print(f"Proxies: {_proxy_line(demo)}")
    if problems:
        console.print("[bold red]Safety rules broken:[/]")
        for problem in problems:
            console.print(f"  - {problem}")
        return 1
    own_proxies = ", every account through its own proxy" if demo.accounts.proxies else ""
    console.print(
        "[bold green]Safety: no bot signal in the sandbox, every cap kept, every action inside working "
        f"hours{own_proxies}.[/]"
    )
    return 0


def _proxy_line(demo: Demo) -> str:
    from openoutreach.forward_proxy import proxy_summary

    return proxy_summary(demo.accounts.expected_proxies, demo.proxy_counts)
