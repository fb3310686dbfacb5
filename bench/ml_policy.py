"""LLM calls spent and quality of the qualified set, per sandbox scenario x arrival order x LLM noise, for
the earned-auto-decision policy (and, once per scenario and noise, for asking the LLM about everyone).

Pool: the first `--size` people of the seed-7 sandbox population, their Voyager JSON parsed by the
browser layer's parser, profile text embedded with the offline MiniLM (the same vectors for every
scenario: the population does not depend on it). Each scenario's hidden rule is the truth; the LLM is the
stand-in's rule (truth flipped for a fixed share of people, always the same people). Recall and precision
are against the hidden truth. Each further prompt (the defaults ask up to two per ambiguous lead, three
with a noisy LLM) is wrong about as many people, drawn independently of the first (an assumption: a real
second prompt or model may share some of the first one's mistakes). Active learning is path-dependent, so every order is reported, not only the
mean: the goal is recall and precision >= 0.9 on each one.

Columns: calls = LLM calls; rej/acc = automatic rejections/acceptances; held = LLM "fits" the model
doubted or disputed (held for a person, counted as not qualified); qual = leads qualified; calls/fit = LLM
calls per truly fitting lead found; e_hat = the model's estimate of the LLM's error rate at the end;
miss:rej/held/no = real fits missed because the model rejected them alone / they were held / the LLM
said no; bad_acc = non-fits the model accepted alone; again:y/n = further opinions asked about leads the LLM
first said fit / did not fit; sec = wall time of the replay.

Usage: .venv/bin/python bench/ml_policy.py [--scenarios devops,exec_buyers] [--orders 0,1,2,3,4,5]
       [--noise 0.05,0.1] [--size 2000] [--population 3000] [--vectors-cache FILE.npz] [--threads 1] [--config k=v,...]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, no install needed

from openoutreach.ml.qualifier import QualifierConfig
from openoutreach.ml.sandbox_pool import embedded_vectors, scenario_truth
from openoutreach.ml.simulate import PolicyOutcome, ask_everyone, run_policy
from openoutreach.ml.threads import limit_math_threads
from openoutreach.sandbox.scenarios import available

SEED = 3
HEADER = (f"{'scenario':<20} {'noise':>5} {'order':>5} {'calls':>6} {'rej':>5} {'acc':>5} {'held':>5} {'qual':>5} "
          f"{'fits':>5} {'recall':>7} {'prec':>7} {'calls/fit':>9} {'e_hat':>5} {'miss:rej/held/no':>16} "
          f"{'bad_acc':>7} {'again:y/n':>9} {'sec':>5}")  # fmt: skip


def row(scenario: str, noise: float, order: str, o: PolicyOutcome, seconds: float) -> str:
    missed = f"{o.fits_auto_rejected}/{o.fits_held}/{o.fits_said_no}"
    again = f"{o.further_calls - o.further_on_no}/{o.further_on_no}"
    return (f"{scenario:<20} {noise:>5.2f} {order:>5} {o.llm_calls:>6} {o.auto_rejected:>5} {o.auto_accepted:>5} "
            f"{o.disputed:>5} {o.qualified:>5} {o.true_fits:>5} {o.recall:>7.3f} {o.precision:>7.3f} "
            f"{o.calls_per_qualified_fit:>9.2f} {o.noise_estimate:>5.3f} {missed:>16} {o.wrong_accepted:>7} "
            f"{again:>9} {seconds:>5.0f}")  # fmt: skip


def parse_config(text: str) -> QualifierConfig:
    """`--config review_p=0.1,audit_rate=0.2` -> QualifierConfig with those fields replaced."""
    default = QualifierConfig()
    changes = {}
    for item in filter(None, text.split(",")):
        name, _, value = item.partition("=")
        current = getattr(default, name)  # AttributeError names an unknown field
        changes[name] = type(current)(value) if not isinstance(current, bool) else value == "true"
    return dataclasses.replace(default, **changes)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=2000, help="people replayed")
    parser.add_argument("--population", type=int, default=None,
                        help="people generated, the first --size replayed (default --size; the cache's size)")  # fmt: skip
    parser.add_argument("--scenarios", default=",".join(available()))
    parser.add_argument(
        "--orders", default="0,1,2,3,4,5", help="0 = the sandbox's arrival order, n = seeded shuffle"
    )
    parser.add_argument("--noise", default="0.05,0.1", help="shares of people the LLM is wrong about")
    parser.add_argument("--vectors-cache", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("ML_THREADS", "1")))
    parser.add_argument("--opinions", type=int, default=3,
                        help="further prompts the replay can ask (1 to 3; the config caps them)")  # fmt: skip
    parser.add_argument("--config", default="", help="QualifierConfig overrides, e.g. review_p=0.1")
    args = parser.parse_args()
    print(f"math libraries: {limit_math_threads(args.threads)}")
    config = parse_config(args.config)
    print(f"config: {args.config or 'defaults'}; further prompts available: {args.opinions}")
    started = time.perf_counter()
    population = args.population or args.size
    vectors = embedded_vectors(population, args.vectors_cache)[: args.size]
    print(f"{len(vectors)} people embedded (or read from the cache) in {time.perf_counter() - started:.0f} s")
    print(HEADER)
    orders = [int(o) for o in args.orders.split(",")]
    for scenario in args.scenarios.split(","):
        for noise in [float(n) for n in args.noise.split(",")]:
            truth, answers = scenario_truth(args.size, scenario, noise, SEED, population=population)
            second = np.vstack([scenario_truth(args.size, scenario, noise, SEED, kind, population)[1]
                                for kind in ("second-opinion", "third-opinion", "fourth-opinion")[: args.opinions]])  # fmt: skip
            print(row(scenario, noise, "all", ask_everyone(truth, answers), 0), flush=True)
            outcomes = []
            for order in orders:
                perm = (
                    np.random.default_rng(order).permutation(len(truth)) if order else np.arange(len(truth))
                )
                started = time.perf_counter()
                outcome = run_policy(vectors[perm], truth[perm], answers[perm], config, 10, second[:, perm])
                outcomes.append(outcome)
                print(row(scenario, noise, str(order), outcome, time.perf_counter() - started), flush=True)
            worst = f"{scenario:<20} {noise:>5.2f}  worst recall {min(o.recall for o in outcomes):.3f}"
            print(f"{worst}, worst precision {min(o.precision for o in outcomes):.3f}, "
                  f"most calls {max(o.llm_calls for o in outcomes) / len(truth):.0%} of the pool", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
