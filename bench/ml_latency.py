"""Decision latency of the qualifier as labels grow, against refitting the GP (full hyper-parameter search on
every label, what a naive implementation does), and whether the cheap updates cost decision quality.

One "decision" = learn one new label + decide a qualify batch of 16 candidates. Ours includes the
geometric-schedule refits when they fall due (they show in the max, not in the p95). The baseline refits
PCA + scaler + sklearn's GaussianProcessRegressor (ConstantKernel * RBF + WhiteKernel, full search on
all labels) at our chosen PCA dimension; at 2,000 and 5,000 labels one baseline step takes minutes, so
it is timed on fewer steps there (the `runs` column says how many). Decision quality: ROC AUC of each
model's fit probability on 1,000 held-out people against the hidden truth. Pool: the devops sandbox
population (~10% fits), profiles parsed and embedded with the offline MiniLM, labels from the stand-in's
5%-wrong rule, in arrival order. Also times one scheduled full refit at 2,000 labels.

Usage: .venv/bin/python bench/ml_latency.py [--sizes 100,1000,2000,5000] [--steps 40] [--vectors-cache F.npz]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.decomposition import PCA
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere, no install needed

from openoutreach.ml.qualifier import Candidate, Label, Qualifier, QualifierConfig
from openoutreach.ml.sandbox_pool import embedded_pool
from openoutreach.ml.threads import limit_math_threads

BATCH = 16
HELD_OUT = 1000
NAIVE_RUNS = {100: 5, 1000: 3, 2000: 1, 5000: 1}


def naive_fit(x: np.ndarray, y: np.ndarray, dims: int):
    """The refit-every-time baseline: PCA + scaler + full hyper-parameter search on all labels. Returns
    the fit probability of new rows (the GP mean clipped to [0, 1])."""
    features = Pipeline([("pca", PCA(n_components=dims, svd_solver="full")), ("scale", StandardScaler())])
    z = features.fit_transform(x)
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.sqrt(dims), (1e-2, 1e3)) + WhiteKernel(
        0.3, (1e-3, 10.0)
    )
    gpr = GaussianProcessRegressor(kernel=kernel, normalize_y=True, random_state=0).fit(z, y)
    return lambda rows: np.clip(gpr.predict(features.transform(rows)), 0, 1)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100,1000,2000,5000")
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--vectors-cache", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("ML_THREADS", "1")))
    args = parser.parse_args()
    print(f"math libraries: {limit_math_threads(args.threads)}")
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.perf_counter()
    need = max(sizes) + args.steps + HELD_OUT
    vectors, truth, answers = embedded_pool(need, cache=args.vectors_cache)
    print(
        f"pool of {len(truth)} sandbox people ({truth.mean():.1%} fit) ready in {time.perf_counter() - started:.0f} s"
    )
    held = slice(len(truth) - HELD_OUT, len(truth))
    config = QualifierConfig()
    print(f"{'labels':>6} | {'ours p50 ms':>11} {'p95':>7} {'max':>8} {'steps':>5} | {'refit-every-time p50 ms':>23} {'runs':>4} | "
          f"{'AUC ours':>8} {'AUC refit':>9} | dims")  # fmt: skip
    for n in sizes:
        labels = [Label(i, vectors[i], int(answers[i])) for i in range(n)]
        model = Qualifier.from_labels(labels, config)
        timings = []
        for step in range(args.steps):  # further labels, one decision each
            i = n + step
            first = len(truth) - HELD_OUT + step * BATCH % 500
            batch = [Candidate(j, vectors[j]) for j in range(first, first + BATCH)]
            started = time.perf_counter()
            model.add_label(Label(i, vectors[i], int(answers[i])))
            model.decide(batch)
            timings.append(time.perf_counter() - started)
        auc_ours = roc_auc_score(truth[held], model.predict(vectors[held]).p)
        dims = model.features.named_steps["pca"].n_components_
        m = n + args.steps
        naive_timings = []
        predict = None
        for _run in range(NAIVE_RUNS.get(n, 1)):
            started = time.perf_counter()
            predict = naive_fit(vectors[:m], answers[:m].astype(float), dims)
            predict(vectors[held][:BATCH])
            naive_timings.append(time.perf_counter() - started)
        naive_p = predict(vectors[held])
        auc_naive = roc_auc_score(truth[held], naive_p)
        print(f"{n:>6} | {pct(timings, 50):>11.1f} {pct(timings, 95):>7.1f} {max(timings) * 1000:>8.0f} {args.steps:>5} | "
              f"{pct(naive_timings, 50):>23.0f} {len(naive_timings):>4} | {auc_ours:>8.4f} {auc_naive:>9.4f} | {dims}",
              flush=True)  # fmt: skip
        if n == 2000:
            started = time.perf_counter()
            model.refit()
            print(f"       one scheduled full refit at {len(model.labels)} labels (PCA dims search + kernel search "
                  f"on a {config.hyper_subsample}-label subsample + posterior on all): {time.perf_counter() - started:.1f} s",
                  flush=True)  # fmt: skip
        del model


if __name__ == "__main__":
    main()
