"""Decision latency of the qualifier as labels grow, against refitting the GP (hyper-parameter search
included) on every new label, and whether the cheap updates cost decision quality.

One "decision" = learn one new label + decide a qualify batch of 16 candidates. Ours includes the
geometric-schedule refits when they fall due (they show in the max, not the p95). Synthetic 384-d pool
with ~10% fits and a 5%-wrong oracle. Usage: .venv/bin/python bench/ml_latency.py
"""

from __future__ import annotations

import time

import numpy as np
from sklearn.decomposition import PCA
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from openoutreach.ml.qualifier import Candidate, Label, Qualifier, QualifierConfig
from openoutreach.ml.simulate import noisy_oracle, synthetic_pool

SIZES = (100, 1000, 2000, 5000)
BATCH = 16
HELD_OUT = 1000


def naive_decide(x: np.ndarray, y: np.ndarray, candidates: np.ndarray, dims: int) -> np.ndarray:
    """The refit-every-time baseline: PCA + scaler + full hyper-parameter search on all labels."""
    features = Pipeline([("pca", PCA(n_components=dims, svd_solver="full")), ("scale", StandardScaler())])
    z = features.fit_transform(x)
    kernel = ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.sqrt(dims), (1e-2, 1e3)) + WhiteKernel(
        0.3, (1e-3, 10.0)
    )
    gpr = GaussianProcessRegressor(kernel=kernel, normalize_y=True, random_state=0).fit(z, y)
    mean = gpr.predict(features.transform(candidates))
    return np.clip(mean, 0, 1)


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values) * 1000, q))


def main() -> None:
    vectors, truth = synthetic_pool(n=max(SIZES) + 200 + HELD_OUT, fit_rate=0.1, seed=5)
    answers = noisy_oracle(truth, 0.05, seed=6)
    held = slice(len(truth) - HELD_OUT, len(truth))
    config = QualifierConfig()
    print(f"{'labels':>6} | {'ours p50 ms':>11} {'p95':>7} {'max':>8} | {'refit-every-time p50 ms':>23} {'runs':>4} | "
          f"{'AUC ours':>8} {'AUC refit':>9}")  # fmt: skip
    for n in SIZES:
        labels = [Label(i, vectors[i], int(answers[i])) for i in range(n)]
        model = Qualifier.from_labels(labels, config)
        timings = []
        for step in range(40):  # 40 further labels, one decision each
            i = n + step
            batch = [Candidate(j, vectors[j]) for j in range(len(truth) - HELD_OUT + step * BATCH % 500, len(truth) - HELD_OUT + step * BATCH % 500 + BATCH)]  # fmt: skip
            started = time.perf_counter()
            model.add_label(Label(i, vectors[i], int(answers[i])))
            model.decide(batch)
            timings.append(time.perf_counter() - started)
        auc_ours = roc_auc_score(truth[held], model.predict(vectors[held]).p)
        dims = model.features.named_steps["pca"].n_components_
        naive_runs = 5 if n <= 1000 else 1
        naive_timings = []
        for step in range(naive_runs):
            m = n + 40 - naive_runs + step + 1
            started = time.perf_counter()
            naive_decide(vectors[:m], answers[:m].astype(float), vectors[held][:BATCH], dims)
            naive_timings.append(time.perf_counter() - started)
        naive_p = naive_decide(vectors[: n + 40], answers[: n + 40].astype(float), vectors[held], dims)
        auc_naive = roc_auc_score(truth[held], naive_p)
        print(f"{n:>6} | {pct(timings, 50):>11.1f} {pct(timings, 95):>7.1f} {max(timings) * 1000:>8.0f} | "
              f"{pct(naive_timings, 50):>23.0f} {naive_runs:>4} | {auc_ours:>8.4f} {auc_naive:>9.4f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
