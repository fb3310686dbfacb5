# OpenOutreach: one image for every role (web, beat, workers, browser supervisor, flower).
# docker-compose.yml picks the role with `command: /app/compose/start-<role>`.
#
# Build arguments and secrets (README "Docker Compose" > "Building the image"):
# - BASE_IMAGE: the image to build on. The default is the official Python image; any Debian bookworm
#   image works too (its own Python 3.11 is installed from Debian's packages), e.g. one made with
#   debootstrap where no image registry is reachable.
# - the optional BuildKit secret `ca` (`--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt`): a CA
#   bundle pip trusts while it installs, for networks whose TLS is inspected by a proxy.
# - the optional BuildKit secret `pipconf` (`--secret id=pipconf,src=pip.conf`): a pip configuration file
#   for that step (index-url of a mirror or proxy index, which may carry credentials; trusted-host; timeout).
#   Both are mounted for the pip step only and never stored in a layer. (No `# syntax=` line: that would
#   pull a frontend image; secret mounts work with the frontend built into Docker 20.10+, DOCKER_BUILDKIT=1.)
ARG BASE_IMAGE=python:3.11-slim-bookworm
FROM ${BASE_IMAGE}

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=openoutreach.settings \
    DATA_DIR=/data \
    BROWSER_EXECUTABLE=/usr/bin/chromium \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

# Debian's Chromium: Playwright's own browser download is not used (see the stack notes); fonts so that
# pages lay out as on a desktop; tzdata for the accounts' working-hour time zones. On a plain Debian base
# (no python3 with venv yet) Debian's Python 3.11 comes too; the official image already has its own.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-liberation tzdata \
    && if ! python3 -c "import ensurepip, venv" 2>/dev/null; then \
        apt-get install -y --no-install-recommends python3 python3-venv ca-certificates; fi \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -c "import sys; v = sys.version_info[:2]; sys.exit(0 if v == (3, 11) else 'OpenOutreach needs Python 3.11; the base image has %d.%d' % v)" \
    && python3 -m venv /opt/venv

WORKDIR /app

# Dependencies first (cached while only the code changes). DjangoCRM hard-pins versions it does not
# need, so it goes in without its deps; its real deps are in base.txt (via production.txt).
COPY requirements/ requirements/
RUN --mount=type=secret,id=ca --mount=type=secret,id=pipconf \
    if [ -s /run/secrets/pipconf ]; then export PIP_CONFIG_FILE=/run/secrets/pipconf; fi \
    && if [ -s /run/secrets/ca ]; then export PIP_CERT=/run/secrets/ca; fi \
    && pip install -r requirements/production.txt \
    && pip install --no-deps -r requirements/crm.txt

# Playwright's own driver (a node binary inside the playwright wheel) needs libatomic, which a plain
# Debian base lacks (found by `make compose-e2e`: the browser worker could not start). Kept after the pip
# step so that adding it did not invalidate the dependency layer; fold it into the first RUN at will.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libatomic1 \
    && rm -rf /var/lib/apt/lists/*

COPY . .

# An unprivileged user owning the data directory (a new named volume takes this ownership).
RUN useradd --create-home --uid 1000 openoutreach \
    && mkdir -p /data \
    && chown openoutreach:openoutreach /data \
    && chmod +x compose/entrypoint compose/healthcheck compose/start-*
USER openoutreach
VOLUME ["/data"]

EXPOSE 8000 5555
ENTRYPOINT ["/app/compose/entrypoint"]
CMD ["/app/compose/start-web"]
