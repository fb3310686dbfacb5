#!/usr/bin/env python3
"""`make compose-e2e`: the users' docker-compose.yml brought up for real, with the sandbox as LinkedIn and
the LLM, driven as an operator would, then checked, restarted, checked again and removed.

Phases (each one's wall time is printed, and a summary at the end):
  prerequisites  Debian's docker.io / docker-compose (v1.29) / debootstrap (apt when root and missing);
                 `dockerd` started when no daemon answers (stopped again at the end if this run started it).
  base image     `debootstrap --variant=minbase bookworm` piped into `docker import` (no image registry is
                 reachable here). Cached: an existing `openoutreach-e2e-base:bookworm` is reused.
  images         the app image from the repository's Dockerfile on that base (BASE_IMAGE), with this
                 machine's CA bundle and pip index settings as BuildKit secrets of the pip step (never in a
                 layer); PostgreSQL and Redis images from Debian's packages (tests/deploy/e2e/*/).
  up             docker-compose.yml + tests/deploy/e2e/override.yml (images swapped, the network made
                 internal: nothing in the stack reaches past its own bridge), `--profile sandbox`, in a
                 scratch project directory holding the run's own .env (generated passwords; the app pointed
                 at the sandbox; the demo's compressed-time settings). Waits for web, flower and the
                 sandbox to be healthy.
  onboard        an admin user, then `exec web python manage.py onboard` headless (legal notice accepted
                 by its flag, account password on stdin), working hours set for the account (and in the
                 sandbox's own clock).
  checks         web healthy; Flower 401 without and with wrong credentials, 200 with the right ones; the
                 admin logs in (login form, CSRF token and cookie); data volume owned by the image's user.
  campaign       polls the CRM until the campaign has a Completed person (deadline, progress printed);
                 then the safety verdict: no bot signal in the sandbox, no cap exceeded, nothing outside
                 working hours.
  restart        `down` + `up`: the CRM, the generated secrets (SECRET_KEY, credentials key) and the
                 admin session survive; the stored LinkedIn password still decrypts.
  cleanup        `down -v --rmi all`: the stack's containers, network, volumes and images are removed (also
                 after a failure, once the containers' logs are printed). What stays: the debootstrapped
                 base image and BuildKit's layer cache (COMPOSE_E2E_PRUNE=1 removes both too).

Environment: COMPOSE_E2E_SKIP_OK=1 turns "Docker cannot run here" (not root and no daemon) into a SKIPPED
line and exit 0 (CI); COMPOSE_E2E_COMPLETED_SECONDS (default 900) bounds the wait for Completed;
COMPOSE_E2E_KEEP=1 leaves the stack up after a failure for inspection (cleanup is then yours:
`docker-compose -p openoutreach-e2e down -v --rmi all` in the printed directory). One run at a time per
machine (a lock file); stdlib only, so it runs on any python3.
"""

from __future__ import annotations

import configparser
import contextlib
import fcntl
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
E2E_DIR = Path(__file__).resolve().parent / "e2e"
PROJECT = "openoutreach-e2e"
BASE_IMAGE = "openoutreach-e2e-base:bookworm"
IMAGES = {  # what override.yml names; built here, removed at the end
    "app": "openoutreach-e2e/app:latest",
    "postgres": "openoutreach-e2e/postgres:15",
    "redis": "openoutreach-e2e/redis:7",
}
LOCK_FILE = Path(tempfile.gettempdir()) / "openoutreach-compose-e2e.lock"
SANDBOX = "http://sandbox:8765"
ACCOUNT = {"handle": "alice", "email": "alice@sandbox.test", "password": "alice-pass"}  # a sandbox member
ADMIN_USER = "e2e-admin"
APP_SERVICES = ("web", "beat", "worker-default", "worker-ml", "supervisor", "flower")
HEALTHY = ("web", "flower", "sandbox", "postgres", "redis")
# The demo's compressed time (openoutreach/demo.py); the safety settings keep their valid ranges
# (OUTWARD_ACTION_GAP_SECONDS >= 3; caps, working hours and warm-up are untouched).
FAST_TIME = {
    "TIME_SCALE": "720",
    "LANE_TICK_SECONDS": "2",
    "MIN_ACTION_INTERVAL_SECONDS": "0",
    "ENRICH_MIN_INTERVAL_SECONDS": "0",
    "OUTWARD_ACTION_GAP_SECONDS": "4",
    "CLAIM_SECONDS": "300",
    "SUPERVISOR_POLL_SECONDS": "2",
}


class Skip(Exception):
    """Docker cannot run on this machine (not a failure of the project)."""


class Failed(Exception):
    """A check did not hold."""


def say(message: str) -> None:
    print(f"[compose-e2e {time.strftime('%H:%M:%S')}] {message}", flush=True)


# -- phases and their times ------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.start = time.monotonic()
        self.phases: list[tuple[str, float, str]] = []

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        say(f"== {name}")
        began = time.monotonic()
        outcome = "failed"
        try:
            yield
            outcome = "ok"
        finally:
            took = time.monotonic() - began
            self.phases.append((name, took, outcome))
            say(f"== {name}: {took:.0f} s ({outcome})")

    def summary(self) -> str:
        lines = [f"  {name:<14} {took:7.0f} s  {outcome}" for name, took, outcome in self.phases]
        lines.append(f"  {'total':<14} {time.monotonic() - self.start:7.0f} s")
        return "\n".join(lines)


# -- running commands ------------------------------------------------------------------------------------


def run(
    argv: list[str],
    *,
    input: str | None = None,
    check: bool = True,
    capture: bool = True,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 1800,
) -> subprocess.CompletedProcess:
    done = subprocess.run(
        argv,
        input=input,
        text=True,
        capture_output=capture,
        env=env,
        cwd=cwd,
        timeout=timeout,
    )
    if check and done.returncode != 0:
        detail = (done.stdout or "")[-3000:] + (done.stderr or "")[-3000:] if capture else ""
        raise Failed(f"{' '.join(argv[:6])} ... exited {done.returncode}\n{detail}")
    return done


def docker_cli() -> str:
    """Debian's client: BuildKit built in (a newer CLI on PATH may want a buildx plugin that is absent)."""
    return "/usr/bin/docker" if Path("/usr/bin/docker").exists() else (shutil.which("docker") or "docker")


def daemon_answers(docker: str) -> bool:
    try:
        return run([docker, "info"], check=False, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def wait_until(what: str, ok: Callable[[], bool], seconds: float, every: float = 2.0) -> None:
    deadline = time.monotonic() + seconds
    while not ok():
        if time.monotonic() > deadline:
            raise Failed(f"{what}: not within {seconds:.0f} s")
        time.sleep(every)


# -- prerequisites ---------------------------------------------------------------------------------------


class Docker:
    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.cli = docker_cli()
        self.started: subprocess.Popen | None = None

    def prepare(self) -> None:
        root = os.geteuid() == 0
        missing = [
            package
            for package, binary in (("docker.io", "dockerd"), ("docker-compose", "docker-compose"),
                                    ("debootstrap", "debootstrap"))
            if not shutil.which(binary) and not Path(f"/usr/sbin/{binary}").exists()
        ]  # fmt: skip
        if missing:
            if not root or not shutil.which("apt-get"):
                raise Skip(f"missing {', '.join(missing)} and cannot install them (needs root and apt-get)")
            say(f"installing {' '.join(missing)} with apt-get")
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            run(["apt-get", "update", "-qq"], env=env)
            run(["apt-get", "install", "-y", "-qq", *missing], env=env)
            self.cli = docker_cli()
        if daemon_answers(self.cli):
            say("a Docker daemon is running: using it")
            return
        if not root:
            raise Skip("no Docker daemon answers and starting dockerd needs root")
        dockerd = shutil.which("dockerd") or "/usr/sbin/dockerd"
        log = (self.log_dir / "dockerd.log").open("ab")
        say(f"starting dockerd (log: {self.log_dir / 'dockerd.log'})")
        self.started = subprocess.Popen(
            [dockerd], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )

        def up() -> bool:
            if self.started.poll() is not None:
                tail = (self.log_dir / "dockerd.log").read_text(errors="replace")[-2000:]
                raise Failed(f"dockerd exited with {self.started.returncode}:\n{tail}")
            return daemon_answers(self.cli)

        wait_until("dockerd answering", up, 90)

    def stop(self) -> None:
        if self.started is None or self.started.poll() is not None:
            return
        say("stopping the dockerd this run started")
        self.started.terminate()
        try:
            self.started.wait(60)
        except subprocess.TimeoutExpired:
            self.started.kill()
            self.started.wait(10)

    def image_exists(self, name: str) -> bool:
        return run([self.cli, "image", "inspect", name], check=False).returncode == 0


def debian_mirror() -> str:
    """The Debian mirror apt uses on this machine (deb822 or one-line sources), else deb.debian.org."""
    if os.environ.get("COMPOSE_E2E_MIRROR"):
        return os.environ["COMPOSE_E2E_MIRROR"]
    sources = sorted(Path("/etc/apt/sources.list.d").glob("*.sources"))
    for path in sources:
        block_uri, block_suites = None, ""
        for line in [*path.read_text().splitlines(), ""]:
            if line.startswith("URIs:"):
                block_uri = line.split()[1]
            elif line.startswith("Suites:"):
                block_suites = line
            elif not line.strip():
                if block_uri and "bookworm" in block_suites and "security" not in block_uri:
                    return block_uri
                block_uri, block_suites = None, ""
    listing = Path("/etc/apt/sources.list")
    if listing.exists():
        for line in listing.read_text().splitlines():
            parts = line.split()
            if parts[:1] == ["deb"] and "bookworm" in parts and "security" not in line:
                return next(p for p in parts[1:] if p.startswith("http"))
    return "http://deb.debian.org/debian"


def base_image(docker: Docker, work: Path) -> None:
    if docker.image_exists(BASE_IMAGE):
        say(f"reusing the cached base image {BASE_IMAGE}")
        return
    rootfs = work / "rootfs"
    mirror = debian_mirror()
    say(f"debootstrap --variant=minbase bookworm from {mirror} (about a minute or two)")
    run(["debootstrap", "--variant=minbase", "bookworm", str(rootfs), mirror], timeout=1200)
    with subprocess.Popen(["tar", "-C", str(rootfs), "-c", "."], stdout=subprocess.PIPE) as tar:
        imported = subprocess.run(
            [docker.cli, "import", "-", BASE_IMAGE], stdin=tar.stdout, capture_output=True
        )
    if imported.returncode != 0 or tar.returncode != 0:
        raise Failed(f"docker import of the debootstrap tree failed: {imported.stderr.decode()[-2000:]}")
    shutil.rmtree(rootfs, ignore_errors=True)


# -- pip settings for the build ----------------------------------------------------------------------------


def pip_settings() -> tuple[str | None, dict[str, str]]:
    """This machine's CA bundle for pip, and its index settings (index-url, extra-index-url, trusted-host,
    timeout, retries), from the environment first, then pip's configuration files (as pip reads them)."""
    values: dict[str, str] = {}
    try:
        listed = subprocess.run(
            [sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True, timeout=60
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        listed = ""
    for line in listed.splitlines():  # e.g. global.index-url='https://...'
        key, _, value = line.partition("=")
        section, _, name = key.partition(".")
        if section in ("global", "install") and name:
            values.setdefault(name, value.strip().strip("'\""))
    for name in (
        "cert",
        "index-url",
        "extra-index-url",
        "trusted-host",
        "timeout",
        "default-timeout",
        "retries",
    ):
        env_value = os.environ.get("PIP_" + name.upper().replace("-", "_"))
        if env_value:
            values[name] = env_value
    if "default-timeout" in values:
        values.setdefault("timeout", values.pop("default-timeout"))
    for name in ("index-url", "extra-index-url"):  # file:// indexes are this host's folders: not in a build
        urls = [u for u in values.get(name, "").split() if u.startswith(("http://", "https://"))]
        if urls:
            values[name] = " ".join(urls)
        else:
            values.pop(name, None)
    cert = values.pop("cert", None)
    if not cert:
        cert = next((c for c in ("/etc/ssl/certs/ca-certificates.crt",) if Path(c).exists()), None)
    kept = {
        k: v
        for k, v in values.items()
        if k in ("index-url", "extra-index-url", "trusted-host", "timeout", "retries")
    }
    return cert, kept


def write_pip_conf(path: Path, settings: dict[str, str]) -> None:
    conf = configparser.ConfigParser()
    conf["global"] = settings
    with path.open("w") as fh:
        conf.write(fh)
    path.chmod(0o600)  # an index URL may carry credentials


def build_images(docker: Docker, work: Path) -> None:
    env = {**os.environ, "DOCKER_BUILDKIT": "1"}
    cert, pip = pip_settings()
    pip_conf = work / "pip.conf"
    write_pip_conf(pip_conf, pip)
    shown = {k: ("<set>" if k in ("index-url", "extra-index-url") else v) for k, v in pip.items()}
    say(f"pip in the build: CA bundle {cert or 'none'}; settings {shown or 'none'} (BuildKit secrets)")
    app = [docker.cli, "build", "--progress=plain", "-t", IMAGES["app"], "--build-arg", f"BASE_IMAGE={BASE_IMAGE}",
           "--secret", f"id=pipconf,src={pip_conf}"]  # fmt: skip
    if cert:
        app += ["--secret", f"id=ca,src={cert}"]
    builds = {
        "app": [*app, str(ROOT)],
        "postgres": [docker.cli, "build", "--progress=plain", "-t", IMAGES["postgres"], "--build-arg",
                     f"BASE_IMAGE={BASE_IMAGE}", str(E2E_DIR / "postgres")],
        "redis": [docker.cli, "build", "--progress=plain", "-t", IMAGES["redis"], "--build-arg",
                  f"BASE_IMAGE={BASE_IMAGE}", str(E2E_DIR / "redis")],
    }  # fmt: skip
    # The three at once: apt and pip downloads overlap the other builds' work.
    procs = {}
    began = time.monotonic()
    for name, argv in builds.items():
        log = (work / f"build-{name}.log").open("w")
        procs[name] = (subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env), log, began)
    failed = []
    ended: dict[str, float] = {}
    try:
        while len(ended) < len(procs):
            for name, (proc, _, _) in procs.items():
                if name not in ended and proc.poll() is not None:
                    ended[name] = time.monotonic()
            if time.monotonic() - began > 3600:
                raise Failed("the image builds took over an hour")
            time.sleep(1)
        codes = {name: proc.returncode for name, (proc, _, _) in procs.items()}
    finally:  # interrupted or timed out: no build goes on behind our back
        for proc, log, _ in procs.values():
            if proc.poll() is None:
                proc.terminate()
                proc.wait(30)
            log.close()
    for name, (_, _, start) in procs.items():
        code = codes[name]
        say(f"image {name}: {'built' if code == 0 else f'FAILED ({code})'} after {ended[name] - start:.0f} s")
        if code != 0:
            failed.append(name)
    for name in failed:
        print((work / f"build-{name}.log").read_text(errors="replace")[-4000:], flush=True)
    if failed:
        raise Failed(f"image build failed: {', '.join(failed)}")
    for image in IMAGES.values():
        size = run([docker.cli, "image", "inspect", "-f", "{{.Size}}", image]).stdout.strip()
        say(f"  {image}: {int(size) / 1e9:.2f} GB")
    secret_leak = run(
        [docker.cli, "run", "--rm", "--network", "none", "--mount", "type=tmpfs,destination=/data", "--entrypoint", "sh", IMAGES["app"], "-c",
         "ls /run/secrets 2>/dev/null; env | grep -c '^PIP_CERT=' || true; test -e /etc/pip.conf && echo pipconf; true"],
    ).stdout.split()  # fmt: skip
    if secret_leak != ["0"]:
        raise Failed(f"the app image kept a build secret: {secret_leak}")


# -- the compose project -----------------------------------------------------------------------------------


class Stack:
    def __init__(self, docker: Docker, work: Path) -> None:
        self.docker = docker
        self.dir = work / "project"
        self.dir.mkdir()
        shutil.copy(ROOT / "docker-compose.yml", self.dir / "docker-compose.yml")
        shutil.copy(E2E_DIR / "override.yml", self.dir / "override.yml")
        self.flower_user = "e2e"
        self.flower_password = "e2e," + secrets.token_urlsafe(16)  # a comma: one credential, never split
        self.admin_password = secrets.token_urlsafe(16)
        env = {
            "SECRET_KEY": "",  # generated once into the data volume: the restart must keep it
            "CREDENTIALS_KEY": "",
            "ALLOWED_HOSTS": "localhost,127.0.0.1,web",
            "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
            "FLOWER_USER": self.flower_user,
            "FLOWER_PASSWORD": self.flower_password,
            # the sandbox as LinkedIn and the LLM (README "Rehearsing against the sandbox")
            "LINKEDIN_BASE_URL": SANDBOX,
            "LLM_API_BASE": f"{SANDBOX}/v1",
            "LLM_API_KEY": "sandbox",
            "AI_MODEL": "sandbox-model",
            "VOYAGER_GRAPHQL_QUERY_ID": "",  # filled in from the sandbox image below
            **FAST_TIME,
        }
        env["VOYAGER_GRAPHQL_QUERY_ID"] = run(
            [docker.cli, "run", "--rm", "--network", "none", "--mount", "type=tmpfs,destination=/data", "--entrypoint", "python", IMAGES["app"], "-c",
             "from openoutreach.sandbox.voyager_graphql import DEFAULT_QUERY_ID; print(DEFAULT_QUERY_ID)"],
        ).stdout.strip()  # fmt: skip
        (self.dir / ".env").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
        (self.dir / ".env").chmod(0o600)

    def compose(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        argv = ["docker-compose", "-p", PROJECT, "-f", "docker-compose.yml", "-f", "override.yml",
                "--profile", "sandbox", *args]  # fmt: skip
        return run(argv, cwd=self.dir, **kwargs)

    def exec(self, service: str, *argv: str, input: str | None = None, check: bool = True) -> str:
        return self.compose("exec", "-T", service, *argv, input=input or "", check=check, timeout=600).stdout

    def django(self, code: str, input: str | None = None) -> dict:
        """Run Python in the web container with Django set up; the code prints one `E2E-JSON <json>` line."""
        out = self.exec("web", "python", "manage.py", "shell", "-c", code, input=input)
        line = next((ln for ln in out.splitlines() if ln.startswith("E2E-JSON ")), None)
        if line is None:
            raise Failed(f"no answer from the web container:\n{out[-2000:]}")
        return json.loads(line[len("E2E-JSON ") :])

    def container(self, service: str) -> str:
        return self.compose("ps", "-q", service).stdout.strip()

    def health(self, service: str) -> str:
        cid = self.container(service)
        if not cid:
            return "absent"
        fmt = "{{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}"
        return run([self.docker.cli, "inspect", "-f", fmt, cid], check=False).stdout.strip()

    def wait_healthy(self, services: tuple[str, ...], seconds: float) -> None:
        def all_healthy() -> bool:
            states = {s: self.health(s) for s in services}
            bad = {s: st for s, st in states.items() if st.startswith(("exited", "dead"))}
            if bad:
                raise Failed(f"containers stopped: {bad}")
            return all(st == "running/healthy" for st in states.values())

        wait_until(f"healthy: {', '.join(services)}", all_healthy, seconds, every=3)

    def up(self, *services: str) -> None:
        self.compose("up", "-d", "--no-build", *services, timeout=900)

    def running(self) -> dict[str, str]:
        services = [*APP_SERVICES, "postgres", "redis", "sandbox"]
        return {s: self.health(s) for s in services}

    def logs(self) -> None:
        out = self.compose("logs", "--no-color", "--tail=60", check=False, timeout=300)
        print(out.stdout[-60000:], out.stderr[-5000:], sep="\n", flush=True)

    def remove(self, images: bool = True) -> None:
        rmi = ["--rmi", "all"] if images else []
        self.compose("down", "-v", *rmi, "--remove-orphans", check=False, timeout=900)


# -- what runs inside the containers -------------------------------------------------------------------------

# HTTP from inside the stack (the e2e network is internal: nothing is published on the host).
PROBE = r"""
import base64, html, http.cookiejar, json, re, sys, urllib.error, urllib.parse, urllib.request
cfg = json.loads(sys.stdin.read())
def status(url, auth=None):
    request = urllib.request.Request(url)
    if auth is not None:
        request.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        return urllib.request.urlopen(request, timeout=30).status
    except urllib.error.HTTPError as exc:
        return exc.code
out = {}
if "flower" in cfg:
    f = cfg["flower"]
    out["flower"] = {
        "none": status(f["url"]),
        "wrong": status(f["url"], f["user"] + ":" + f["password"] + "-wrong"),
        "right": status(f["url"], f["user"] + ":" + f["password"]),
    }
if "admin" in cfg:
    a = cfg["admin"]
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    for name, value in a.get("cookies", {}).items():
        jar.set_cookie(http.cookiejar.Cookie(0, name, value, None, False, "127.0.0.1", False, False, "/",
                                             True, False, None, False, None, None, {}))
    if a.get("login"):  # as a person would: the login page (DjangoCRM's, /admin/login/ redirects there)
        response = opener.open(a["base"] + "/admin/login/?next=/admin/", timeout=30)
        page = response.read().decode()
        action = html.unescape(re.search(r'<form action="([^"]*)" method="post" id="login-form"', page).group(1))
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "username": a["user"],
                                       "password": a["password"], "next": "/admin/"}).encode()
        out["login_page"] = response.geturl()
        opener.open(urllib.parse.urljoin(response.geturl(), action), form, timeout=30)
    response = opener.open(a["base"] + "/admin/", timeout=30)
    body = response.read().decode()
    out["admin"] = {
        "status": response.status,
        "url": response.geturl(),
        "logged_in": "/admin/logout/" in body,
        "login_form": 'name="csrfmiddlewaretoken"' in body and 'name="password"' in body,
        "cookies": {c.name: c.value for c in jar if c.name == "sessionid"},
    }
print("E2E-JSON " + json.dumps(out))
"""

SANDBOX_CONTROL = r"""
import json, sys, urllib.request
method, path, body = sys.argv[1], sys.argv[2], sys.stdin.read() or None
request = urllib.request.Request("http://127.0.0.1:8765" + path, data=body.encode() if body else None,
                                 method=method, headers={"Content-Type": "application/json"})
print("E2E-JSON " + urllib.request.urlopen(request, timeout=60).read().decode())
"""

CREATE_ADMIN = r"""
import json, sys
from django.contrib.auth import get_user_model
user, password = json.loads(sys.stdin.read())
User = get_user_model()
if not User.objects.filter(username=user).exists():
    User.objects.create_superuser(user, f"{user}@example.test", password)
print("E2E-JSON " + json.dumps({"admins": User.objects.filter(is_superuser=True).count()}))
"""

ACCOUNT_HOURS = r"""
import json
from openoutreach.outreach.models import LinkedInAccount
a = LinkedInAccount.objects.get(handle="alice")
print("E2E-JSON " + json.dumps({"start": str(a.working_hours_start), "end": str(a.working_hours_end),
                                "zone": a.time_zone, "warmup": str(a.warmup_started_on)}))
"""

FUNNEL = r"""
import json
from openoutreach.operator.funnel import funnel
from openoutreach.outreach.models import Campaign
print("E2E-JSON " + json.dumps({c.name: funnel(c).counts for c in Campaign.objects.select_related("department")}))
"""

SAFETY = r"""
import json
from openoutreach.outreach.models import ActionLog, LinkedInAccount
from openoutreach.safety import caps
problems = []
for account in LinkedInAccount.objects.all():
    for kind, usage in caps.usage_summary(account).items():
        if usage.today > usage.daily_cap or (usage.weekly_cap is not None and usage.week > usage.weekly_cap):
            problems.append(f"{account.handle}: {kind} {usage.today} today / {usage.week} this week over its cap")
    for action in ActionLog.objects.filter(account=account, kind__in=["connect", "follow_up"], outcome="ok"):
        if not caps.in_working_hours(account, action.at):
            problems.append(f"{account.handle}: {action.kind} at {action.at:%H:%M:%S} outside working hours")
outward = ActionLog.objects.filter(kind__in=["connect", "follow_up"], outcome="ok").count()
print("E2E-JSON " + json.dumps({"problems": problems, "outward_actions": outward}))
"""

STATE = r"""
import hashlib, json, os, stat, sys
from django.conf import settings
from django.contrib.auth import get_user_model
from openoutreach.operator.funnel import funnel
from openoutreach.outreach.models import ActionLog, Campaign, LinkedInAccount
expected_password = sys.stdin.read()
def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None
def owner(path):
    st = path.stat()
    return f"{st.st_uid}:{st.st_gid}:{stat.S_IMODE(st.st_mode):o}"
data = settings.DATA_DIR
account = LinkedInAccount.objects.get(handle="alice")
print("E2E-JSON " + json.dumps({
    "secret_key": digest(data / "secret_key"),
    "credentials_key": digest(data / "credentials.key"),
    "settings_secret_key": hashlib.sha256(settings.SECRET_KEY.encode()).hexdigest(),
    "password_decrypts": account.get_password() == expected_password,
    "campaigns": sorted(c.name for c in Campaign.objects.select_related("department")),
    "funnel": {c.name: funnel(c).counts for c in Campaign.objects.select_related("department")},
    "action_log": ActionLog.objects.count(),
    "users": sorted(get_user_model().objects.values_list("username", flat=True)),
    "uid": os.getuid(),
    "owners": {p.name: owner(p) for p in [data, *sorted(data.iterdir())]
               if p == data or p.name in ("secret_key", "credentials.key", "openoutreach.env")},
}))
"""


# -- the run ---------------------------------------------------------------------------------------------------


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)
    say(f"ok: {message}")


def onboard(stack: Stack) -> None:
    scenario = json.loads(
        stack.exec("sandbox", "python", "-c", (
            "import json; from openoutreach.sandbox.scenarios import load_all; "
            "s = load_all()['devops']; print(json.dumps({'product': s.product, 'objective': s.objective}))"
        )).strip().splitlines()[-1]
    )  # fmt: skip
    admins = stack.django(CREATE_ADMIN, input=json.dumps([ADMIN_USER, stack.admin_password]))
    check(admins["admins"] >= 1, f"admin user {ADMIN_USER} created")
    out = stack.compose(
        "exec", "-T", "-e", f"PRODUCT_DOCS={scenario['product']}", "-e",
        f"CAMPAIGN_OBJECTIVE={scenario['objective']}", "web", "python", "manage.py", "onboard", "--no-input",
        "--accept-legal-notice", "--campaign-name", "devops (sandbox)", "--booking-link",
        "https://cal.example.com/demo", "--linkedin-email", ACCOUNT["email"], "--linkedin-password-file",
        "/dev/stdin", "--handle", ACCOUNT["handle"], "--working-hours", "00:00-23:59", "--time-zone", "UTC",
        "--already-warm", "yes",
        input=ACCOUNT["password"] + "\n", timeout=600,
    ).stdout  # fmt: skip
    print(out.strip(), flush=True)
    hours = stack.django(ACCOUNT_HOURS)
    check(hours["start"] == "00:00:00" and hours["end"] == "23:59:00" and hours["zone"] == "UTC",
          f"the account's working hours are configured ({hours})")  # fmt: skip
    # The sandbox judges hours on its own sped-up clock: the member works around it (as `make demo` does).
    answer = stack.exec("sandbox", "python", "-c", SANDBOX_CONTROL, "POST", "/_sandbox/accounts/alice",
                        input=json.dumps({"working_hours": [0, 24]}))  # fmt: skip
    check("E2E-JSON" in answer, "the sandbox member works all day on the sandbox clock")


def probe(stack: Stack, cfg: dict) -> dict:
    out = stack.exec("web", "python", "-c", PROBE, input=json.dumps(cfg))
    line = next((ln for ln in out.splitlines() if ln.startswith("E2E-JSON ")), None)
    if line is None:
        raise Failed(f"the HTTP probe said nothing useful:\n{out[-2000:]}")
    return json.loads(line[len("E2E-JSON ") :])


def admin_cfg(stack: Stack, **extra) -> dict:
    return {"base": "http://127.0.0.1:8000", "user": ADMIN_USER, "password": stack.admin_password, **extra}


def checks(stack: Stack) -> dict:
    check(stack.health("web") == "running/healthy", "web is healthy (its healthcheck: /healthz)")
    flower = {"url": "http://flower:5555/", "user": stack.flower_user, "password": stack.flower_password}
    seen = probe(stack, {"flower": flower, "admin": admin_cfg(stack, login=True)})
    f = seen["flower"]
    check(f["none"] == 401, f"Flower refuses a request without credentials (HTTP {f['none']})")
    check(f["wrong"] == 401, f"Flower refuses a wrong password (HTTP {f['wrong']})")
    check(f["right"] == 200, f"Flower accepts the right credentials (HTTP {f['right']})")
    a = seen["admin"]
    check(a["status"] == 200 and a["logged_in"] and not a["login_form"],
          f"the admin logs in through the login form ({seen['login_page']}) with its CSRF token; lands on {a['url']}")  # fmt: skip
    anonymous = probe(stack, {"admin": admin_cfg(stack, login=False)})["admin"]
    check(
        anonymous["login_form"] and not anonymous["logged_in"], "without a session the admin asks for a login"
    )
    wrong = probe(stack, {"admin": admin_cfg(stack, login=True, password=stack.admin_password + "-wrong")})
    check(not wrong["admin"]["logged_in"], "a wrong admin password is refused")
    return a["cookies"]


def wait_for_completed(stack: Stack) -> None:
    seconds = float(os.environ.get("COMPOSE_E2E_COMPLETED_SECONDS", "900"))
    deadline = time.monotonic() + seconds
    began = time.monotonic()
    while True:
        counts = stack.django(FUNNEL)
        line = "; ".join(
            f"{name}: " + " · ".join(f"{n} {state}" for state, n in c.items() if n)
            for name, c in counts.items()
        )
        say(f"  {time.monotonic() - began:4.0f} s  {line or 'no campaign'}")
        if any(c.get("completed", 0) > 0 for c in counts.values()):
            break
        if time.monotonic() > deadline:
            raise Failed(f"no Completed person within {seconds:.0f} s")
        down = {s: st for s, st in stack.running().items() if not st.startswith("running")}
        if down:
            raise Failed(f"containers not running: {down}")
        time.sleep(20)
    check(True, f"a campaign reached Completed after {time.monotonic() - began:.0f} s")
    signals = json.loads(
        stack.exec("sandbox", "python", "-c", SANDBOX_CONTROL, "GET", "/_sandbox/bot-signals").split(
            "E2E-JSON ", 1
        )[1]
    )
    found = signals.get("signals", [])
    check(not found, f"the sandbox saw no bot signal ({[s.get('kind') for s in found]})")
    safety = stack.django(SAFETY)
    check(not safety["problems"] and safety["outward_actions"] > 0,
          f"{safety['outward_actions']} outward actions, none over a cap or outside working hours "
          f"{safety['problems'] or ''}")  # fmt: skip


def restart(stack: Stack, session: dict) -> None:
    before = stack.django(STATE, input=ACCOUNT["password"])
    check(before["password_decrypts"], "the stored LinkedIn password decrypts")
    check(bool(before["secret_key"]) and bool(before["credentials_key"]),
          "SECRET_KEY and the credentials key were generated into the data volume")  # fmt: skip
    uid = before["uid"]
    owners = before["owners"]
    check(all(v.startswith(f"{uid}:{uid}:") for v in owners.values()),
          f"/data and its secrets belong to the image's user (uid {uid}): {owners}")  # fmt: skip
    check(all(v.endswith(":600") for k, v in owners.items() if k in ("secret_key", "credentials.key")),
          "the generated secrets are owner-only (0600)")  # fmt: skip
    check(uid != 0, f"the app runs unprivileged (uid {uid})")
    # Stop the work first so that the CRM holds still, then take the whole stack down (volumes kept).
    stack.compose("stop", "beat", "worker-default", "worker-ml", "supervisor", timeout=600)
    before = stack.django(STATE, input=ACCOUNT["password"])
    stack.compose("down", timeout=600)
    check(stack.running()["web"] == "absent", "docker-compose down removed the containers")
    # web alone first (with postgres and redis): the CRM as it was, before any worker changes it
    stack.up("web")
    stack.wait_healthy(("web", "postgres", "redis"), 300)
    after = stack.django(STATE, input=ACCOUNT["password"])
    for key in ("secret_key", "credentials_key", "settings_secret_key", "campaigns", "funnel", "action_log",
                "users", "owners"):  # fmt: skip
        check(after[key] == before[key], f"after down + up: {key} unchanged")
    check(after["password_decrypts"], "after down + up: the stored LinkedIn password still decrypts")
    kept = probe(stack, {"admin": admin_cfg(stack, login=False, cookies=session)})["admin"]
    check(kept["logged_in"], "after down + up: the admin's session from before the restart is still valid")
    stack.up()
    stack.wait_healthy(HEALTHY, 400)
    states = stack.running()
    check(all(st.startswith("running") for st in states.values()), f"every service runs again: {states}")


def main() -> int:
    clock = Clock()
    skip_ok = os.environ.get("COMPOSE_E2E_SKIP_OK") == "1"
    skipped = False
    LOCK_FILE.touch(exist_ok=True)
    lock = LOCK_FILE.open("w")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print(f"compose-e2e: another run holds {LOCK_FILE}: one run at a time per machine", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="openoutreach-compose-e2e-"))
    say(f"work directory {work} (build logs, the compose project and its .env)")
    docker = Docker(work)
    stack: Stack | None = None
    failure: BaseException | None = None
    try:
        with clock.phase("prerequisites"):
            docker.prepare()
        with clock.phase("base image"):
            base_image(docker, work)
        with clock.phase("images"):
            build_images(docker, work)
        with clock.phase("up"):
            stack = Stack(docker, work)
            stack.remove(images=False)  # leftovers of an interrupted run
            stack.up()
            stack.wait_healthy(HEALTHY, 400)
            say(f"services: {stack.running()}")
        with clock.phase("onboard"):
            onboard(stack)
        with clock.phase("checks"):
            session = checks(stack)
        with clock.phase("campaign"):
            wait_for_completed(stack)
        with clock.phase("restart"):
            restart(stack, session)
    except Skip as exc:
        print(f"SKIPPED compose e2e: {exc}", flush=True)
        skipped = True
        failure = None if skip_ok else exc
        if not skip_ok:
            print("(set COMPOSE_E2E_SKIP_OK=1 to make this a skip rather than a failure)", file=sys.stderr)
    except (Failed, subprocess.SubprocessError, OSError, KeyboardInterrupt) as exc:
        failure = exc
        say(f"FAILED: {type(exc).__name__}: {exc}")
        if stack is not None:
            say("the containers' logs:")
            stack.logs()
    finally:
        keep = failure is not None and os.environ.get("COMPOSE_E2E_KEEP") == "1"
        if keep:
            say(f"COMPOSE_E2E_KEEP=1: the stack stays up; project directory {stack.dir if stack else work}")
        else:
            with clock.phase("cleanup"):
                cleanup(docker, stack)
            shutil.rmtree(work, ignore_errors=True)
        docker.stop()
        say("phase times:\n" + clock.summary())
    if failure is not None:
        say("compose e2e FAILED")
        return 1
    if not skipped:
        say("compose e2e passed")
    return 0


def cleanup(docker: Docker, stack: Stack | None) -> None:
    if not daemon_answers(docker.cli):
        return
    if stack is not None:
        stack.remove()
    for image in IMAGES.values():
        if docker.image_exists(image):
            run([docker.cli, "image", "rm", "-f", image], check=False)
    left = run([docker.cli, "ps", "-a", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}"],
               check=False).stdout.split()  # fmt: skip
    volumes = run([docker.cli, "volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}"],
                  check=False).stdout.split()  # fmt: skip
    images = [i for i in IMAGES.values() if docker.image_exists(i)]
    if left or volumes or images:
        raise Failed(f"cleanup left containers {left}, volumes {volumes}, images {images}")
    if os.environ.get("COMPOSE_E2E_PRUNE") == "1":
        run([docker.cli, "image", "rm", "-f", BASE_IMAGE], check=False)
        run([docker.cli, "builder", "prune", "-a", "-f"], check=False)
        say("removed the base image and BuildKit's cache too (COMPOSE_E2E_PRUNE=1)")
    else:
        cache = run([docker.cli, "system", "df", "--format", "{{.Type}}: {{.Size}}"], check=False).stdout
        say("removed the stack's containers, network, volumes and images; kept for the next run: the base image "
            f"{BASE_IMAGE} and BuildKit's layer cache ({'; '.join(cache.split(chr(10))).strip('; ')}); "
            "COMPOSE_E2E_PRUNE=1 removes them too")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
