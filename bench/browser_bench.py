"""Memory and latency of one account's browser session against a sandbox this script starts.

Prints:
- PSS (proportional set size, so shared pages are not counted twice) of the browser process tree
  (Playwright driver + Chromium processes) and of this Python process: idle after login, and after
  100 profile visits (each = page + Voyager fetch, i.e. `scrape_profile`);
- latency of one enrichment (`scrape_profile`) and one connect (`connect`), median/min/max of a few
  runs, mechanically (human delays off) and with the default human pacing on.

Usage: .venv/bin/python bench/browser_bench.py [--visits 100] [--runs 5] [--people 500]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openoutreach.linkedin.actions import ConnectOutcome, connect, scrape_profile  # noqa: E402
from openoutreach.linkedin.client import LinkedInClient  # noqa: E402
from openoutreach.linkedin.login import Credentials  # noqa: E402
from openoutreach.linkedin.session import BrowserSession, SessionConfig  # noqa: E402
from openoutreach.sandbox.testing import SandboxProcess  # noqa: E402

MB = 1024 * 1024


def pss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            total += psutil.Process(pid).memory_full_info().pss
        except psutil.Error:
            continue
    return total / MB


def memory_line(label: str, client: LinkedInClient) -> None:
    browser = pss_mb(client.session.process_ids())
    python = pss_mb([psutil.Process().pid])
    procs = len(client.session.process_ids())
    print(
        f"  {label:<28} browser tree {browser:7.1f} MB PSS ({procs} processes)   python {python:6.1f} MB PSS"
    )


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - started)
    return samples


def latency_line(label: str, samples: list[float]) -> None:
    print(
        f"  {label:<34} median {statistics.median(samples):6.2f} s   min {min(samples):6.2f} s   "
        f"max {max(samples):6.2f} s   (n={len(samples)})"
    )


def client_for(base_url: str, state_dir: Path, speed: float) -> LinkedInClient:
    config = SessionConfig(base_url, state_dir / "alice" / "storage.json", speed=speed)
    return LinkedInClient(BrowserSession(config), Credentials("alice@sandbox.test", "alice-pass"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--visits", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--people", type=int, default=500)
    args = parser.parse_args()

    with SandboxProcess(people=args.people, seed=7) as sandbox, tempfile.TemporaryDirectory() as tmp:
        control = sandbox.control
        people = [p for p in control.people(limit=args.people) if not p["private"] and not p["is_account"]]
        strangers = [
            p for p in people if p["relations"]["alice"] in ("DISTANCE_2", "DISTANCE_3", "OUT_OF_NETWORK")
        ]
        print(f"sandbox: {sandbox.base_url}, {args.people} people")

        client = client_for(sandbox.base_url, Path(tmp), speed=0)
        started = time.perf_counter()
        client.ensure_logged_in()
        print(f"\nstart + login: {time.perf_counter() - started:.2f} s")
        print("\nmemory (one account's browser)")
        client.open("/feed/")
        time.sleep(2)
        memory_line("idle, logged in", client)
        started = time.perf_counter()
        for p in (people * (args.visits // len(people) + 1))[: args.visits]:
            scrape_profile(client, f"/in/{p['public_id']}/")
        elapsed = time.perf_counter() - started
        time.sleep(2)
        memory_line(f"after {args.visits} profile visits", client)
        print(
            f"  ({args.visits} visits took {elapsed:.1f} s mechanically: {elapsed / args.visits:.2f} s each)"
        )

        print("\nlatency, human delays off (the machine's share)")
        control.reset()
        targets = iter(strangers)
        enrich = iter(people[-args.runs * 2 :])
        latency_line(
            "enrichment (page + Voyager)",
            timed(lambda: scrape_profile(client, f"/in/{next(enrich)['public_id']}/"), args.runs),
        )
        latency_line(
            "connect (Voyager + page + modal)", timed(lambda: _connect(client, next(targets)), args.runs)
        )
        client.close()

        print("\nlatency, default human pacing (what one action costs an account)")
        control.reset()
        human = client_for(sandbox.base_url, Path(tmp) / "paced", speed=1.0)
        human.ensure_logged_in()
        latency_line(
            "enrichment", timed(lambda: scrape_profile(human, f"/in/{next(enrich)['public_id']}/"), 2)
        )
        latency_line("connect", timed(lambda: _connect(human, next(targets)), 2))
        human.close()


def _connect(client: LinkedInClient, person: dict) -> None:
    result = connect(client, f"/in/{person['public_id']}/")
    if result.outcome is not ConnectOutcome.SENT:
        raise RuntimeError(f"connect to {person['public_id']} ended {result.outcome}")


if __name__ == "__main__":
    main()
