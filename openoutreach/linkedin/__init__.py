"""The browser layer: one LinkedIn account driven through a stealth Playwright Chromium.

`session` (the browser), `login`, `selectors` (every selector, with fallbacks), `voyager` (API client
and pure parser), `actions` (scrape, status, connect, message, search, discovery), `client` (ties them
to one account). Plain modules: no Django or Celery here; callers pass base URL, paths and timeouts.
"""
