"""Test harness: run the sandbox in a subprocess on a free loopback port and drive its control API.

    with SandboxProcess(people=500, seed=7, scenario="devops") as sandbox:
        sandbox.base_url            # "http://127.0.0.1:41234"
        sandbox.control.reset()

pytest fixtures (register with `pytest_plugins = ["openoutreach.sandbox.testing"]` in the root conftest,
or import them into a conftest): `sandbox_server` (session scope: 500 people, seed 7, "devops") and
`sandbox` (function scope: the same server, reset before the test).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0


class SandboxError(RuntimeError):
    """The sandbox did not start, or its control API refused a request."""


class SandboxControl:
    """Client for the /_sandbox/ control API."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=self.base_url + "/_sandbox", timeout=timeout)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise SandboxError(f"{method} /_sandbox{path} -> {response.status_code}: {response.text[:500]}")
        return response.json()

    def health(self) -> dict:
        return self._call("GET", "/health")

    def reset(self, scenario: str | None = None) -> dict:
        return self._call("POST", "/reset", json={"scenario": scenario} if scenario else {})

    def set_faults(self, account: str | None = None, **faults: Any) -> dict:
        """Switch faults on globally, or for one account (see openoutreach.sandbox.faults.FAULTS)."""
        return self._call("POST", "/faults", json={"account": account, **faults})

    def clear_faults(self, account: str | None = None) -> dict:
        return self._call("DELETE", "/faults", params={"account": account} if account else None)

    def set_clock_speed(self, speed: float) -> dict:
        return self._call("POST", "/clock", json={"speed": speed})

    def advance(self, seconds: float) -> dict:
        """Jump the sandbox clock forward (acceptances and replies that fall due happen)."""
        return self._call("POST", "/clock", json={"advance_seconds": seconds})

    def clock(self) -> dict:
        return self._call("GET", "/clock")

    def snapshot(self) -> dict:
        return self._call("GET", "/snapshot")

    def accounts(self) -> list[dict]:
        return self._call("GET", "/accounts")

    def account(self, handle: str) -> dict:
        return next(a for a in self.accounts() if a["handle"] == handle)

    def update_account(self, handle: str, **settings: Any) -> dict:
        """weekly_limit, working_hours=[start, end], timezone, *_norm, checkpoint."""
        return self._call("POST", f"/accounts/{handle}", json=settings)

    def person(self, public_id: str) -> dict:
        return self._call("GET", f"/people/{public_id}")

    def people(self, offset: int = 0, limit: int = 1000) -> list[dict]:
        return self._call("GET", "/people", params={"offset": offset, "limit": limit})["people"]

    def request_log(self, account: str | None = None) -> list[dict]:
        return self._call("GET", "/requests", params={"account": account} if account else None)["entries"]

    def bot_signals(self) -> dict:
        return self._call("GET", "/bot-signals")

    def reply(self, account: str, public_id: str, intent: str | None = None, **extra: Any) -> dict:
        """The person replies now (`text`, `injection` optional; see sandbox/messaging.py)."""
        body = {"account": account, "public_id": public_id, **({"intent": intent} if intent else {}), **extra}
        return self._call("POST", "/messages/reply", json=body)

    def type_by_hand(self, account: str, public_id: str, text: str) -> dict:
        """The operator types a message to the person on LinkedIn by hand (not through the product)."""
        return self._call(
            "POST", "/messages/by-hand", json={"account": account, "public_id": public_id, "text": text}
        )

    def proxies(self) -> list[dict]:
        """[{account, proxy, requests}]: which proxy (its header; None = none) each account's requests
        came through."""
        return self._call("GET", "/proxies")["counts"]

    def close(self) -> None:
        self._http.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SandboxProcess:
    """The sandbox server in a subprocess; a context manager that waits until it is healthy."""

    def __init__(
        self,
        people: int = 500,
        seed: int = 7,
        scenario: str = "devops",
        clock_speed: float = 1.0,
        port: int | None = None,
        llm_noise: float = 0.0,
        markup_share: str | None = None,
        voyager_graphql_share: float | None = None,
        voyager_graphql_query_id: str | None = None,
    ) -> None:
        """`markup_share` e.g. "2026=0.6,2022=0.3,older=0.1" (None: the server's default)."""
        self.people, self.seed, self.scenario = people, seed, scenario
        self.voyager_graphql_share, self.voyager_graphql_query_id = (
            voyager_graphql_share,
            voyager_graphql_query_id,
        )
        self.clock_speed, self.llm_noise = clock_speed, llm_noise
        self.markup_share = markup_share
        self.port = port
        self.base_url = ""
        self.process: subprocess.Popen | None = None
        self.control: SandboxControl | None = None
        self._output: list[str] = []

    def start(self) -> SandboxProcess:
        for _attempt in range(3):  # a free port can be taken between probing and binding
            port = self.port or free_port()
            if self._launch(port):
                return self
            self.stop()
            if self.port:
                break
        raise SandboxError("sandbox failed to start:\n" + "".join(self._output[-40:]))

    def _launch(self, port: int) -> bool:
        cmd = [
            sys.executable,
            "-m",
            "openoutreach.sandbox",
            "serve",
            "--port",
            str(port),
            "--people",
            str(self.people),
            "--seed",
            str(self.seed),
            "--scenario",
            self.scenario,
            "--clock-speed",
            str(self.clock_speed),
            "--llm-noise",
            str(self.llm_noise),
        ]
        if self.markup_share is not None:
            cmd += ["--markup-share", self.markup_share]
        if self.voyager_graphql_share is not None:
            cmd += ["--voyager-graphql-share", str(self.voyager_graphql_share)]
        if self.voyager_graphql_query_id is not None:
            cmd += ["--voyager-graphql-query-id", self.voyager_graphql_query_id]
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO_ROOT), os.environ.get("PYTHONPATH")])),
        }
        self._output = []
        self.process = subprocess.Popen(
            cmd,
            cwd=REPO_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        ready = threading.Event()

        def pump() -> None:  # keep draining output so the child never blocks on a full pipe
            assert self.process and self.process.stdout
            for line in self.process.stdout:
                self._output.append(line)
                if line.startswith("sandbox listening on "):
                    ready.set()

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if ready.wait(0.05):
                break
            if self.process.poll() is not None:
                return False
        else:
            return False
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.control = SandboxControl(self.base_url)
        self.control.health()
        return True

    def stop(self) -> None:
        if self.control is not None:
            self.control.close()
            self.control = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None

    def output(self) -> str:
        return "".join(self._output)

    def __enter__(self) -> SandboxProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def sandbox_server() -> Iterator[SandboxProcess]:
    """One sandbox for the whole test session: 500 people, seed 7, scenario devops."""
    with SandboxProcess(people=500, seed=7, scenario="devops") as server:
        yield server


@pytest.fixture
def sandbox(sandbox_server: SandboxProcess) -> SandboxProcess:
    """The session's sandbox, reset to its initial world before the test."""
    sandbox_server.control.reset()
    return sandbox_server
