"""Sandbox benchmark: time and memory to generate 50,000 people, then pages/s and Voyager calls/s served
by the real server (a subprocess on loopback) to httpx clients in threads of this process.

    .venv/bin/python bench/sandbox_bench.py [--people 50000] [--seconds 5] [--threads 4]

Request loops are bounded in count and time and only target 127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import tracemalloc
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openoutreach.sandbox.population import Population  # noqa: E402
from openoutreach.sandbox.scenarios import load  # noqa: E402
from openoutreach.sandbox.testing import SandboxProcess  # noqa: E402
from openoutreach.sandbox.world import World  # noqa: E402

DECORATION = "com.linkedin.voyager.dash.deco.identity.profile.FullProfileWithEntities-91"
MAX_REQUESTS = 20_000


def generation(people: int) -> None:
    t0 = time.perf_counter()
    pop = Population.generate(people, seed=7)
    t1 = time.perf_counter()
    World.create(pop, load("devops"))
    t2 = time.perf_counter()
    pop.search("devops manager")
    t3 = time.perf_counter()
    for person in pop.people[:1000]:
        pop.details(person)
    t4 = time.perf_counter()
    print(
        f"generate {people:,} people: {t1 - t0:.2f} s; world (networks): {t2 - t1:.2f} s; "
        f"search index + first query: {t3 - t2:.2f} s; details of 1,000: {t4 - t3:.2f} s"
    )
    # memory in a second pass: tracemalloc slows Python down several times, so it is not timed
    del pop
    rss0 = psutil.Process().memory_info().rss
    tracemalloc.start()
    pop = Population.generate(people, seed=7)
    pop.search("devops manager")
    current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = psutil.Process().memory_info().rss - rss0
    print(
        f"memory of {people:,} people + search index: {current / 2**20:.0f} MiB held "
        f"(tracemalloc peak {peak / 2**20:.0f} MiB), process RSS growth {rss / 2**20:.0f} MiB"
    )


def session(base_url: str) -> httpx.Client:
    client = httpx.Client(base_url=base_url, timeout=30)
    client.post("/login", data={"session_key": "alice@sandbox.test", "session_password": "alice-pass"})
    client.headers["csrf-token"] = client.cookies["JSESSIONID"].strip('"')
    return client


def load_test(name: str, base_url: str, ids: list[str], make_path, seconds: float, threads: int) -> None:
    counts, errors, lock = [0], [0], threading.Lock()
    clients = [session(base_url) for _ in range(threads)]
    deadline = time.perf_counter() + seconds

    def worker(client: httpx.Client, seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            with lock:
                if counts[0] >= MAX_REQUESTS:
                    return
                counts[0] += 1
            r = client.get(make_path(rng.choice(ids)))
            if r.status_code not in (200, 403):
                with lock:
                    errors[0] += 1

    t0 = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(c, i)) for i, c in enumerate(clients)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.perf_counter() - t0
    print(
        f"{name}: {counts[0] / elapsed:,.0f}/s ({counts[0]:,} in {elapsed:.1f} s, {threads} client threads, "
        f"{errors[0]} errors)"
    )


def serving(people: int, seconds: float, threads: int) -> None:
    t0 = time.perf_counter()
    with SandboxProcess(people=people, seed=7) as sandbox:
        started = time.perf_counter() - t0
        server = psutil.Process(sandbox.process.pid)
        print(
            f"server with {people:,} people ready in {started:.1f} s, RSS {server.memory_info().rss / 2**20:.0f} MiB"
        )
        ids = [p["public_id"] for p in sandbox.control.people(limit=2000)]
        words = [
            "devops manager",
            "nurse manager",
            "director of engineering",
            "kubernetes",
            "hospital administrator",
        ]
        load_test("profile pages", sandbox.base_url, ids, lambda i: f"/in/{i}/", seconds, threads)
        load_test(
            "Voyager profile calls",
            sandbox.base_url,
            ids,
            lambda i: (
                f"/voyager/api/identity/dash/profiles?q=memberIdentity&memberIdentity={i}&decorationId={DECORATION}"
            ),
            seconds,
            threads,
        )
        load_test(
            "search pages",
            sandbox.base_url,
            words,
            lambda w: f"/search/results/people/?keywords={w}&page={random.randint(1, 20)}",
            seconds,
            threads,
        )
        print(f"server RSS after load: {server.memory_info().rss / 2**20:.0f} MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    generation(args.people)
    serving(args.people, args.seconds, args.threads)


if __name__ == "__main__":
    main()
