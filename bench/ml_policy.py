"""LLM calls spent and quality of the qualified set on a sandbox pool where fits are rare (~10%), for
the earned-auto-decision policy and for asking the LLM about everyone.

Pool: 2,000 sandbox people (devops scenario), their Voyager JSON parsed by the browser layer's parser,
profile text embedded with the offline MiniLM. The LLM is the stand-in's rule (hidden truth flipped for
5% of people, always the same people). Recall and precision are against the hidden truth; plain
agreement is printed only to show how misleading it is. Usage: .venv/bin/python bench/ml_policy.py
"""

from __future__ import annotations

import dataclasses
import tempfile
import time

import numpy as np

from openoutreach.ml.embeddings import Embedder
from openoutreach.ml.profile_text import profile_text
from openoutreach.ml.qualifier import QualifierConfig
from openoutreach.ml.sandbox_pool import sandbox_pool
from openoutreach.ml.simulate import PolicyOutcome, ask_everyone, run_policy
from openoutreach.sandbox.llm_answers import unit

SIZE, NOISE, SEED = 2000, 0.05, 3


def row(name: str, o: PolicyOutcome, seconds: float) -> str:
    return (f"{name:<34} {o.llm_calls:>6} {o.auto_rejected:>5} {o.auto_accepted:>5} {o.disputed:>5} {o.qualified:>5} "
            f"{o.recall:>7.3f} {o.precision:>7.3f} {o.agreement:>7.3f} {o.calls_per_qualified_fit:>9.2f} {seconds:>6.0f}")  # fmt: skip


def main() -> None:
    pool = sandbox_pool(size=SIZE, seed=7, scenario="devops")
    truth = np.array([int(pool.fits(p)) for p in pool.people])
    # The stand-in's own rule: one person always gets the same, possibly wrong, answer.
    answers = np.array(
        [
            int(t) ^ int(unit(SEED, "qualify", p.public_id) < NOISE)
            for t, p in zip(truth, pool.people, strict=True)
        ]
    )
    started = time.perf_counter()
    texts = [profile_text(pool.profile(p)) for p in pool.people]
    vectors = Embedder(cache_dir=tempfile.mkdtemp(prefix="ml-bench-"), batch_size=16).embed(texts)
    print(f"pool {SIZE} people, {truth.sum()} fits ({truth.mean():.1%}), LLM wrong for {np.mean(answers != truth):.1%}; "
          f"embedded in {time.perf_counter() - started:.0f} s")  # fmt: skip
    print(f"{'policy':<34} {'calls':>6} {'rej':>5} {'acc':>5} {'rev':>5} {'qual':>5} {'recall':>7} {'prec':>7} "
          f"{'agree':>7} {'calls/fit':>9} {'sec':>6}")  # fmt: skip
    print(row("ask the LLM about everyone", ask_everyone(truth, answers), 0))
    default = QualifierConfig()
    for name, config in (
        ("ours, defaults (std<0.05)", default),
        ("ours, std<0.1", dataclasses.replace(default, std_max=0.1)),
        ("ours, std<0.1, no review of disputes", dataclasses.replace(default, std_max=0.1, dispute_p=-1.0)),
    ):
        started = time.perf_counter()
        outcome = run_policy(vectors, truth, answers, config, batch=10)
        print(row(name, outcome, time.perf_counter() - started), flush=True)


if __name__ == "__main__":
    main()
