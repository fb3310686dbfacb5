"""Django settings for OpenOutreach: every default in one place, every value typed from the environment.

Values come from the process environment, then from `<DATA_DIR>/openoutreach.env` (written by
`manage.py onboard`; the real environment wins). A value that does not parse stops the process at start
with a message naming the variable (`Environment variable "CONNECT_DAILY_LIMIT" invalid: ...`).

DjangoCRM (django-crm-admin 1.7.0) is a whole project rather than a reusable app: its settings modules
are star-imported for the CRM-specific names, and its app configs are replaced by quiet subclasses
(`openoutreach.crmapps`) so that no background threads start in our web, worker, beat or test processes.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
import sys
from pathlib import Path

import crm as _djangocrm
from common.settings import *  # noqa: F403
from crm.settings import *  # noqa: F403  (DjangoCRM's own names: columns, IMAP, ...)
from environs import Env, EnvError
from marshmallow import ValidationError
from tasks.settings import *  # noqa: F403
from voip.settings import *  # noqa: F403
from webcrm.datetime_settings import *  # noqa: F403

PROJECT_DIR = Path(__file__).resolve().parent.parent

env = Env(eager=True)
TESTING = "pytest" in sys.modules or sys.argv[1:2] == ["test"]

# A test run gets its own throw-away data directory (inherited by the worker processes tests start),
# so tests never touch the operator's ./data. Parallel test processes (pytest-xdist's gw0, gw1, ...)
# inherit one environment: each takes its own folder inside it (its SQLite test database, credentials
# key, cookies, models and captures), marked so that pytest runs started by a test keep their parent's.
if TESTING:
    import tempfile

    if "DATA_DIR" not in os.environ:
        os.environ["DATA_DIR"] = tempfile.mkdtemp(prefix="openoutreach-test-")
    _xdist_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if _xdist_worker and os.environ.get("OPENOUTREACH_TEST_WORKER") != _xdist_worker:
        os.environ["DATA_DIR"] = str(Path(os.environ["DATA_DIR"]) / _xdist_worker)
        os.environ["OPENOUTREACH_TEST_WORKER"] = _xdist_worker


def _check(predicate, message: str):
    """A validator for env readers: marshmallow 4 ignores a validator that returns False, so it raises."""

    def check(value) -> None:
        if not predicate(value):
            raise ValidationError(message)

    return check


def _compose_database_url() -> str | None:
    """The CRM database of a compose deployment, when no DATABASE_URL is given: docker-compose.yml names
    it by POSTGRES_HOST / POSTGRES_PORT / POSTGRES_DB / POSTGRES_USER and .env gives POSTGRES_PASSWORD
    (URL-encoded here). compose/entrypoint builds the same URL for the services; this covers what it never
    sees: `docker compose exec web python manage.py ...` runs without the image's entrypoint."""
    from urllib.parse import quote

    e = os.environ
    if not (e.get("POSTGRES_HOST") and e.get("POSTGRES_PASSWORD")):
        return None
    user, password = (
        quote(e.get("POSTGRES_USER", "openoutreach"), safe=""),
        quote(e["POSTGRES_PASSWORD"], safe=""),
    )
    port, name = e.get("POSTGRES_PORT", "5432"), e.get("POSTGRES_DB", "openoutreach")
    return f"postgres://{user}:{password}@{e['POSTGRES_HOST']}:{port}/{name}"


def _fail(exc: Exception) -> None:
    """Stop the process with one readable line: a bad setting must never start a half-working system."""
    raise SystemExit(f"OpenOutreach configuration error: {exc}")


try:
    DATA_DIR: Path = env.path("DATA_DIR", PROJECT_DIR / "data").resolve()
    DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
    ENV_FILE = DATA_DIR / "openoutreach.env"
    if ENV_FILE.exists():
        env.read_env(str(ENV_FILE), override=False)

    DEBUG = env.bool("DEBUG", False)
    LOG_LEVEL = env.str("LOG_LEVEL", "INFO").upper()
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
    CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", [])
    DATABASES = {
        "default": env.dj_db_url(
            "DATABASE_URL", _compose_database_url() or f"sqlite:///{DATA_DIR / 'db.sqlite3'}"
        )
    }
    # Tests start their own Redis; until they do, a closed port makes any stray use fail loudly
    # instead of touching a Redis that happens to run on this machine.
    REDIS_URL = env.str("REDIS_URL", "redis://127.0.0.1:1/0" if TESTING else "redis://127.0.0.1:6379/0")

    # LinkedIn and the LLM: production points these at linkedin.com and a hosted model; the demo and the
    # tests point them at the sandbox. No code path knows which one it talks to.
    LINKEDIN_BASE_URL = env.str("LINKEDIN_BASE_URL", "https://www.linkedin.com").rstrip("/")
    # The query id of Voyager's GraphQL profile query (voyagerIdentityDashProfiles.<hash>; LinkedIn rotates
    # it). An account moves to that path when the REST profile endpoint is retired; empty = path off.
    VOYAGER_GRAPHQL_QUERY_ID = env.str("VOYAGER_GRAPHQL_QUERY_ID", "").strip()
    if VOYAGER_GRAPHQL_QUERY_ID and not VOYAGER_GRAPHQL_QUERY_ID.startswith("voyagerIdentityDashProfiles."):
        raise EnvError(
            'Environment variable "VOYAGER_GRAPHQL_QUERY_ID" invalid: expected voyagerIdentityDashProfiles.<hash>'
        )
    LLM_API_KEY = env.str("LLM_API_KEY", "")
    LLM_API_BASE = env.str("LLM_API_BASE", "") or None
    AI_MODEL = env.str("AI_MODEL", "gpt-4o-mini")
    LLM_TIMEOUT_SECONDS = env.float("LLM_TIMEOUT_SECONDS", 30.0)
    LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", 2)

    BROWSER_EXECUTABLE = env.str("BROWSER_EXECUTABLE", "") or None
    BROWSER_HEADLESS = env.bool("BROWSER_HEADLESS", True)
    # The browser worker's lease on its account: a dead worker's lease lapses after this long.
    ACCOUNT_LEASE_SECONDS = env.float(
        "ACCOUNT_LEASE_SECONDS", 30.0, validate=_check(lambda n: n >= 3, "expected value >= 3")
    )
    BROWSER_TASK_TIMEOUT_SECONDS = env.int(
        "BROWSER_TASK_TIMEOUT_SECONDS", 300, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    # Scales every human-like pause (typing, reading, waiting). 1.0 in production; tests lower it.
    BROWSER_HUMAN_SPEED = env.float(
        "BROWSER_HUMAN_SPEED", 1.0, validate=_check(lambda x: x >= 0, "expected value >= 0")
    )
    # A floor under the pace of page loads in one browser (independent of the human speed above).
    BROWSER_MIN_PAGE_GAP_SECONDS = env.float(
        "BROWSER_MIN_PAGE_GAP_SECONDS", 1.5, validate=_check(lambda x: x >= 0, "expected value >= 0")
    )
    # Failure captures (pages where an action could not find its control): at most this many per
    # account (their age is bounded by RETENTION_CAPTURES_DAYS).
    CAPTURES_MAX_COUNT = env.int(
        "CAPTURES_MAX_COUNT", 200, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    # After this many consecutive "control not found" outcomes of one action on one account, that
    # action pauses for the account until an operator resumes it (LinkedIn's page may have changed).
    BREAKER_THRESHOLD = env.int(
        "BREAKER_THRESHOLD", 3, validate=_check(lambda n: n >= 1, "expected value >= 1")
    )

    EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", "sentence-transformers/all-MiniLM-L6-v2")
    EMBEDDING_BATCH_SIZE = env.int(
        "EMBEDDING_BATCH_SIZE", 16, validate=_check(lambda n: 1 <= n <= 256, "must satisfy 1 <= value <= 256")
    )
    # Threads of the math libraries (BLAS/OpenMP) in each worker process: their per-core default made one
    # GP fit ~50x slower on a busy 2-core machine (openoutreach/ml/threads.py).
    ML_THREADS = env.int(
        "ML_THREADS", 1, validate=_check(lambda n: 1 <= n <= 64, "must satisfy 1 <= value <= 64")
    )
    # The acceptance model (openoutreach/ml/acceptance.py): an invitation accepted within this many days
    # counts as accepted; below ACCEPT_MIN_OUTCOMES decided invitations every person gets the campaign's
    # rate (fit alone ranks); ACCEPT_EXPLORE of the people are ranked on that rate alone once the model
    # has a say; beat asks the ML worker to rescore every active campaign each ACCEPT_RESCORE_SECONDS.
    ACCEPT_WINDOW_DAYS = env.int(
        "ACCEPT_WINDOW_DAYS", 14, validate=_check(lambda n: 1 <= n <= 90, "must satisfy 1 <= value <= 90")
    )
    ACCEPT_MIN_OUTCOMES = env.int(
        "ACCEPT_MIN_OUTCOMES", 30, validate=_check(lambda n: n >= 2, "expected value >= 2")
    )
    ACCEPT_EXPLORE = env.float(
        "ACCEPT_EXPLORE", 0.05, validate=_check(lambda x: 0 <= x <= 1, "must satisfy 0 <= value <= 1")
    )
    ACCEPT_RESCORE_SECONDS = env.float(
        "ACCEPT_RESCORE_SECONDS", 3600.0, validate=_check(lambda x: x >= 60, "expected value >= 60")
    )

    # Account safety defaults (per-account values in the admin override the limits).
    CONNECT_DAILY_LIMIT = env.int(
        "CONNECT_DAILY_LIMIT", 20, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    CONNECT_WEEKLY_LIMIT = env.int(
        "CONNECT_WEEKLY_LIMIT", 100, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    FOLLOWUP_DAILY_LIMIT = env.int(
        "FOLLOWUP_DAILY_LIMIT", 30, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    ENRICH_DAILY_LIMIT = env.int(
        "ENRICH_DAILY_LIMIT", 200, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    WITHDRAW_DAILY_LIMIT = env.int(
        "WITHDRAW_DAILY_LIMIT", 10, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    LANE_TICK_SECONDS = env.float(
        "LANE_TICK_SECONDS", 60.0, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    # Pacing: two actions of one lane on one account are at least this far apart (then the daily cap
    # spread over the working window decides, with +-PACING_JITTER around it).
    MIN_ACTION_INTERVAL_SECONDS = env.float(
        "MIN_ACTION_INTERVAL_SECONDS", 180.0, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    ENRICH_MIN_INTERVAL_SECONDS = env.float(
        "ENRICH_MIN_INTERVAL_SECONDS", 45.0, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    SEARCH_MIN_INTERVAL_SECONDS = env.float(
        "SEARCH_MIN_INTERVAL_SECONDS", 600.0, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    PACING_JITTER = env.float(
        "PACING_JITTER", 0.2, validate=_check(lambda x: 0 <= x < 1, "must satisfy 0 <= value < 1")
    )
    # The browser worker never sends two outward actions (invitation, message) closer than this, in
    # real seconds, whatever the lanes' timing: bursts are what platforms flag first.
    OUTWARD_ACTION_GAP_SECONDS = env.float(
        "OUTWARD_ACTION_GAP_SECONDS", 30.0, validate=_check(lambda n: n >= 3, "expected value >= 3")
    )
    # Compresses time for rehearsals against the sandbox (`make demo`): every pace and
    # pending check is divided by it. Caps and claims are not: a day's allowance stays a day's allowance,
    # and a browser task takes the real time it takes. 1 in production.
    TIME_SCALE = env.float("TIME_SCALE", 1.0, validate=_check(lambda x: x >= 1, "expected value >= 1"))
    CHECK_PENDING_HOURS = env.float(
        "CHECK_PENDING_HOURS", 24.0, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    CHECK_PENDING_BATCH = env.int(
        "CHECK_PENDING_BATCH", 10, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    ENRICH_BATCH = env.int("ENRICH_BATCH", 3, validate=_check(lambda n: n > 0, "expected value > 0"))
    FOLLOWUP_MAX_ATTEMPTS = env.int(
        "FOLLOWUP_MAX_ATTEMPTS", 3, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    # Conversations (openoutreach/conversations/): how often an account's inbox is read (minutes, paced with
    # jitter like every lane, divided by TIME_SCALE), how many changed threads one sync opens, and how far
    # an out-of-office reply pushes the deal's next automated message back.
    INBOX_SYNC_MINUTES = env.float(
        "INBOX_SYNC_MINUTES", 60.0, validate=_check(lambda n: n >= 1, "expected value >= 1")
    )
    INBOX_THREADS_PER_SYNC = env.int(
        "INBOX_THREADS_PER_SYNC", 10, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    OUT_OF_OFFICE_DELAY_DAYS = env.float(
        "OUT_OF_OFFICE_DELAY_DAYS", 7.0, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )
    CONNECT_MAX_ATTEMPTS = env.int(
        "CONNECT_MAX_ATTEMPTS", 2, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    SEARCH_MAX_PAGES = env.int("SEARCH_MAX_PAGES", 5, validate=_check(lambda n: n > 0, "expected value > 0"))
    CLAIM_SECONDS = env.int("CLAIM_SECONDS", 1200, validate=_check(lambda n: n > 0, "expected value > 0"))
    # Unexpected failures in a row (a browser task that raised) before the account backs off (paused
    # 5 minutes, doubling up to 6 hours); any success resets the count.
    ACCOUNT_FAILURES_BEFORE_BACKOFF = env.int(
        "ACCOUNT_FAILURES_BEFORE_BACKOFF", 3, validate=_check(lambda n: n > 0, "expected value > 0")
    )

    # On SIGINT/SIGTERM/SIGHUP, `make run`, `make demo` and the supervisor give running tasks this long to
    # finish (a browser action half done is worse than one not started), then kill what is left.
    SHUTDOWN_GRACE_SECONDS = env.float(
        "SHUTDOWN_GRACE_SECONDS", 30.0, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )

    # Retention, applied hourly by workers/housekeeping.py. The ActionLog rows of browser actions
    # (login, enrich, search, connect, check_pending, follow_up) are the audit trail and caps' source:
    # never deleted. What ages out: the ML worker's rows (a qualify summary per run, a row per LLM call;
    # the budget reads today's only), Celery task results, saved pages, and *.log files in the data dir.
    RETENTION_SUMMARY_DAYS = env.int(
        "RETENTION_SUMMARY_DAYS", 30, validate=_check(lambda n: n >= 2, "expected value >= 2")
    )
    RETENTION_TASK_RESULTS_DAYS = env.int(
        "RETENTION_TASK_RESULTS_DAYS", 7, validate=_check(lambda n: n >= 1, "expected value >= 1")
    )
    RETENTION_CAPTURES_DAYS = env.int(
        "RETENTION_CAPTURES_DAYS", 30, validate=_check(lambda n: n >= 1, "expected value >= 1")
    )
    RETENTION_LOG_DAYS = env.int(
        "RETENTION_LOG_DAYS", 14, validate=_check(lambda n: n >= 1, "expected value >= 1")
    )
    # Webhook events (and their delivery log) once every delivery of theirs is delivered or abandoned.
    RETENTION_WEBHOOK_DAYS = env.int(
        "RETENTION_WEBHOOK_DAYS", 30, validate=_check(lambda n: n >= 1, "expected value >= 1")
    )

    # Webhooks (openoutreach/webhooks/, docs/webhooks.md): a failed delivery is retried after
    # WEBHOOK_RETRY_START_SECONDS, doubling up to WEBHOOK_RETRY_MAX_SECONDS, at most WEBHOOK_MAX_ATTEMPTS
    # times; beat's sweep (every WEBHOOK_SWEEP_SECONDS) sends what is due, so a delivery whose worker died
    # is sent later, not lost. An endpoint is disabled after WEBHOOK_DISABLE_AFTER_FAILURES failed attempts
    # in a row that span at least WEBHOOK_DISABLE_AFTER_HOURS (a short outage with a burst of events does
    # not disable it).
    WEBHOOK_TIMEOUT_SECONDS = env.float(
        "WEBHOOK_TIMEOUT_SECONDS",
        10.0,
        validate=_check(lambda n: 0 < n <= 60, "must satisfy 0 < value <= 60"),
    )
    WEBHOOK_MAX_ATTEMPTS = env.int(
        "WEBHOOK_MAX_ATTEMPTS", 10, validate=_check(lambda n: 1 <= n <= 50, "must satisfy 1 <= value <= 50")
    )
    WEBHOOK_RETRY_START_SECONDS = env.float(
        "WEBHOOK_RETRY_START_SECONDS", 30.0, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    WEBHOOK_RETRY_MAX_SECONDS = env.float(
        "WEBHOOK_RETRY_MAX_SECONDS", 3600.0, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    WEBHOOK_SWEEP_SECONDS = env.float(
        "WEBHOOK_SWEEP_SECONDS", 15.0, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    WEBHOOK_DISABLE_AFTER_FAILURES = env.int(
        "WEBHOOK_DISABLE_AFTER_FAILURES", 20, validate=_check(lambda n: n > 0, "expected value > 0")
    )
    WEBHOOK_DISABLE_AFTER_HOURS = env.float(
        "WEBHOOK_DISABLE_AFTER_HOURS", 24.0, validate=_check(lambda n: n >= 0, "expected value >= 0")
    )

    FLOWER_USER = env.str("FLOWER_USER", "admin")
    FLOWER_PASSWORD = env.str("FLOWER_PASSWORD", "")
    CREDENTIALS_KEY = env.str("CREDENTIALS_KEY", "")
except EnvError as exc:
    _fail(exc)

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, beat, workers) share the file: WAL lets readers run beside one writer,
    # IMMEDIATE transactions take the write lock up front instead of failing on upgrade, and the
    # timeout waits for a busy writer instead of raising "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # Tests run worker processes against the test database: it must be a file they can open.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

MEDIA_ROOT = DATA_DIR / "media"
COOKIES_DIR = DATA_DIR / "cookies"
MODELS_DIR = DATA_DIR / "models"
CACHE_DIR = DATA_DIR / "cache"
CAPTURES_DIR = DATA_DIR / "captures"  # saved pages (secrets stripped); in backups on request, aged out
EMBEDDINGS_DB = DATA_DIR / "embeddings.duckdb"
ANALYTICS_DB = DATA_DIR / "analytics.duckdb"
for _d in (MEDIA_ROOT, COOKIES_DIR, MODELS_DIR, CACHE_DIR, DATA_DIR / "static"):
    _d.mkdir(parents=True, exist_ok=True)
COOKIES_DIR.chmod(0o700)  # session cookies are account credentials


def _secret_from_file(path: Path, make) -> str:
    """Read a generated secret kept in the data dir, creating it once (owner-only) when absent."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", "") or _secret_from_file(
    DATA_DIR / "secret_key", lambda: secrets.token_urlsafe(50)
)
CREDENTIALS_KEY_FILE = DATA_DIR / "credentials.key"
if not FLOWER_PASSWORD:
    FLOWER_PASSWORD = _secret_from_file(DATA_DIR / "flower_password", lambda: secrets.token_urlsafe(12))

# DjangoCRM reads a few data files relative to BASE_DIR (e.g. crm/forms/iso_currency_codes.json), and
# its templates live beside its packages: point BASE_DIR at the directory holding them.
BASE_DIR = Path(_djangocrm.__file__).resolve().parent.parent

INSTALLED_APPS = [
    "django.contrib.sites",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "openoutreach.crmapps.QuietCrmConfig",
    "openoutreach.crmapps.QuietMassmailConfig",
    "openoutreach.crmapps.QuietAnalyticsConfig",
    "help",
    "tasks.apps.TasksConfig",
    "chat.apps.ChatConfig",
    "voip",
    "openoutreach.crmapps.QuietCommonConfig",
    "settings",  # DjangoCRM's own app named `settings` (public email domains, stop phrases)
    "django_celery_results",
    "openoutreach.outreach",
    "openoutreach.webhooks",
    "openoutreach.conversations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.utils.admin_redirect_middleware.AdminRedirectMiddleware",
    "common.utils.usermiddleware.UserMiddleware",
]

ROOT_URLCONF = "openoutreach.urls"
WSGI_APPLICATION = "openoutreach.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PROJECT_DIR / "openoutreach" / "templates", BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_URL = "media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve static files straight from the apps (no collectstatic step needed for `make run`).
WHITENOISE_USE_FINDERS = True


def _icon_font_dir() -> Path:
    """Where the Material Icons font files are: DjangoCRM draws every icon with that font and loads it from
    a web font CDN, which an offline or privacy-minded install never reaches (the icons then show as words
    like "event_busy"). The font comes from a package (requirements/crm.txt) and is served as a static file
    under static/icons/ (templates/admin/base.html). The package is only located, never imported."""
    spec = importlib.util.find_spec("tkinter_icons_gmi")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(
            "the Material Icons font package is missing: pip install --no-deps -r requirements/crm.txt"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "fonts"


STATICFILES_DIRS = [("icons", _icon_font_dir())]
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"
SITE_ID = 1

# DjangoCRM URL prefixes: the CRM UI under /crm/, Django Admin under /admin/ (superusers only; the CRM
# middleware sends everyone else, including anonymous users, to /crm/login/).
# (DjangoCRM's names: URL prefixes, not secrets.)
SECRET_CRM_PREFIX = "crm/"  # noqa: S105
SECRET_ADMIN_PREFIX = "admin/"  # noqa: S105
SECRET_LOGIN_PREFIX = "login/"  # noqa: S105
LOGIN_URL = "/crm/login/"
CRM_IP = "127.0.0.1"
CRM_REPLY_TO = ["'Do not reply' <crm@example.com>"]
NOT_ALLOWED_EMAILS: list[str] = []
APP_ON_INDEX_PAGE = ["outreach", "crm", "tasks", "common"]
MODEL_ON_INDEX_PAGE = {
    "outreach": {"app_model_list": ["Campaign", "LinkedInAccount", "SearchKeyword", "ActionLog"]},
    "crm": {"app_model_list": ["Deal", "Lead", "Company", "Contact"]},
    "tasks": {"app_model_list": ["Task", "Memo"]},
    "common": {"app_model_list": ["UserProfile", "Reminder"]},
}
VAT = 0
CLIENT_ID = CLIENT_SECRET = REDIRECT_URI = ""
OAUTH2_DATA: dict = {}
GOOGLE_RECAPTCHA_SITE_KEY = GOOGLE_RECAPTCHA_SECRET_KEY = ""
GEOIP = False
GEOIP_PATH = MEDIA_ROOT / "geodb"
SHOW_USER_CURRENT_TIME_ZONE = False
NO_NAME_STR = "Untitled"
LOAD_EXCHANGE_RATE = False
LOADING_EXCHANGE_RATE_TIME = "6:30"
LOAD_RATE_BACKEND = ""
MARK_PAYMENTS_THROUGH_REP = False
SITE_TITLE = "OpenOutreach"
ADMIN_HEADER = "OpenOutreach"
ADMIN_TITLE = "OpenOutreach Admin"
INDEX_TITLE = "OpenOutreach"
MAILING = False
COPYRIGHT_STRING = "OpenOutreach, built on Django-CRM"
PROJECT_NAME = "OpenOutreach"
PROJECT_SITE = "https://djangocrm.github.io/info/"
EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
EMAIL_HOST = "localhost"
EMAIL_HOST_PASSWORD = ""
EMAIL_HOST_USER = "crm@example.com"
EMAIL_PORT = 25
EMAIL_SUBJECT_PREFIX = "OpenOutreach: "
EMAIL_USE_TLS = False
SERVER_EMAIL = DEFAULT_FROM_EMAIL = "openoutreach@localhost"
ADMINS: list[tuple[str, str]] = []
FIXTURE_DIRS: list[str] = []

# Security: production-safe unless DEBUG is asked for (`manage.py check --deploy` reads these).
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"  # only DjangoCRM's mail previews use frames, and they need MAILING (off)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.bool("SECURE_COOKIES", False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("BEHIND_TLS_PROXY", False) else None

# --- Celery (read by openoutreach/celery.py with namespace="CELERY") ---
# https://docs.celeryq.dev/en/stable/userguide/configuration.html
CELERY_BROKER_URL = REDIS_URL
# Results live in the CRM database: Redis may be flushed, the audit trail must not be.
CELERY_RESULT_BACKEND = "django-db"
# Results need task names and args to be useful in the admin and Flower.
CELERY_RESULT_EXTENDED = True
CELERY_RESULT_EXPIRES = RETENTION_TASK_RESULTS_DAYS * 24 * 3600
# JSON only: no pickle over the broker (a compromised Redis must not mean code execution).
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# A browser task can take minutes; acknowledge after it ran so a crash redelivers it (the tasks are
# idempotent: they re-read the deal and the live state before acting) ...
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# ... and never reserve a second one while the first runs: it would wait behind a long browser task.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Flower shows lanes only when workers send task events and clients send "sent" events.
CELERY_WORKER_SEND_TASK_EVENTS = True
CELERY_TASK_SEND_SENT_EVENT = True
# A solo browser/ML worker answers no `inspect` while a task runs: a STARTED state in the result
# backend (the admin's task results) is how an operator sees what a busy worker is doing.
CELERY_TASK_TRACK_STARTED = True
# Unacked tasks come back after this long. Longer than any task, shorter than "forever"; long ETAs are
# never used for "later" (a database timestamp is), so this only bounds crash recovery.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env.int("BROKER_VISIBILITY_TIMEOUT", 3600)}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = "UTC"
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# --- Logging: concise, quiet libraries, secrets redacted ---
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "openoutreach.redaction.RedactSecrets"}},
    "formatters": {
        "short": {"format": "%(asctime)s %(levelname).1s %(name)s: %(message)s", "datefmt": "%H:%M:%S"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "short", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        name: {"level": "WARNING"}
        for name in (
            "urllib3",
            "httpx",
            "httpcore",
            "httpx2",  # the openai client's HTTP stack logs under these names (every call at INFO)
            "httpcore2",
            "openai",
            "asyncio",
            "kombu",
            "amqp",
            "playwright",
            "fastembed",
            "onnxruntime",
            "matplotlib",
            "PIL",
            "django.db.backends",
            "django.utils.autoreload",
            "celery.redirected",
            "dbt",
            "tornado.access",
        )
    },
}
