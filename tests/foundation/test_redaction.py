"""No secret reaches a log line: each shape is logged through the real logging configuration (a fresh
process with Django's LOGGING from settings.py) in the message, in exception text with its traceback and
in stack info, and the output is searched for the secret."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from openoutreach.processes import PROJECT_DIR
from openoutreach.redaction import redact

SECRETS = {
    "LINKEDIN_PASSWORD": "Linked1n-Pa55word",
    "LI_AT": "AQEDAR-li-at-cookie-value-9f8e7d",
    "JSESSIONID": "ajax:1234567890123456789",
    "STORAGE_COOKIE": "AQEDAR-storage-state-cookie-42",
    "LOCAL_STORAGE": "local-storage-token-value-77",
    "PROXY_PASSWORD": "pr0xy-pa55",
    "PG_PASSWORD": "pg-s3cret-pw",
    "BEARER": "sk-live-bearer-abcdef123456",
    "LLM_API_KEY": "sk-env-llm-key-0987654321",
    "FLOWER_PASSWORD": "flower,pass,with,commas",
}

SCRIPT = textwrap.dedent(
    """
    import json, logging, os
    import django
    django.setup()
    from openoutreach.redaction import register_secret

    s = json.loads(os.environ["SECRETS_JSON"])
    log = logging.getLogger("openoutreach.test")
    register_secret(s["LINKEDIN_PASSWORD"])  # what the browser worker does after decrypting it
    state = {"cookies": [{"name": "li_at", "domain": ".linkedin.com", "value": s["STORAGE_COOKIE"]}],
             "origins": [{"origin": "https://www.linkedin.com",
                          "localStorage": [{"name": "voyager-token", "value": s["LOCAL_STORAGE"]}]}]}

    def fail(text):
        try:
            raise RuntimeError(text)
        except RuntimeError:
            log.exception("CASE failed")

    log.warning("CASE login for alice with %s", s["LINKEDIN_PASSWORD"])
    fail(f"login refused for alice / {s['LINKEDIN_PASSWORD']}")
    fail(f"request failed; cookies li_at={s['LI_AT']}; JSESSIONID=\\"{s['JSESSIONID']}\\"")
    log.info("CASE saved storage state %s", json.dumps(state))
    fail(f"could not save {state!r}")
    fail(f"ProxyError: cannot connect to http://bob:{s['PROXY_PASSWORD']}@proxy.example:3128")
    fail(f'connection to "postgresql://openoutreach:{s["PG_PASSWORD"]}@db:5432/openoutreach" failed')
    fail(f"401 with headers {{'Authorization': 'Bearer {s['BEARER']}'}}")
    log.warning("CASE sent Cookie: li_at=%s; lang=v=2&lang=en-us", s["LI_AT"])
    fail(f"LLM refused key {s['LLM_API_KEY']}")
    log.warning("CASE flower started with %s", s["FLOWER_PASSWORD"], stack_info=True)
    logging.getLogger("httpx2").info("CASE-HTTPX2 HTTP Request: POST https://llm.example/v1/chat/completions")
    logging.getLogger("httpcore2").info("CASE-HTTPCORE2 connect_tcp.started")
    """
)


def test_every_secret_shape_is_masked_in_messages_tracebacks_and_stack_info(tmp_path):
    import json

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openoutreach.settings",
        "DATA_DIR": str(tmp_path),
        "LOG_LEVEL": "INFO",
        "LLM_API_KEY": SECRETS["LLM_API_KEY"],
        "FLOWER_PASSWORD": SECRETS["FLOWER_PASSWORD"],
        "SECRETS_JSON": json.dumps(SECRETS),
    }
    run = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=PROJECT_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr[-3000:]
    output = run.stdout + run.stderr
    assert output.count("CASE") == 11, output  # every record still logged
    assert output.count("Traceback (most recent call last)") == 7
    assert "Stack (most recent call last)" in output
    assert "CASE-HTTPX2" not in output and "CASE-HTTPCORE2" not in output  # quiet below WARNING
    leaked = {name for name, secret in SECRETS.items() if secret in output}
    assert leaked == set(), output


def test_redact_keeps_what_is_not_secret():
    text = "GET https://www.linkedin.com/in/jane-doe/?x=1 at http://proxy.example:3128/path took 2s"
    assert redact(text) == text
    assert redact("http://u:p%40ss@h/") == "http://u:***@h/"
    assert redact('{"name": "lang", "value": "v=2"}') == '{"name": "lang", "value": "***"}'
    assert redact('{"value": 3, "label": "x"}') == '{"value": 3, "label": "x"}'  # not a cookie


def test_redaction_stays_linear_on_hostile_text():
    import time

    start = time.perf_counter()
    for hostile in ("a-" * 50_000, "a." * 50_000, "{" + '"name":1,' * 10_000, "token " * 20_000):
        redact(hostile)
    assert time.perf_counter() - start < 5  # quadratic patterns took ~25 s per 100k characters
