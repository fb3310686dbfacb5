"""P(accept): the probability that an invitation is accepted within the window, learned per campaign.

Trained on the campaign's own invitations (see `acceptance_outcomes.py` for what counts as accepted,
not accepted or still open), over a few profile features (`profile_features`: degree, seniority words,
about, positions, educations) and the profile's embedding reduced by PCA, with scikit-learn's
HistGradientBoostingClassifier. The outcomes of one campaign are few, so the model earns its say:

1. the campaign's acceptance rate as a Beta posterior (prior `prior_a`, `prior_b` plus the outcomes):
   with fewer than `min_outcomes` outcomes (or a single class) every person gets its mean, which
   leaves the ranking to P(fit) alone: the first invitations are not selected on acceptance at all;
2. after that the boosted model's probability, blended with that mean by weight n / (n + `prior_strength`);
3. ranking draws (`ranking_values`) explore: a Thompson-style draw around each blended value, with a
   concentration that grows with the outcomes, and a share `explore` of people ranked on the mean alone,
   so the model keeps seeing people it would not have picked.
Django-free (values in, values out); `acceptance_cache.py` keeps the fitted model per campaign.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

# Seniority from words of the headline and the first position's title, checked in this order (a "Vice
# President" is a VP before "President" makes them a CxO). The analytics mart repeats these patterns
# (analytics/macros/seniority.sql); tests/analytics checks both agree.
SENIORITY_PATTERNS: tuple[tuple[int, str, str], ...] = (
    (6, "vp", r"\b(vp|svp|evp|vice president)\b"),
    (7, "cxo", r"\b(chief|ceo|cto|cfo|coo|cmo|cio|ciso|founder|owner|president)\b"),
    (5, "director", r"\b(director|head of)\b"),
    (4, "manager", r"\bmanager\b"),
    (3, "lead", r"\b(lead|staff|principal)\b"),
    (2, "senior", r"\b(senior|sr)\b"),
    (1, "entry", r"\b(junior|jr|intern|trainee|assistant|graduate)\b"),
)
_SENIORITY = [(level, re.compile(pattern)) for level, _name, pattern in SENIORITY_PATTERNS]
FEATURE_NAMES = ("connection_degree", "seniority", "has_summary", "position_count", "education_count")


def seniority(text: str) -> int:
    """0 (no seniority word) .. 7 (CxO), from lower-cased text."""
    text = text.lower()
    for level, pattern in _SENIORITY:
        if pattern.search(text):
            return level
    return 0


def _first_title(profile: Mapping[str, Any]) -> str:
    positions = profile.get("positions")
    if isinstance(positions, list) and positions and isinstance(positions[0], Mapping):
        return str(positions[0].get("title") or "")
    return ""


def profile_features(profile: Mapping[str, Any]) -> dict[str, float]:
    """The explicit features of a parsed profile (NaN where unknown; the model reads it as -1).
    Our relationship to the person (degree) is used here, unlike in the fit model: it is about whether
    they accept, not whether they fit."""
    degree = profile.get("connection_degree")
    positions = profile.get("positions")
    educations = profile.get("educations")
    return {
        "connection_degree": float(degree) if isinstance(degree, int) else float("nan"),
        "seniority": float(seniority(f"{profile.get('headline') or ''} {_first_title(profile)}")),
        "has_summary": float(bool(str(profile.get("summary") or "").strip())),
        "position_count": float(len(positions) if isinstance(positions, list) else 0),
        "education_count": float(len(educations) if isinstance(educations, list) else 0),
    }


def feature_matrix(features: Sequence[Mapping[str, float]]) -> np.ndarray:
    return np.array([[row[name] for name in FEATURE_NAMES] for row in features], dtype=float).reshape(
        len(features), len(FEATURE_NAMES)
    )


@dataclass(frozen=True)
class AcceptanceConfig:
    window_days: int = 14  # accepted within this many days after the invitation counts as accepted
    min_outcomes: int = 30  # below this, or with one class only, the Beta mean alone
    prior_a: float = 2.0  # Beta prior of the campaign's rate: mean 0.4, worth 5 invitations
    prior_b: float = 3.0
    prior_strength: float = 20.0  # the model's weight is n / (n + prior_strength)
    pca_dims: int = 8  # embedding components given to the booster, one per `outcomes_per_dim` outcomes
    outcomes_per_dim: int = 100  # (fewer: the booster fits noise in the embedding; bench/accept_bench.py)
    explore: float = 0.05  # share of people ranked on the Beta mean alone
    concentration: float = 20.0  # Thompson draw: Beta(p*c, (1-p)*c) with c = concentration + n / 2
    max_concentration: float = 400.0
    refit_every: int = 10  # new outcomes that trigger a refit (acceptance_cache.py)
    refit_hours: float = 24.0  # a model older than this is refitted when any outcome is new


@dataclass(frozen=True)
class Outcomes:
    """A campaign's decided invitations: features, embeddings (rows aligned) and 1/0 outcomes."""

    features: np.ndarray  # (n, len(FEATURE_NAMES))
    vectors: np.ndarray  # (n, d)
    accepted: np.ndarray  # (n,) of 0/1

    def __post_init__(self) -> None:
        n = len(self.accepted)
        if self.features.shape[0] != n or self.vectors.shape[0] != n:
            raise ValueError(
                f"outcomes misaligned: {self.features.shape[0]} feature rows, {self.vectors.shape[0]} "
                f"vectors, {n} outcomes"
            )
        if n and not np.isin(self.accepted, (0, 1)).all():
            raise ValueError("outcomes must be 0 (not accepted) or 1 (accepted); censored rows are left out")


class AcceptanceModel:
    """The campaign's P(accept): the Beta mean, then the booster blended with it (module docstring)."""

    def __init__(self, config: AcceptanceConfig | None = None) -> None:
        self.config = config or AcceptanceConfig()
        self.n = 0
        self.accepted = 0
        self.booster: Any = None
        self.pca: Any = None

    @property
    def prior_mean(self) -> float:
        c = self.config
        return (c.prior_a + self.accepted) / (c.prior_a + c.prior_b + self.n)

    @property
    def thin(self) -> bool:
        """True while the Beta mean alone is used (too few outcomes, or one class only)."""
        return self.booster is None

    @property
    def weight(self) -> float:
        return 0.0 if self.thin else self.n / (self.n + self.config.prior_strength)

    def fit(self, outcomes: Outcomes) -> AcceptanceModel:
        from sklearn.decomposition import PCA
        from sklearn.ensemble import HistGradientBoostingClassifier

        y = np.asarray(outcomes.accepted, dtype=int)
        self.n, self.accepted = len(y), int(y.sum())
        self.booster = self.pca = None
        if self.n < self.config.min_outcomes or self.accepted in (0, self.n):
            return self
        dims = min(self.config.pca_dims, self.n // self.config.outcomes_per_dim, outcomes.vectors.shape[1])
        if dims > 0:
            self.pca = PCA(n_components=dims, random_state=0).fit(outcomes.vectors)
        leaf = max(5, self.n // 20)  # small leaves on little data overfit; grow with the outcomes
        self.booster = HistGradientBoostingClassifier(
            max_iter=80, learning_rate=0.08, max_leaf_nodes=8, min_samples_leaf=leaf,
            l2_regularization=1.0, early_stopping=False, random_state=0,
        ).fit(self._inputs(outcomes.features, outcomes.vectors), y)  # fmt: skip
        return self

    def _inputs(self, features: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        # Unknown (NaN) as a value of its own: a column that is unknown for everyone (e.g. no degree
        # read) would leave the booster's binning without a single value.
        features = np.nan_to_num(np.asarray(features, dtype=float), nan=-1.0)
        if self.pca is None:
            return features
        return np.hstack([features, self.pca.transform(vectors)])

    def predict(self, features: np.ndarray, vectors: np.ndarray) -> np.ndarray:
        """The blended P(accept) of each row (the Beta mean for everyone while thin)."""
        rows = len(features)
        if self.thin or rows == 0:
            return np.full(rows, self.prior_mean)
        model = self.booster.predict_proba(self._inputs(features, vectors))[:, 1]
        w = self.weight
        return w * model + (1.0 - w) * self.prior_mean

    def ranking_values(self, p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """What the ranking multiplies P(fit) by: a Thompson-style draw around each `p`, and the Beta
        mean for a share `explore` of people. While thin, `p` itself (a constant: fit alone decides)."""
        p = np.asarray(p, dtype=float)
        if self.thin or len(p) == 0:
            return p.copy()
        c = self.config
        k = min(c.concentration + self.n / 2.0, c.max_concentration)
        q = np.clip(p, 1e-3, 1 - 1e-3)
        drawn = rng.beta(q * k, (1 - q) * k)
        explored = rng.random(len(p)) < c.explore
        return np.where(explored, self.prior_mean, drawn)
