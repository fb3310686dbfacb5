"""Per-campaign lead qualifier: a GP over profile embeddings that decides alone only when it has earned it.

Model: PCA (dimension from explained variance) -> StandardScaler -> GP regression (ConstantKernel * RBF)
on labels {0, 1}. The posterior mean of a GP regressed on 0/1 targets estimates P(fit | x); the
probability we report is E[clip(f, 0, 1)] under the posterior f ~ N(mean, std^2), estimated with a fixed
set of Monte-Carlo draws (deterministic, so a warm start reproduces decisions exactly). The same draws give
BALD = H(E[p]) - E[H(p)], the information a label would bring, which lies in [0, ln 2].

Speed: hyper-parameters (and the PCA/scaler) are re-fitted only on a geometric schedule of label counts;
between refits each label is an O(n^2) posterior update (gp.IncrementalGP). The schedule depends only on
the label sequence, so replaying labels from the database (warm start) gives the same model as having
added them one by one.

Earned auto-decisions (the trap: with ~9% fits and a 5%-wrong LLM, a naive loop learned "everyone is
negative" from one wrong positive and auto-rejected every real fit):
1. no auto-decision before `min_positives` and `min_negatives` labels;
2. every would-be automatic decision is a candidate audit: before the model may act, each one goes to
   the LLM tagged with what the model would have done (shadow audits); once allowed, a random
   `audit_rate` share still does;
3. each kind (accept / reject) is allowed only while the last `audit_window` audits of that kind show at
   least `min_audits` and a disagreement rate of at most `max_disagreement`; when the LLM disagrees
   more, that kind stops and all its would-be decisions go back to the LLM (which keeps auditing, so it
   can resume once the model is right again);
4. the LLM is asked about the most probable fits first while positives are outnumbered (exploit), and
   about the most informative (BALD) otherwise (explore). Far from any label the posterior std is the
   prior's, so unexplored regions are never auto-rejected: they wait for the LLM.
Only LLM (or human) labels train the model; automatic decisions are never fed back as labels.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from openoutreach.ml.gp import IncrementalGP, optimise_kernel

Action = Literal["auto_accept", "auto_reject", "ask_llm"]
AutoAction = Literal["auto_accept", "auto_reject"]
LN2 = math.log(2.0)


@dataclass(frozen=True)
class QualifierConfig:
    """Every knob of the qualifier, with the defaults the benchmark was run with."""

    # Gates: all must hold for an automatic decision.
    entropy_max: float = 0.3  # binary entropy of p, nats
    std_max: float = 0.05  # posterior std of the latent fit probability
    accept_p: float = 0.9  # auto-accept only at or above this probability
    reject_p: float = 0.1  # auto-reject only at or below this probability
    # Earning the right to decide alone.
    min_positives: int = 5
    min_negatives: int = 10
    audit_rate: float = 0.1  # share of allowed automatic decisions still sent to the LLM
    audit_window: int = 40
    min_audits: int = 10
    max_disagreement: float = 0.15
    # An LLM answer that contradicts an earned model this strongly goes to human review instead of
    # promoting/disqualifying the lead (the label still trains the model and counts as an audit).
    dispute_p: float = 0.15
    # Model.
    variance_to_keep: float = 0.9  # PCA dimension: smallest that explains this share of variance
    max_components: int = 32
    noise: float | None = None  # GP observation noise on normalised targets; None = estimate it
    refit_growth: float = 1.5  # re-optimise hyper-parameters when labels grow by this factor
    hyper_subsample: int = 800  # hyper-parameter search on at most this many labels (O(n^3) per step)
    mc_samples: int = 128
    seed: int = 0


@dataclass(frozen=True)
class Label:
    """One training label (from the LLM or a human), in the order it was given.

    `audit` is what the model would have decided automatically when the LLM was asked (None if the model
    had no automatic decision to make). The CRM must keep it with the label: audits are derived from it.
    """

    lead_id: int
    vector: np.ndarray
    label: int
    audit: AutoAction | None = None


@dataclass(frozen=True)
class Candidate:
    lead_id: int
    vector: np.ndarray


@dataclass(frozen=True)
class Decision:
    lead_id: int
    action: Action
    p: float | None = None
    std: float | None = None
    entropy: float | None = None
    bald: float | None = None
    score: float | None = None  # acquisition score (None: cold start, go oldest-first)
    audit: AutoAction | None = None  # set when the LLM is asked to check what the model would do
    reason: str = ""


@dataclass(frozen=True)
class Predictions:
    p: np.ndarray
    std: np.ndarray
    entropy: np.ndarray
    bald: np.ndarray


@dataclass
class AuditStatus:
    audits: int
    disagreements: int
    allowed: bool
    reason: str


def binary_entropy(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-12, 1 - 1e-12)
    return -(p * np.log(p) + (1 - p) * np.log(1 - p))


def refit_points(first: int, upto: int, growth: float) -> list[int]:
    """Label counts at which hyper-parameters are re-optimised: first, then geometric growth."""
    points = [first]
    while points[-1] < upto:
        points.append(max(points[-1] + 1, math.ceil(points[-1] * growth)))
    return [p for p in points if p <= upto]


def _audit_draw(lead_id: int, seed: int) -> float:
    """Uniform [0, 1) from the lead id: whether a lead is audited is stable across calls and restarts."""
    digest = hashlib.blake2b(f"{seed}:{lead_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


class Qualifier:
    """The model of one campaign. Build it with `from_labels` (warm start) and grow it with `add_label`."""

    def __init__(self, config: QualifierConfig | None = None) -> None:
        self.config = config or QualifierConfig()
        self.labels: list[Label] = []
        self._x: list[np.ndarray] = []
        self.features: Pipeline | None = None
        self.gp: IncrementalGP | None = None
        self.last_refit: int | None = None
        self.refits = 0
        rng = np.random.default_rng(self.config.seed)
        half = rng.standard_normal(self.config.mc_samples // 2)
        self._draws = np.concatenate([half, -half])  # antithetic: the sample mean of draws is exactly 0

    @classmethod
    def from_labels(cls, labels: Sequence[Label], config: QualifierConfig | None = None) -> Qualifier:
        """Warm start: the same model as adding `labels` one by one, without the intermediate refits
        (each refit starts from scratch, so only the last one before len(labels) matters)."""
        model = cls(config or QualifierConfig())
        first = model._first_refit_point(labels)
        if first is None:
            for label in labels:
                model._append(label)
            return model
        last = refit_points(first, len(labels), model.config.refit_growth)[-1]
        for label in labels[:last]:
            model._append(label)
        model._refit()
        for label in labels[last:]:
            model.add_label(label)
        return model

    @staticmethod
    def _first_refit_point(labels: Sequence[Label]) -> int | None:
        seen: set[int] = set()
        for i, label in enumerate(labels):
            seen.add(label.label)
            if len(seen) == 2:
                return max(i + 1, 2)
        return None

    # -- labels ---------------------------------------------------------------------------------------

    def _append(self, label: Label) -> None:
        if label.label not in (0, 1):
            raise ValueError(f"label must be 0 or 1, got {label.label!r} for lead {label.lead_id}")
        vector = np.asarray(label.vector, dtype=np.float64).ravel()
        if self._x and vector.shape != self._x[0].shape:
            raise ValueError(
                f"vector of lead {label.lead_id} has shape {vector.shape}, expected {self._x[0].shape}"
            )
        self.labels.append(label)
        self._x.append(vector)

    def add_label(self, label: Label) -> None:
        """Learn one LLM/human label: a cheap posterior update, or a full refit on the schedule."""
        self._append(label)
        n = len(self.labels)
        if self.last_refit is None:
            if self.n_positive and self.n_negative:
                self._refit()
        elif n >= max(self.last_refit + 1, math.ceil(self.last_refit * self.config.refit_growth)):
            self._refit()
        else:
            self.gp.add(self.features.transform(self._x[-1][None, :])[0], float(label.label))

    def _refit(self) -> None:
        """PCA + scaler on the labelled vectors, hyper-parameter search, posterior from scratch."""
        cfg = self.config
        x = np.vstack(self._x)
        y = np.array([label.label for label in self.labels], dtype=float)
        limit = max(1, min(cfg.max_components, len(x) - 1, x.shape[1]))
        explained = np.cumsum(PCA(n_components=limit, svd_solver="full").fit(x).explained_variance_ratio_)
        dims = int(min(limit, np.searchsorted(explained, cfg.variance_to_keep) + 1))
        self.features = Pipeline(
            [("pca", PCA(n_components=dims, svd_solver="full")), ("scale", StandardScaler())]
        )
        z = self.features.fit_transform(x)
        fit_rows = self._hyper_rows(y)
        params = optimise_kernel(z[fit_rows], y[fit_rows], cfg.noise, seed=cfg.seed)
        self.gp = IncrementalGP(params, z, y)
        self.last_refit = len(x)
        self.refits += 1

    def _hyper_rows(self, y: np.ndarray) -> np.ndarray:
        """Rows for the hyper-parameter search: all, or a seeded stratified subsample (keeps the search
        O(subsample^3) instead of O(n^3); the posterior still uses every label)."""
        n, cap = len(y), self.config.hyper_subsample
        if n <= cap:
            return np.arange(n)
        rng = np.random.default_rng(self.config.seed + n)
        rows = []
        for cls in (0, 1):
            idx = np.flatnonzero(y == cls)
            take = max(1, round(cap * len(idx) / n))
            rows.append(rng.choice(idx, size=min(take, len(idx)), replace=False))
        return np.sort(np.concatenate(rows))

    @property
    def n_positive(self) -> int:
        return sum(label.label == 1 for label in self.labels)

    @property
    def n_negative(self) -> int:
        return sum(label.label == 0 for label in self.labels)

    @property
    def cold(self) -> bool:
        """Fewer than 2 labels or only one class: no model, the LLM decides, ranking is oldest-first."""
        return self.gp is None

    @property
    def mode(self) -> Literal["cold", "explore", "exploit"]:
        if self.cold:
            return "cold"
        return "explore" if self.n_positive >= self.n_negative else "exploit"

    # -- predictions ----------------------------------------------------------------------------------

    def predict(self, vectors: np.ndarray) -> Predictions | None:
        """p, std, entropy and BALD per row, or None at cold start."""
        if self.cold:
            return None
        x = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
        mean, std = self.gp.predict(self.features.transform(x))
        samples = np.clip(mean[:, None] + std[:, None] * self._draws[None, :], 0.0, 1.0)
        p = samples.mean(axis=1)
        entropy = binary_entropy(p)
        bald = np.clip(entropy - binary_entropy(samples).mean(axis=1), 0.0, LN2)
        return Predictions(p=p, std=std, entropy=entropy, bald=bald)

    def rank(self, vectors: np.ndarray) -> np.ndarray | None:
        """Acquisition scores (higher = ask the LLM sooner): BALD when exploring, p when exploiting.
        None at cold start: the caller goes oldest-first."""
        preds = self.predict(vectors)
        if preds is None:
            return None
        return preds.bald if self.mode == "explore" else preds.p

    def disputed(self, decision: Decision, llm_label: int) -> bool:
        """Whether the LLM's answer for a lead the model scored in `decision` should go to human review:
        the model has its minimum of labels of both classes and put the lead at p <= dispute_p (or
        >= 1 - dispute_p) while the LLM says the opposite. With rare fits and a judge that is wrong now
        and then, most of its "qualified" answers on leads like that are its mistakes."""
        cfg = self.config
        if decision.p is None or self.n_positive < cfg.min_positives or self.n_negative < cfg.min_negatives:
            return False
        if llm_label == 1:
            return decision.p <= cfg.dispute_p
        return decision.p >= 1 - cfg.dispute_p

    # -- the policy -----------------------------------------------------------------------------------

    def audit_status(self, kind: AutoAction) -> AuditStatus:
        """Whether automatic decisions of this kind are allowed now, and why (or why not)."""
        cfg = self.config
        if self.n_positive < cfg.min_positives or self.n_negative < cfg.min_negatives:
            return AuditStatus(0, 0, False, f"needs {cfg.min_positives} positive and {cfg.min_negatives} negative labels "
                               f"(has {self.n_positive} and {self.n_negative})")  # fmt: skip
        window = [label for label in self.labels if label.audit == kind][-cfg.audit_window :]
        wrong = 1 if kind == "auto_reject" else 0  # the LLM label that contradicts this kind
        disagreements = sum(label.label == wrong for label in window)
        if len(window) < cfg.min_audits:
            return AuditStatus(
                len(window), disagreements, False, f"{len(window)}/{cfg.min_audits} audits so far"
            )
        rate = disagreements / len(window) if window else 0.0
        if rate > cfg.max_disagreement:
            return AuditStatus(len(window), disagreements, False,
                               f"LLM disagreed with {disagreements}/{len(window)} recent {kind} audits")  # fmt: skip
        return AuditStatus(
            len(window), disagreements, True, f"{disagreements}/{len(window)} audits disagreed"
        )

    def decide(self, candidates: Sequence[Candidate]) -> list[Decision]:
        """Automatic decisions first, then LLM questions in the order to ask them (best score first;
        input order, meant to be oldest-first, at cold start)."""
        if not candidates:
            return []
        preds = self.predict(np.vstack([np.asarray(c.vector, dtype=np.float64).ravel() for c in candidates]))
        if preds is None:
            return [
                Decision(c.lead_id, "ask_llm", reason="cold start: fewer than 2 labels or one class")
                for c in candidates
            ]
        cfg = self.config
        status = {kind: self.audit_status(kind) for kind in ("auto_accept", "auto_reject")}
        scores = preds.bald if self.mode == "explore" else preds.p
        auto: list[Decision] = []
        ask: list[Decision] = []
        for i, c in enumerate(candidates):
            p, std, entropy = float(preds.p[i]), float(preds.std[i]), float(preds.entropy[i])
            confident = entropy < cfg.entropy_max and std < cfg.std_max
            would: AutoAction | None = None
            if confident and p >= cfg.accept_p:
                would = "auto_accept"
            elif confident and p <= cfg.reject_p:
                would = "auto_reject"
            values = dict(p=p, std=std, entropy=entropy, bald=float(preds.bald[i]), score=float(scores[i]))
            if would is None:
                ask.append(Decision(c.lead_id, "ask_llm", **values, reason=f"unsure ({self.mode})"))
            elif not status[would].allowed:
                ask.append(Decision(c.lead_id, "ask_llm", **values, audit=would, reason=status[would].reason))
            elif _audit_draw(c.lead_id, cfg.seed) < cfg.audit_rate:
                ask.append(Decision(c.lead_id, "ask_llm", **values, audit=would, reason="random audit"))
            else:
                auto.append(Decision(c.lead_id, would, **values, reason=status[would].reason))
        ask.sort(key=lambda d: -d.score)
        return auto + ask
