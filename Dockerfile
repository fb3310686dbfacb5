# OpenOutreach: one image for every role (web, beat, workers, browser supervisor, flower).
# docker-compose.yml picks the role with `command: /app/compose/start-<role>`.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=openoutreach.settings \
    DATA_DIR=/data \
    BROWSER_EXECUTABLE=/usr/bin/chromium

# Debian's Chromium: Playwright's own browser download is not used (see the stack notes); fonts so that
# pages lay out as on a desktop; tzdata for the accounts' working-hour time zones.
RUN apt-get update \
    && apt-get install -y --no-install-recommends chromium fonts-liberation tzdata \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first (cached while only the code changes). DjangoCRM hard-pins versions it does not
# need, so it goes in without its deps; its real deps are in base.txt (via production.txt).
COPY requirements/ requirements/
RUN pip install -r requirements/production.txt \
    && pip install --no-deps -r requirements/crm.txt

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
