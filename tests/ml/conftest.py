"""Shared ML fixtures: the offline embedding model (built once per session into a tmp cache) and the
sandbox's LLM stand-in served over real HTTP by uvicorn on a loopback port."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pytest
import uvicorn
from starlette.applications import Starlette

from openoutreach.ml.context import MLContext
from openoutreach.ml.embeddings import DIM, Embedder
from openoutreach.ml.llm import LLMSettings
from openoutreach.ml.qualifier import QualifierConfig
from openoutreach.ml.sandbox_pool import SandboxPool, sandbox_pool
from openoutreach.sandbox.llm import LLMStandIn
from openoutreach.sandbox.oracle import Oracle


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("models")


class SessionEmbedder(Embedder):
    """The real model, remembering what it embedded this session: many tests enrich the same sandbox
    profiles into fresh data dirs (so the product's own embedding store starts empty each time), and
    embedding them again cost ~7 s per 200 profiles per test. Each text is embedded by the model once;
    the vectors are the model's own."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: dict[str, np.ndarray] = {}

    def embed(self, texts):
        if isinstance(texts, str):
            return super().embed(texts)  # the TypeError the product raises
        new = list(dict.fromkeys(t for t in texts if t not in self.seen))
        for text, vector in zip(new, super().embed(new), strict=True):
            self.seen[text] = vector
        return np.array([self.seen[t] for t in texts], dtype=np.float32).reshape(len(texts), DIM)


@pytest.fixture(scope="session")
def model_embedder(model_cache) -> Embedder:
    """The model itself, nothing remembered: for the tests of embedding."""
    return Embedder(cache_dir=model_cache, batch_size=16)


@pytest.fixture(scope="session")
def embedder(model_cache) -> Embedder:
    return SessionEmbedder(cache_dir=model_cache, batch_size=16)


@pytest.fixture
def sandbox_ml_context(tmp_path, embedder) -> Callable[..., MLContext]:
    """`make(server, config=None)`: an MLContext in the test's tmp dir whose LLM is `server`'s stand-in
    (a sandbox process over HTTP: `.base_url`), with the qualifier `config` (default: the defaults)."""

    def make(server, config: QualifierConfig | None = None) -> MLContext:
        settings = LLMSettings(
            base_url=f"{server.base_url}/v1", api_key="sk-test", model="sandbox", timeout=10, max_retries=0
        )
        return MLContext(tmp_path / "embeddings.duckdb", tmp_path / "models", embedder, settings,
                         qualifier=config or QualifierConfig())  # fmt: skip

    return make


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


# -- the CRM side: enriched leads from the real sandbox server ------------------------------------------


@dataclass(frozen=True)
class Fetched:
    """One sandbox member as the browser layer would have fetched it: raw Voyager JSON and the parse."""

    public_id: str
    url: str
    raw: bytes
    parsed: object  # openoutreach.linkedin.voyager.ParsedProfile; None for a private profile
    fit: bool

    @property
    def available(self) -> bool:
        return self.parsed is not None


def voyager_session(base_url: str, handle: str = "alice"):
    """An HTTP session logged in to the sandbox like a browser (cookie + CSRF header), for Voyager calls."""
    import httpx

    client = httpx.Client(base_url=base_url, timeout=30)
    response = client.post(
        "/login", data={"session_key": f"{handle}@sandbox.test", "session_password": f"{handle}-pass"}
    )
    assert response.status_code == 303, response.text[:300]
    client.headers["csrf-token"] = client.cookies["JSESSIONID"].strip('"')
    client.headers["accept"] = "application/vnd.linkedin.normalized+json+2.1"
    return client


@pytest.fixture(scope="session")
def sandbox_people(sandbox_server) -> list[Fetched]:
    """The sandbox's 500 members (seed 7, devops), fetched once per session over real HTTP as alice and
    parsed by the browser layer's parser, with their hidden truth from the control API."""
    import json

    from openoutreach.linkedin.urls import profile_url
    from openoutreach.linkedin.voyager import parse_profile, profile_path

    client = voyager_session(sandbox_server.base_url)
    fetched = []
    try:
        people = sandbox_server.control.people(limit=500)
        truth = {p["public_id"]: p for p in people}
        for person in people:
            public_id = person["public_id"]
            response = client.get(profile_path(public_id))
            url = profile_url(public_id, sandbox_server.base_url)
            fit = bool(truth[public_id]["fit"])
            if response.status_code == 403:  # a private profile: the browser worker marks it unavailable
                fetched.append(Fetched(public_id, url, b"", None, fit))
                continue
            assert response.status_code == 200, (public_id, response.status_code)
            parsed = parse_profile(json.loads(response.content), public_id, base_url=sandbox_server.base_url)
            fetched.append(Fetched(public_id, url, response.content, parsed, fit))
    finally:
        client.close()
    return fetched


@pytest.fixture(scope="session")
def profiles(sandbox_people) -> list[Fetched]:
    """The sandbox members whose profile is public (493 of the 500), in population order."""
    return [person for person in sandbox_people if person.available]


@pytest.fixture
def enrich(alice):
    """`enrich(people)`: discover and enrich these people in the CRM through the real pipeline functions
    (as alice's browser worker would), oldest first; private profiles are marked unavailable. Returns
    lead id -> person."""
    from openoutreach.pipeline.leads import discover, mark_unavailable, save_enrichment

    def run(people: list[Fetched]) -> dict[int, Fetched]:
        leads = {}
        for person in people:
            lead = discover(person.url, person.public_id, alice).lead
            if person.available:
                save_enrichment(lead, person.parsed, person.raw, alice)
            else:
                mark_unavailable(lead, "This profile is not accessible.", alice)
            leads[lead.pk] = person
        return leads

    return run
