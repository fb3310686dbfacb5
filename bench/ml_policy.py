"""LLM calls spent and quality of the qualified set on a sandbox pool where fits are rare (~10%), for
the earned-auto-decision policy and for asking the LLM about everyone.

Pool: 2,000 sandbox people (devops scenario), their Voyager JSON parsed by the browser layer's parser,
profile text embedded with the offline MiniLM. The LLM is the stand-in's rule (hidden truth flipped for
5% of people, always the same people). Recall and precision are against the hidden truth; plain
agreement is printed only to show how misleading it is. The policy's outcome depends on the order in
which people arrive (active learning is path-dependent), so it is run on several arrival orders.

Columns: calls = LLM calls; rej/acc = automatic rejections/acceptances; rev = LLM answers the model
disputed (held for human review, counted as not qualified); qual = leads qualified; calls/fit = LLM calls
per truly fitting lead found.

Usage: .venv/bin/python bench/ml_policy.py [--orders 0,1,2] [--size 2000] [--vectors-cache FILE.npz]
       [--review-p 0.1,0.2]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, no install needed

from openoutreach.ml.qualifier import QualifierConfig
from openoutreach.ml.sandbox_pool import embedded_pool
from openoutreach.ml.simulate import PolicyOutcome, ask_everyone, run_policy

NOISE, SEED = 0.05, 3


def row(name: str, o: PolicyOutcome, seconds: float) -> str:
    return (f"{name:<40} {o.llm_calls:>6} {o.auto_rejected:>5} {o.auto_accepted:>5} {o.disputed:>5} {o.qualified:>5} "
            f"{o.recall:>7.3f} {o.precision:>7.3f} {o.agreement:>7.3f} {o.calls_per_qualified_fit:>9.2f} {seconds:>6.0f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument(
        "--orders", default="0,1,2", help="arrival orders: 0 = the sandbox's, n = seeded shuffle"
    )
    parser.add_argument("--vectors-cache", type=Path, default=None)
    parser.add_argument(
        "--scenario",
        default="devops",
        help="sandbox scenario (healthcare_staffing: a pool the knobs were not tuned on)",
    )
    parser.add_argument(
        "--review-p",
        default="",
        help="comma-separated review_p values to compare (default: the configured one)",
    )
    args = parser.parse_args()
    started = time.perf_counter()
    vectors, truth, answers = embedded_pool(
        args.size, NOISE, SEED, args.vectors_cache, scenario=args.scenario
    )
    print(
        f"pool ready in {time.perf_counter() - started:.0f} s (profiles parsed and embedded, or read from the cache)"
    )
    print(
        f"pool {len(truth)} people, {truth.sum()} fits ({truth.mean():.1%}), LLM wrong for {np.mean(answers != truth):.1%}"
    )
    print(f"{'policy':<40} {'calls':>6} {'rej':>5} {'acc':>5} {'rev':>5} {'qual':>5} {'recall':>7} {'prec':>7} "
          f"{'agree':>7} {'calls/fit':>9} {'sec':>6}")  # fmt: skip
    print(row("ask the LLM about everyone", ask_everyone(truth, answers), 0))
    default = QualifierConfig()
    variants = [("defaults", default)] + [
        (f"review_p {v}", dataclasses.replace(default, review_p=float(v)))
        for v in args.review_p.split(",")
        if v
    ]
    for name, config in variants:
        outcomes = []
        for order in [int(o) for o in args.orders.split(",")]:
            perm = np.random.default_rng(order).permutation(len(truth)) if order else np.arange(len(truth))
            started = time.perf_counter()
            outcome = run_policy(vectors[perm], truth[perm], answers[perm], config, batch=10)
            outcomes.append(outcome)
            print(row(f"ours, {name}, order {order}", outcome, time.perf_counter() - started), flush=True)
        mean = {
            f.name: float(np.mean([getattr(o, f.name) for o in outcomes]))
            for f in dataclasses.fields(PolicyOutcome)
        }
        mean_row = PolicyOutcome(
            **{k: (round(v) if isinstance(getattr(outcomes[0], k), int) else v) for k, v in mean.items()}
        )
        print(row(f"ours, {name}, mean of {len(outcomes)}", mean_row, 0), flush=True)


if __name__ == "__main__":
    main()
