"""Flower sits behind basic auth and lists the live workers."""

from __future__ import annotations

import httpx
import pytest

from openoutreach.local_redis import free_port, wait_for_port

pytestmark = pytest.mark.slow


def test_flower_requires_credentials_and_lists_live_workers(start_celery, start_worker, redis_client):
    start_worker(["ml"], "ml")
    port = free_port()
    flower = start_celery(
        "flower", "flower", f"--port={port}", "--address=127.0.0.1", "--basic-auth=ops:s3cret-pass"
    )
    wait_for_port(port, timeout=30)
    base = f"http://127.0.0.1:{port}"

    assert httpx.get(f"{base}/api/workers", timeout=10).status_code == 401
    assert httpx.get(f"{base}/api/workers", auth=("ops", "wrong"), timeout=10).status_code == 401

    reply = httpx.get(f"{base}/api/workers?refresh=1", auth=("ops", "s3cret-pass"), timeout=30)
    assert reply.status_code == 200, flower.log_tail()
    assert any(name.startswith("ml@") for name in reply.json())
