"""Shared ML fixtures: the offline embedding model (built once per session into a tmp cache) and the
sandbox's LLM stand-in served over real HTTP by uvicorn on a loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import uvicorn
from starlette.applications import Starlette

from openoutreach.ml.embeddings import Embedder
from openoutreach.ml.sandbox_pool import SandboxPool, sandbox_pool
from openoutreach.sandbox.llm import LLMStandIn
from openoutreach.sandbox.oracle import Oracle


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def embedder(model_cache) -> Embedder:
    return Embedder(cache_dir=model_cache, batch_size=16)


@pytest.fixture(scope="session")
def pool() -> SandboxPool:
    return sandbox_pool(size=400, seed=7, scenario="devops")


@dataclass
class StandIn:
    standin: LLMStandIn
    base_url: str
    pool: SandboxPool


@pytest.fixture(scope="session")
def llm_server(pool) -> Iterator[StandIn]:
    """The stand-in answering from the pool's hidden truth, noise 0 (tests add faults as needed)."""
    standin = LLMStandIn(Oracle(pool.world), noise=0.0, seed=3, hang_seconds=5.0)
    config = uvicorn.Config(Starlette(routes=standin.routes()), host="127.0.0.1", port=0, log_level="warning",
                            timeout_graceful_shutdown=1)  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield StandIn(standin, f"http://127.0.0.1:{port}/v1", pool)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def llm(llm_server) -> Iterator[StandIn]:
    """The shared stand-in with counters and faults reset before and after each test."""
    llm_server.standin.reset()
    yield llm_server
    llm_server.standin.reset()
