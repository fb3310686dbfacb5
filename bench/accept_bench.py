"""Does ranking by P(fit) x P(accept) raise the acceptance rate? A simulated campaign over the sandbox.

    .venv/bin/python bench/accept_bench.py [--size 2000] [--scenario devops] [--seeds 5] [--first-seed 0] [--rounds 6]
        [--batch 20] [--truth sandbox|visible] [--candidates qualified|all] [--vectors-cache FILE.npz] [--threads 1]

The people are the sandbox population (profiles through the Voyager JSON and the parser, embeddings from
the offline MiniLM: ml/sandbox_pool.py). The campaign's candidates are the people the LLM stand-in
qualifies (its 5% noise included), as in the product only qualified people become New deals. P(fit) is a
logistic regression on the embeddings of the first `--train` people's LLM answers (a fast stand-in for
the GP qualifier, which ranks the same way). Each round invites the top `--batch` candidates not yet
invited, by
- fit: P(fit) alone (the ranking before this change);
- fit x accept: P(fit) x the acceptance model's ranking value (openoutreach/ml/acceptance.py, refitted
  on the outcomes observed so far, with its exploration);
- oracle: P(fit) x the person's true acceptance probability (the ceiling no model can pass);
- visible oracle (with `--truth visible`): P(fit) x the visible factor alone (the ceiling of a model of
  what profiles show);
then observes each invitation's outcome (accepted or not; the window is abstracted away: every outcome
is known before the next round). A person's outcome is the same draw under every ranking (common random
numbers), so the differences are the rankings', not the dice's.

Truth (`--truth`): `sandbox` is the sandbox's own acceptance (population.py: a probability drawn per
person, gauss(0.42, 0.18) clipped to [0.05, 0.9], independent of everything a profile shows); `visible`
multiplies it by factors of what a profile shows (2nd degree x1.3, 3rd x0.75; director and above x0.6),
a hypothesis of this bench, not a LinkedIn fact, to show what the model does when there is a signal.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from openoutreach.ml.acceptance import (  # noqa: E402
    AcceptanceConfig,
    AcceptanceModel,
    Outcomes,
    feature_matrix,
    profile_features,
)
from openoutreach.ml.sandbox_pool import embedded_vectors, sandbox_pool  # noqa: E402
from openoutreach.ml.threads import limit_math_threads  # noqa: E402
from openoutreach.sandbox.llm_answers import unit  # noqa: E402


def visible_truth(base: np.ndarray, features: np.ndarray) -> np.ndarray:
    degree, level = features[:, 0], features[:, 1]
    factor = np.where(degree == 2, 1.3, np.where(degree == 3, 0.75, 1.0)) * np.where(level >= 5, 0.6, 1.0)
    return np.clip(base * factor, 0.02, 0.95)


def fit_probability(vectors: np.ndarray, answers: np.ndarray, train: int) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=4.0, max_iter=2000, class_weight="balanced")
    model.fit(vectors[:train], answers[:train])
    return model.predict_proba(vectors)[:, 1]


def campaign(
    policy: str,
    candidates: np.ndarray,
    p_fit: np.ndarray,
    truth: np.ndarray,
    draws: np.ndarray,
    features: np.ndarray,
    vectors: np.ndarray,
    rounds: int,
    batch: int,
    seed: int,
    visible: np.ndarray | None = None,
) -> tuple[int, int]:
    """(invited, accepted) after `rounds` rounds of `batch` invitations under one ranking."""
    rng = np.random.default_rng(seed)
    invited: list[int] = []
    model = AcceptanceModel(AcceptanceConfig())
    for _ in range(rounds):
        left = np.setdiff1d(candidates, invited)
        if len(left) == 0:
            break
        if policy == "fit":
            value = p_fit[left]
        elif policy == "oracle":
            value = p_fit[left] * truth[left]
        elif policy == "visible oracle":
            value = p_fit[left] * visible[left]
        else:
            if invited:
                done = np.array(invited)
                model = AcceptanceModel(AcceptanceConfig()).fit(
                    Outcomes(features[done], vectors[done], draws[done].astype(int))
                )
            p = model.predict(features[left], vectors[left])
            value = p_fit[left] * model.ranking_values(p, rng)
        # ties (e.g. equal P(fit)) broken at random, the same way for every policy of a seed
        order = np.lexsort((np.random.default_rng(seed).random(len(left)), -value))
        invited += [int(i) for i in left[order[:batch]]]
    done = np.array(invited)
    return len(done), int(draws[done].sum())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=2000)
    parser.add_argument("--scenario", default="devops")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed+seeds-1")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--train", type=int, default=600, help="people whose LLM answers train P(fit)")
    parser.add_argument("--noise", type=float, default=0.05)
    parser.add_argument("--truth", choices=("sandbox", "visible"), default="sandbox")
    parser.add_argument(
        "--candidates", choices=("qualified", "all"), default="qualified",
        help="qualified: the people the LLM says fit (the product's New deals); all: everyone after --train "
        "(a campaign big enough for the acceptance model to have data)",
    )  # fmt: skip
    parser.add_argument("--vectors-cache", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(f"math libraries limited to {limit_math_threads(args.threads)}")

    started = time.perf_counter()
    pool = sandbox_pool(size=args.size, seed=7, scenario=args.scenario)
    people = pool.people[: args.size]
    vectors = embedded_vectors(args.size, args.vectors_cache)
    features = feature_matrix([profile_features(pool.profile(p)) for p in people])
    base = np.array([p.accept_prob for p in people])
    truth = base if args.truth == "sandbox" else visible_truth(base, features)
    fits = np.array([int(pool.fits(p)) for p in people])
    print(f"{len(people)} people, {fits.sum()} fit {args.scenario}; profiles and vectors in "
          f"{time.perf_counter() - started:.0f} s; truth {args.truth}: mean P(accept) {truth.mean():.3f}")  # fmt: skip
    degrees = {d: int((features[:, 0] == d).sum()) for d in (1, 2, 3)}
    print(f"degrees {degrees}, unknown {int(np.isnan(features[:, 0]).sum())}")

    results: dict[str, list[float]] = {"fit": [], "fit x accept": [], "oracle": []}
    if args.truth == "visible":  # the ceiling of a model of what profiles show: the visible factor alone
        results["visible oracle"] = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        answers = np.array(
            [int(f) ^ int(unit(seed, "qualify", p.public_id) < args.noise) for f, p in zip(fits, people, strict=True)]
        )  # fmt: skip
        p_fit = fit_probability(vectors, answers, args.train)
        candidates = np.array(
            [i for i in range(args.train, len(people)) if answers[i] == 1 or args.candidates == "all"]
        )
        draws = (np.random.default_rng(1000 + seed).random(len(people)) < truth).astype(int)
        line = [f"seed {seed}: {len(candidates)} candidates"]
        for policy in results:
            n, accepted = campaign(
                policy, candidates, p_fit, truth, draws, features, vectors, args.rounds, args.batch, seed,
                visible=truth / base,
            )  # fmt: skip
            results[policy].append(accepted / n)
            line.append(f"{policy} {accepted}/{n} = {accepted / n:.3f}")
        print("; ".join(line))
    print(
        f"\nacceptance rate of the invitations, mean over {args.seeds} seeds ({args.rounds} rounds of {args.batch}):"
    )
    for policy, rates in results.items():
        print(f"  {policy:13s} {np.mean(rates):.3f}  (min {np.min(rates):.3f}, max {np.max(rates):.3f})")
    gain = np.array(results["fit x accept"]) - np.array(results["fit"])
    print(f"  fit x accept - fit: {gain.mean():+.3f} (per seed: {', '.join(f'{g:+.3f}' for g in gain)})")


if __name__ == "__main__":
    main()
