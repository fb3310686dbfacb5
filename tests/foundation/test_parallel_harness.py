"""`make test` runs the suite in parallel test processes (pytest-xdist): each one must have its own data
directory (SQLite test database, credentials key, cookies, captures) and its own private Redis, and a
Redis that loses its port to another process must never pass another test process's server off as its
own."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from openoutreach.local_redis import PrivateRedis
from openoutreach.processes import PROJECT_DIR

PROBE = """
import json, os
from pathlib import Path
import pytest

@pytest.mark.parametrize("n", range(12))  # enough tests that xdist hands some to each process
def test_where(redis_server, n):
    from django.conf import settings

    Path(os.environ["PROBE_OUT"], os.environ["PYTEST_XDIST_WORKER"]).write_text(json.dumps({
        "data_dir": str(settings.DATA_DIR),
        "test_db": settings.DATABASES["default"].get("TEST", {}).get("NAME"),
        "redis": redis_server.url,
        "redis_pid": redis_server.process.pid,
    }))
"""


@pytest.mark.slow
def test_parallel_test_processes_get_their_own_data_dir_and_redis(tmp_path):
    (tmp_path / "test_probe.py").write_text(PROBE)
    out = tmp_path / "out"
    out.mkdir()
    parent_data = tmp_path / "data"
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTEST_XDIST_WORKER", "OPENOUTREACH_TEST_WORKER")
    }
    run = subprocess.run(
        [sys.executable, "-m", "pytest", str(tmp_path / "test_probe.py"), "-q", "-n", "2", "--dist", "load",
         "-p", "openoutreach.testing.fixtures", "-c", str(PROJECT_DIR / "pyproject.toml")],
        cwd=PROJECT_DIR, env={**env, "PROBE_OUT": str(out), "DATA_DIR": str(parent_data)},
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout + run.stderr
    seen = {p.name: json.loads(p.read_text()) for p in out.iterdir()}
    assert set(seen) == {"gw0", "gw1"}, run.stdout
    for worker, where in seen.items():
        assert where["data_dir"] == str((parent_data / worker).resolve())
        if where["test_db"]:  # SQLite: the test database file lives in the worker's own data dir
            assert where["test_db"].startswith(where["data_dir"] + os.sep)
    assert seen["gw0"]["redis"] != seen["gw1"]["redis"]
    assert seen["gw0"]["redis_pid"] != seen["gw1"]["redis_pid"]


def test_a_private_redis_whose_port_is_taken_never_answers_with_the_other_server(tmp_path):
    with PrivateRedis(workdir=tmp_path / "first") as first:
        second = PrivateRedis(workdir=tmp_path / "second", port=first.port)  # the port is taken
        with pytest.raises(TimeoutError, match=f"did not start on 127.0.0.1:{first.port}"):
            second.start()
        assert first.process.poll() is None  # the first one is untouched

        third = PrivateRedis(workdir=tmp_path / "third").start()  # a free port of its own
        try:
            assert third.port != first.port and third.process.poll() is None
        finally:
            third.stop()
