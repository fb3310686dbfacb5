"""Per-campaign lead qualifier: a GP over profile embeddings that decides alone only when it has earned it.

Model: PCA -> StandardScaler -> GP regression (ConstantKernel * RBF) on labels {0, 1}, with the PCA
dimension chosen from data at each refit (the candidate whose calibrated model best predicts held-out
labels, leave-one-out). A GP regressed on 0/1 labels ranks well but is a poor probability, so the latent
function goes through a probit link calibrated on leave-one-out predictions (link.py). Every quantity
comes from one fixed set of Monte-Carlo draws of the posterior f ~ N(mean, std^2), each mapped through
the link (deterministic, so a warm start reproduces decisions exactly):
- p = E[link(f)], the fit probability, and its entropy;
- std = the posterior std of link(f): how unsure the model is of p itself (the std gate);
- BALD = H(E[p]) - E[H(p)], the information a label would bring, in [0, ln 2].
(The std gate used to read the latent function's std, which on real MiniLM embeddings never fell much
below 0.1: the gate was unreachable and the LLM was asked about everyone.)

Speed: hyper-parameters (PCA, scaler, kernel, link) are re-fitted only on a geometric schedule of label
counts; between refits each label is an O(n^2) posterior update (gp.IncrementalGP). The schedule depends
only on the label sequence, so replaying labels from the database (warm start) gives the same model as
having added them one by one.

Earned auto-decisions (the trap: with ~9% fits and a 5%-wrong LLM, a naive loop learned "everyone is
negative" from one wrong positive and auto-rejected every real fit):
1. no auto-decision before `min_positives` and `min_negatives` labels (measured: models built from the
   first ~150 labels can be confidently wrong about whole groups of fits);
2. every would-be automatic decision is a candidate audit: before the model may act, such leads go to
   the LLM tagged with what the model would have done (shadow audits); once allowed, a random
   `audit_rate` share still does. Audits are interleaved with the other questions (`audit_share` of
   them), or in exploit mode the would-be rejections, ranked last, would never be asked;
3. each kind (accept / reject) is allowed only while the last `audit_window` audits of that kind show at
   least `min_audits` and a disagreement rate of at most `max_disagreement`; when the LLM disagrees
   more, that kind stops and all its would-be decisions go back to the LLM (which keeps auditing, so it
   can resume once the model is right again);
4. the LLM is asked about the most probable fits first while positives are outnumbered (exploit), and
   about the most informative (BALD) otherwise (explore);
5. an LLM answer that contradicts an earned model (`disputed`) is held for human review instead of
   promoting the lead: with rare fits and a judge wrong 5% of the time, most "fits" the model puts far
   below its fits are the judge's mistakes; and since the model that scored a lead knew fewer labels than
   later ones, every "fits" answer gets a second look on each run (`doubted`): the leave-one-out
   probability of that label, from the model trained on all the others, holds it for review when low and
   releases it when a later model thinks better of it (measured: this second look, not the first,
   separates the judge's mistakes from real fits);
6. the PCA is fitted on the labelled vectors AND the campaign's unlabelled pool (`observe`), so a kind of
   profile the labels never covered is far from them in the GP's space (high std) instead of projecting
   next to known non-fits; and a lead far from the PCA subspace itself (`coverage_quantile`) is never
   decided nor disputed by the model.
Only LLM (or human) labels train the model; automatic decisions are never fed back as labels.

The posterior policy (the default; `QualifierConfig.keep_posterior` > 0, `CONSTANT_POLICY` turns it off):
the calibrated p is the probability that the LLM says "fits", which an LLM wrong about a share e of people
keeps within [e, 1-e]. The campaign's e is estimated from its own labels (`noise_rate`), the model's
evidence is de-noised (t = (p - e) / (1 - 2e), kept within [`prior_floor`, 1 - `prior_floor`]) and combined
with the LLM's answers by Bayes' rule (`fit_posterior`). The second look (`second_look`) qualifies a lead
whose posterior reaches `keep_posterior` (a threshold that follows the campaign's e instead of the constant
`review_p`), asks further opinions (`further_opinions`: differently framed prompts) while it is ambiguous,
and holds a "fits" that stays below; the replay (simulate.run_policy) and the qualify lane
(ml/second_look.py) take the same verdicts, and the first look disputes by the same posterior. Automatic
rejections go through the mass gates (`_mass_gates`): the lowest-t candidates whose summed t, with that of
every lead rejected before (`remember_decided`; re-scored by the current model), stays within
`reject_mass` of the fits the model expects in the campaign, so the recall a campaign risks unseen is
bounded by its own estimate instead of a threshold tuned on one pool. That estimate is checked against the
campaign's own labels (`mass_scale`, `calibrate_mass`): the fits the answers show among the labelled
leads the model would have rejected, against the fits their t expects, scale it. And a rejection is not
final: a lead rejected alone whose t the current model puts above `reject_t` is taken back and asked
(`doubted_rejections`, `revisit_rejections`), so a young model's first burst of rejections is corrected
once it learns better. With a noisy LLM (an estimated error rate clearly above `noisy_llm`, `noisy`), the
second look may ask one more further opinion per lead, and asks again the rejected answers of highest
posterior while the fits they are expected to hold exceed `recheck_budget` of the expected fits
(`_recheck_within_budget`). (`posterior_gates`, thresholds on t with stratified audits, is an option
measured unsafe and off; `recall_target`, a budget of (1 - target) of the expected fits less those expected
lost among the answered leads (`expected_lost`), is an option measured no better and off; so is
`mass_per_draw` false, t of the mean probability instead of each draw's, which rejected unseen fits the
model was sure of; and `noisy_share` 0.25, the noisy gate read on the lowest quarter of the labels.)
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from typing import Literal

import numpy as np
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from openoutreach.ml.gp import IncrementalGP, KernelParams, optimise_kernel
from openoutreach.ml.link import ProbitLink, fit_link, log_likelihood
from openoutreach.ml.qualifier_values import (
    CONSTANT_POLICY,
    LN2,
    NOISE_SHARE,
    Action,
    AuditStatus,
    AutoAction,
    Candidate,
    Decision,
    Label,
    Predictions,
    QualifierConfig,
    Verdict,
    audit_draw,
    binary_entropy,
    interleave,
    refit_points,
)

__all__ = [
    "Action",
    "CONSTANT_POLICY",
    "AuditStatus",
    "AutoAction",
    "Candidate",
    "Decision",
    "Label",
    "Predictions",
    "Qualifier",
    "QualifierConfig",
    "Verdict",
    "binary_entropy",
    "interleave",
    "refit_points",
]


class Qualifier:
    """The model of one campaign. Build it with `from_labels` (warm start) and grow it with `add_label`."""

    def __init__(self, config: QualifierConfig | None = None) -> None:
        self.config = config or QualifierConfig()
        self.labels: list[Label] = []
        self._x: list[np.ndarray] = []
        self.features: Pipeline | None = None
        self.gp: IncrementalGP | None = None
        self.link: ProbitLink | None = None
        self.residual_limit = 0.0
        self.reference: np.ndarray | None = None  # unlabelled pool vectors for the PCA (see observe)
        self.last_refit: int | None = None
        self.rejected: list[np.ndarray] = []  # vectors of the leads it rejected alone (mass gates)
        self.accepted: list[np.ndarray] = []  # and of those it accepted alone
        self.answers: dict[int, tuple[int, ...]] = {}  # the LLM's answers per lead (calibration, target)
        self.calibration: tuple[int, float, int] | None = None  # mass_scale: found, expected, leads
        self.refits = 0
        rng = np.random.default_rng(self.config.seed)
        half = rng.standard_normal(self.config.mc_samples // 2)
        self._draws = np.concatenate([half, -half])  # antithetic: the sample mean of draws is exactly 0

    @classmethod
    def from_labels(
        cls,
        labels: Sequence[Label],
        config: QualifierConfig | None = None,
        reference: np.ndarray | None = None,
    ) -> Qualifier:
        """Warm start: the same model as adding `labels` one by one, without the intermediate refits
        (each refit starts from scratch, so only the last one before len(labels) matters). `reference`:
        unlabelled vectors of the campaign's pool for the PCA (see `observe`)."""
        model = cls(config or QualifierConfig())
        if reference is not None:
            model.observe(reference)
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

    def observe(self, vectors: np.ndarray) -> None:
        """Remember (a deterministic subsample of) the unlabelled pool: the next refit fits the PCA on the
        labelled AND these vectors. Fitted on labels alone, the PCA only sees the directions the labels
        vary in (mostly fit-like profiles, as the LLM is asked about likely fits first); a kind of profile
        it never saw then projects right next to known non-fits, and the model is confidently wrong about
        it. `decide` observes its candidates; the service passes the pool to a warm start."""
        x = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
        cap = self.config.reference_max
        self.reference = x if len(x) <= cap else x[np.linspace(0, len(x) - 1, cap).astype(int)]

    def refit(self) -> None:
        """Re-optimise everything now, off the schedule (operators, benchmarks); needs both classes."""
        if not (self.n_positive and self.n_negative):
            raise ValueError("a refit needs labels of both classes")
        self._refit()

    def _refit(self) -> None:
        """Hyper-parameters from scratch: for each candidate PCA dimension, PCA + scaler on the labelled
        vectors and a marginal-likelihood kernel search; keep the dimension whose calibrated model best
        predicts held-out labels (leave-one-out log likelihood); then the posterior and the link."""
        cfg = self.config
        x = np.vstack(self._x)
        y = np.array([label.label for label in self.labels], dtype=float)
        basis = x if self.reference is None else np.vstack([x, self.reference])
        rows = self._hyper_rows(y)
        best: tuple[float, Pipeline, np.ndarray, KernelParams] | None = None
        for dims in self._candidate_dims(len(x), x.shape[1]):
            features = Pipeline(
                [("pca", PCA(n_components=dims, svd_solver="full")), ("scale", StandardScaler())]
            )
            z = features.fit(basis).transform(x)
            params = optimise_kernel(z[rows], y[rows], cfg.noise, seed=cfg.seed)
            trial = IncrementalGP(params, z[rows], y[rows])
            loo_mean, loo_var = trial.loo()
            score = log_likelihood(fit_link(loo_mean, loo_var, y[rows]), loo_mean, loo_var, y[rows])
            if best is None or score > best[0]:
                best = (score, features, z, params)
        _, self.features, z, params = best
        self.gp = IncrementalGP(params, z, y)
        self.link = fit_link(*self.gp.loo(), y)
        self.residual_limit = float(np.quantile(self._residuals(basis), self.config.coverage_quantile))
        self.last_refit = len(x)
        self.refits += 1

    def _candidate_dims(self, n: int, width: int) -> list[int]:
        limit = max(1, min(n - 1, width))
        return sorted({min(d, limit) for d in self.config.pca_dims})

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
    def earned(self) -> bool:
        """The model has its minimum labels of both classes: it may decide, dispute and doubt."""
        return self.n_positive >= self.config.min_positives and self.n_negative >= self.config.min_negatives

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
        mean, std = self.gp.predict_latent(self.features.transform(x))
        samples = self.link(mean[:, None] + std[:, None] * self._draws[None, :])
        p = samples.mean(axis=1)
        entropy = binary_entropy(p)
        bald = np.clip(entropy - binary_entropy(samples).mean(axis=1), 0.0, LN2)
        return Predictions(
            p=p,
            std=samples.std(axis=1),
            entropy=entropy,
            bald=bald,
            latent_std=std,
            residual=self._residuals(x),
        )

    def _residuals(self, x: np.ndarray) -> np.ndarray:
        """How far each row lies from the PCA subspace fitted on the labelled vectors. The PCA only sees
        directions the labels vary in: a new kind of profile can project right next to known non-fits
        although it resembles none of them, and the GP's distances (hence its std) cannot tell."""
        pca = self.features.named_steps["pca"]
        return np.linalg.norm(x - pca.inverse_transform(pca.transform(x)), axis=1)

    def rank(self, vectors: np.ndarray) -> np.ndarray | None:
        """Acquisition scores (higher = ask the LLM sooner): BALD when exploring, p when exploiting.
        None at cold start: the caller goes oldest-first."""
        preds = self.predict(vectors)
        if preds is None:
            return None
        return preds.bald if self.mode == "explore" else preds.p

    # -- the posterior: the model's evidence and the LLM's answer, with the LLM's estimated error rate --

    @property
    def posterior_mode(self) -> bool:
        return self.config.keep_posterior > 0

    @property
    def posterior_gates(self) -> bool:
        return self.posterior_mode and self.config.posterior_gates

    def noise_rate(self, share: float = NOISE_SHARE) -> float:
        """The campaign's estimated LLM error rate: the share of "fits" among the `share` (half by default)
        of the labels the model trained on the others (leave-one-out) ranks lowest, shrunk towards
        `noise_prior`. With rare fits, almost nobody there fits, so nearly every "fits" there is the LLM's
        mistake; a fit the model misranks counts as a mistake too, so the estimate errs high (more doubt,
        never less), the more so the larger `share`."""
        cfg = self.config
        if self.cold:
            return cfg.noise_prior
        mean, _var = self.gp.loo()
        y = np.array([label.label for label in self.labels], dtype=float)
        low = np.argsort(mean, kind="stable")[: int(len(y) * share)]
        w = cfg.noise_prior_weight
        rate = (float(y[low].sum()) + w * cfg.noise_prior) / (len(low) + w)
        return float(np.clip(rate, 0.005, 0.3))

    @staticmethod
    def denoise(p: np.ndarray | float, noise: float) -> np.ndarray:
        """P(fit) from P(the LLM says fits) = e + (1 - 2e) P(fit), for an LLM wrong about a share e."""
        return np.clip((np.asarray(p, dtype=float) - noise) / (1.0 - 2.0 * noise), 0.0, 1.0)

    @classmethod
    def fit_posterior(
        cls, p: np.ndarray | float, answers: int | Sequence[int], noise: float, floor: float = 1e-4
    ) -> np.ndarray:
        """P(fit | the model's evidence, the LLM's answers): the de-noised model probability as the prior,
        each answer as evidence that is wrong with probability `noise`, independently (Bayes' rule; more
        than one answer: further opinions from a differently framed prompt, see simulate.run_policy)."""
        t = np.clip(cls.denoise(p, noise), floor, 1 - floor)
        answers = [answers] if isinstance(answers, int | np.integer) else list(answers)
        yes = sum(int(a) for a in answers)
        odds = t / (1.0 - t) * ((1.0 - noise) / noise) ** (2 * yes - len(answers))
        return odds / (1.0 + odds)

    def disputed(self, decision: Decision, llm_label: int) -> bool:
        """Whether the LLM's answer for a lead the model scored in `decision` should go to human review:
        the model has its minimum of labels of both classes, the lead is like the labelled ones (covered),
        and the model put it at p <= dispute_p (or >= 1 - dispute_p) while the LLM says the opposite. With
        rare fits and a judge that is wrong now and then, most of its "qualified" answers on leads like
        that are its mistakes. About a new kind of lead the model knows nothing: the LLM's answer stands."""
        cfg = self.config
        # Judged on the model that scored the lead (`decision`), not on labels added since.
        if decision.p is None or not decision.earned or not decision.covered:
            return False
        if self.posterior_mode:
            post = float(self.fit_posterior(decision.p, llm_label, self.noise_rate(), cfg.prior_floor))
            keep = cfg.keep_posterior
            return post < keep if llm_label == 1 else post > max(keep, 1 - keep)
        if llm_label == 1:
            return decision.p <= cfg.dispute_p
        return decision.p >= 1 - cfg.dispute_p

    def loo_p(self) -> dict[int, float]:
        """Leave-one-out fit probability of every training label: what the model trained on all the other
        labels says about that lead (cheap: read off the maintained inverse). Empty at cold start."""
        if self.cold:
            return {}
        mean, var = self.gp.loo()
        samples = self.link(mean[:, None] + np.sqrt(var)[:, None] * self._draws[None, :])
        return {label.lead_id: float(p) for label, p in zip(self.labels, samples.mean(axis=1), strict=True)}

    def doubted(self, llm_positives: set[int] | None = None) -> dict[int, float]:
        """The "fits" labels to hold for human review, with their leave-one-out probability: label 1, given
        by the LLM (`llm_positives`: lead ids whose label came from the LLM, default all; a human's label is
        never doubted), and put at or below `review_p` by the model trained on every other label. Nothing is
        doubted before the model has its minimum labels of both classes."""
        if not self.earned:
            return {}
        loo = self.loo_p()
        if self.posterior_mode:  # held when P(fit | the other labels, the LLM's "fits") < keep_posterior
            noise = self.noise_rate()
            posterior = {
                label.lead_id: float(
                    self.fit_posterior(loo[label.lead_id], 1, noise, self.config.prior_floor)
                )
                for label in self.labels
                if label.label == 1 and (llm_positives is None or label.lead_id in llm_positives)
            }
            return {lead: p for lead, p in posterior.items() if p < self.config.keep_posterior}
        return {
            label.lead_id: loo[label.lead_id]
            for label in self.labels
            if label.label == 1
            and (llm_positives is None or label.lead_id in llm_positives)
            and loo[label.lead_id] <= self.config.review_p
        }

    def second_look(
        self, answers: Mapping[int, Sequence[int]], opinions: int = 0, unaskable: Collection[int] = ()
    ) -> dict[int, tuple[Verdict, float | None]]:
        """The second look at every LLM-labelled lead, with its answers so far (`answers[lead]`: the first
        answer, then the further opinions asked; operators' labels are never passed): what to do with it,
        and the probability the verdict rests on (None while the model has not earned a say).

        - "qualified" / "rejected": the lead fits / does not fit;
        - "held": a "fits" answer the model doubts, for a person to decide;
        - "ask": ask the next further opinion (a differently framed prompt) first; only while fewer than
          `opinions` further opinions were asked (and fewer than `opinion_limit` allows), in posterior mode,
          and the posterior is ambiguous: below `keep_posterior` and at or above `second_opinion_p` for a
          lead the LLM first said fits, `recheck_no_p` for one it first said does not; or, with a noisy
          LLM, a rejected answer within the recheck budget (`_recheck_within_budget`). Never a lead in
          `unaskable` (its profile is gone): its verdict rests on the answers it has.
        Posterior mode decides on P(fit | the other labels, every answer) >= `keep_posterior`; otherwise a
        "fits" the model doubts (`doubted`) is held and every other answer stands. Deterministic: the
        replay (simulate.run_policy) and the qualify lane ask the same leads again."""
        cfg = self.config
        result: dict[int, tuple[Verdict, float | None]] = {}
        if not self.earned:
            return {lead: ("qualified" if said[0] else "rejected", None) for lead, said in answers.items()}
        loo = self.loo_p()
        if not self.posterior_mode:
            doubted = self.doubted(set(answers))
            for lead, said in answers.items():
                if said[0] == 1 and lead in doubted:
                    result[lead] = ("held", doubted[lead])
                else:
                    result[lead] = ("qualified" if said[0] else "rejected", loo.get(lead))
            return result
        noise = self.noise_rate()
        noisy = self.noisy(noise if cfg.noisy_share == NOISE_SHARE else None)  # the same estimate: read once
        opinions = min(opinions, self.opinion_limit(noisy))
        for lead, said in answers.items():
            q = loo.get(lead)
            if q is None:  # not one of the model's labels (yet): the answer stands
                result[lead] = ("qualified" if said[0] else "rejected", None)
                continue
            post = float(self.fit_posterior(q, tuple(said), noise, cfg.prior_floor))
            low = cfg.second_opinion_p if said[0] == 1 else cfg.recheck_no_p  # the first answer's band
            if len(said) - 1 < opinions and low <= post < cfg.keep_posterior and lead not in unaskable:
                result[lead] = ("ask", post)
            elif post >= cfg.keep_posterior:
                result[lead] = ("qualified", post)
            else:  # below keep: a "fits" answer is held (for a person), a "does not fit" stays rejected
                result[lead] = ("held" if said[0] == 1 else "rejected", post)
        if noisy and cfg.recheck_budget > 0 and opinions:
            self._recheck_within_budget(answers, result, opinions, unaskable)
        return result

    @property
    def max_further_opinions(self) -> int:
        """The most further opinions the second look may ask about one lead (with a noisy LLM)."""
        cfg = self.config
        return cfg.further_opinions + cfg.noisy_extra_opinions if cfg.further_opinions else 0

    def noisy(self, noise: float | None = None) -> bool:
        """Whether the campaign's LLM errs often: its error rate, estimated on the lowest `noisy_share` of
        the labels (`noise_rate`: half by default; or `noise`, another estimate on as many labels), is above
        `noisy_llm` by two standard errors of the estimate (a young model's misranked fits inflate it).
        `noisy_llm` 0: always."""
        cfg = self.config
        if cfg.noisy_llm <= 0:
            return True
        if self.cold:
            return False
        if noise is None:
            noise = self.noise_rate(cfg.noisy_share)
        n = int(len(self.labels) * cfg.noisy_share) + cfg.noise_prior_weight
        return noise - 2.0 * math.sqrt(noise * (1.0 - noise) / n) > cfg.noisy_llm

    def opinion_limit(self, noisy: bool | None = None) -> int:
        """The further opinions allowed per lead now: one more (`noisy_extra_opinions`) with a noisy LLM
        (`noisy`, or what the caller already found it to be)."""
        noisy = self.noisy() if noisy is None else noisy
        return self.max_further_opinions if noisy else self.config.further_opinions

    def _recheck_within_budget(
        self,
        answers: Mapping[int, Sequence[int]],
        result: dict[int, tuple[Verdict, float | None]],
        opinions: int,
        unaskable: Collection[int] = (),
    ) -> None:
        """With a noisy LLM: the fits the rejected answers are expected to hold (their posteriors, summed)
        may be at most `recheck_budget` of the fits expected among all the answered leads. Above it, the
        rejected leads of highest posterior that may still be asked (a further opinion left, not `unaskable`)
        are asked again ("ask"), until what is left is within it. The more the LLM errs, or the worse the
        model tells fits apart, the more is rechecked."""
        expected = sum(post for _, post in result.values() if post is not None)
        rejected = [(post, lead) for lead, (verdict, post) in result.items()
                    if verdict == "rejected" and post is not None]  # fmt: skip
        lost = sum(post for post, _ in rejected)
        room = self.config.recheck_budget * expected
        for post, lead in sorted(rejected, reverse=True):
            if lost <= room:
                break
            if len(answers[lead]) - 1 < opinions and lead not in unaskable:
                result[lead] = ("ask", post)
                lost -= post

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
        # The estimate may tighten the limit, never loosen it past the prior's: a model wrong about a
        # group of fits inflates its own estimate (its missed fits count as the LLM's "mistakes"), and
        # measured, that once let the audits pass while 67 fits were rejected unseen.
        noise = min(self.noise_rate(), cfg.noise_prior)
        limit = noise + cfg.max_excess if self.posterior_gates else cfg.max_disagreement
        if rate > limit:
            return AuditStatus(len(window), disagreements, False,
                               f"LLM disagreed with {disagreements}/{len(window)} recent {kind} audits")  # fmt: skip
        return AuditStatus(
            len(window), disagreements, True, f"{disagreements}/{len(window)} audits disagreed"
        )

    def remember_decided(self, rejected: Sequence[np.ndarray], accepted: Sequence[np.ndarray]) -> None:
        """The vectors of every lead this campaign's model decided alone so far (the CRM keeps them): the
        mass gates re-score them at each decision, so a warm-started model knows the budget it spent."""
        self.rejected = [np.asarray(v, dtype=np.float64).ravel() for v in rejected]
        self.accepted = [np.asarray(v, dtype=np.float64).ravel() for v in accepted]

    def remember_answers(self, answers: Mapping[int, Sequence[int]]) -> None:
        """The LLM's answers per lead (the first, then the further opinions), as the CRM keeps them: the
        mass gates' calibration (`mass_scale`) and the recall target (`expected_lost`) weigh each labelled
        lead on all of them. The replay gives them after each second look, the qualify run before it
        decides."""
        self.answers = {lead: tuple(int(a) for a in said) for lead, said in answers.items()}

    def revisits(self) -> bool:
        """Whether the leads rejected alone so far are to be looked at again (`revisit_rejections`, under
        the mass gates, once there is a model): see `doubted_rejections`."""
        return self.config.revisit_rejections and self.mass_gates and not self.cold

    def doubted_rejections(self, vectors: np.ndarray) -> np.ndarray:
        """Which of these leads, rejected alone earlier, the current model would no longer reject alone:
        their de-noised fit probability t, read as the mass gates read it, is now above `reject_t`. They
        are taken back and asked like any other lead (nobody contacts a rejected lead, so nothing is
        lost); the others stay rejected and count against the budget (`remember_decided`). So a young
        model's burst of rejections is not final once it learns better."""
        x = np.atleast_2d(np.asarray(vectors, dtype=np.float64))
        if self.cold or not len(x):
            return np.zeros(len(x), dtype=bool)
        noise = min(self.noise_rate(), self.config.noise_prior)
        return self._fit_mass(x, noise)[0] > self.config.reject_t

    @property
    def mass_gates(self) -> bool:
        cfg = self.config
        return self.posterior_mode and (cfg.reject_mass > 0 or cfg.recall_target > 0 or cfg.accept_mass > 0)

    def _fit_mass(self, x: np.ndarray, *noises: float) -> list[np.ndarray]:
        """E[t] per row, for each error rate in `noises`: the de-noised fit probability averaged over the
        posterior draws (each draw clipped to [0, 1] before averaging, so a row the model is unsure of
        keeps some mass even where its mean probability is below the LLM's error rate). One prediction
        serves every error rate."""
        mean, std = self.gp.predict_latent(self.features.transform(x))
        samples = self.link(mean[:, None] + std[:, None] * self._draws[None, :])
        return [self._mass_of(samples, e) for e in noises]

    def _mass_of(self, samples: np.ndarray, noise: float) -> np.ndarray:
        """E[t] per row of link draws (rows x draws), as the mass gates read it (`mass_per_draw`)."""
        if not self.config.mass_per_draw:  # the mean probability, de-noised (see QualifierConfig)
            return self.denoise(samples.mean(axis=1), noise)
        return np.clip((samples - noise) / (1.0 - 2.0 * noise), 0.0, 1.0).mean(axis=1)

    def _mass_gates(self, x: np.ndarray, residual: np.ndarray) -> dict[int, AutoAction]:
        """Which candidate rows the model would decide alone under the mass gates (see QualifierConfig):
        the lowest de-noised t within the rejection mass left, the highest within the acceptance mass
        left. Rejections read t with the error rate capped at the prior (a low e raises t: more doubt),
        acceptances with it floored there."""
        cfg = self.config
        e = self.noise_rate()
        e_rej, e_acc = min(e, cfg.noise_prior), max(e, cfg.noise_prior)
        t_rej, t_acc = self._fit_mass(x, e_rej, e_acc)
        past_rej = float(self._fit_mass(np.vstack(self.rejected), e_rej)[0].sum()) if self.rejected else 0.0
        past_acc = 0.0
        if cfg.accept_mass > 0 and self.accepted:
            past_acc = float((1 - self._fit_mass(np.vstack(self.accepted), e_acc)[0]).sum())
        scale = self.mass_scale(e_rej) if cfg.calibrate_mass > 0 else 1.0
        past_rej *= scale
        labelled_fits = max((self.n_positive - e * len(self.labels)) / (1.0 - 2.0 * e), 1.0)
        fits = labelled_fits + scale * float(t_rej.sum()) + past_rej
        covered = residual <= self.residual_limit
        would: dict[int, AutoAction] = {}
        if cfg.recall_target > 0:
            room = (1.0 - cfg.recall_target) * fits - past_rej - self.expected_lost()
        else:
            room = cfg.reject_mass * fits - past_rej
        for i in np.argsort(t_rej, kind="stable"):
            if not covered[i]:
                continue
            if room < scale * t_rej[i] or t_rej[i] > cfg.reject_t:
                break
            room -= scale * t_rej[i]
            would[int(i)] = "auto_reject"
        room = cfg.accept_mass * fits - past_acc
        for i in np.argsort(-t_acc, kind="stable") if cfg.accept_mass > 0 else ():
            if not covered[i] or int(i) in would:
                continue
            if room < 1.0 - t_acc[i] or t_acc[i] < cfg.accept_t:
                break
            room -= 1.0 - t_acc[i]
            would[int(i)] = "auto_accept"
        return would

    def mass_scale(self, noise: float) -> float:
        """The campaign's own check of the mass gates (`calibrate_mass`): among the labelled leads whose
        leave-one-out t (read as the gates read it, with error rate `noise`) is at most `reject_t` (people
        the model, trained on the others, would reject alone), how many fits the answers show against how
        many their t expects. A lead counts as a fit when most of its answers say so, or half of them with
        the first (the first and the further opinions, `remember_answers`; its label alone when none are
        known), so one noisy "fits" that the further opinions overrule does not count, nor one noisy
        further "fits" on a recheck of a "does not fit". Returns (found + w) / (expected + w), w =
        `calibrate_mass`; 1 when the labels show nothing either way."""
        cfg = self.config
        mean, var = self.gp.loo()
        t = self._mass_of(self.link(mean[:, None] + np.sqrt(var)[:, None] * self._draws[None, :]), noise)
        low = t <= cfg.reject_t
        found = 0
        for label, is_low in zip(self.labels, low, strict=True):
            said = self.answers.get(label.lead_id, (label.label,))
            margin = 2 * sum(said) - len(said)  # "fits" answers minus "does not fit" answers
            found += bool(is_low) and (margin > 0 or (margin == 0 and said[0] == 1))
        expected = float(t[low].sum())
        self.calibration = (found, expected, int(low.sum()))
        return (cfg.calibrate_mass + found) / (cfg.calibrate_mass + expected)

    def expected_lost(self) -> float:
        """The fits the model expects among the labelled leads that will not be qualified: the summed
        posterior of each lead the second look does not qualify (rejected, or held for a person), on every
        answer about it (`remember_answers`; a lead whose answers are not known counts with its label as its
        one answer). 0 before the model has earned a say."""
        answers = {label.lead_id: self.answers.get(label.lead_id, (label.label,)) for label in self.labels}
        return sum(
            post
            for verdict, post in self.second_look(answers).values()
            if verdict != "qualified" and post is not None
        )

    def _protected(self, x: np.ndarray) -> np.ndarray:
        """Which candidate rows are among the `protect_k` nearest (cosine) of a lead whose rejection audit
        the LLM contradicted: those are not rejected automatically (see QualifierConfig.protect_k)."""
        k = self.config.protect_k
        found = [
            self._x[i]
            for i, label in enumerate(self.labels)
            if label.audit == "auto_reject" and label.label == 1
        ]
        protected = np.zeros(len(x), dtype=bool)
        if not k or not found:
            return protected
        unit_x = x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
        anchors = np.vstack(found)
        anchors /= np.maximum(np.linalg.norm(anchors, axis=1, keepdims=True), 1e-12)
        similarity = anchors @ unit_x.T  # (anchors, candidates)
        nearest = np.argsort(-similarity, axis=1)[:, :k]
        protected[nearest.ravel()] = True
        return protected

    def decide(self, candidates: Sequence[Candidate]) -> list[Decision]:
        """Automatic decisions first, then LLM questions in the order to ask them (best score first;
        input order, meant to be oldest-first, at cold start)."""
        if not candidates:
            return []
        x = np.vstack([np.asarray(c.vector, dtype=np.float64).ravel() for c in candidates])
        self.observe(x)
        preds = self.predict(x)
        if preds is None:
            return [
                Decision(c.lead_id, "ask_llm", reason="cold start: fewer than 2 labels or one class")
                for c in candidates
            ]
        cfg = self.config
        status = {kind: self.audit_status(kind) for kind in ("auto_accept", "auto_reject")}
        protected = self._protected(x) if status["auto_reject"].allowed else np.zeros(len(x), dtype=bool)
        earned = self.earned
        scores = preds.bald if self.mode == "explore" else preds.p
        if self.posterior_gates:  # the gates read the de-noised fit probability t (see QualifierConfig)
            noise = self.noise_rate()
            t = self.denoise(preds.p, noise)
            t_std = preds.std / (1.0 - 2.0 * noise)
        mass_would = self._mass_gates(x, preds.residual) if self.mass_gates and earned else {}
        auto: list[Decision] = []
        ask: list[Decision] = []
        for i, c in enumerate(candidates):
            p, std, entropy = float(preds.p[i]), float(preds.std[i]), float(preds.entropy[i])
            covered = float(preds.residual[i]) <= self.residual_limit
            would: AutoAction | None = None
            audit_p = cfg.audit_rate
            if self.mass_gates:
                would = mass_would.get(i)
            elif self.posterior_gates:
                confident = covered and float(t_std[i]) < cfg.std_max
                if confident and t[i] >= cfg.accept_t:
                    would = "auto_accept"
                    doubt = (1.0 - t[i]) / max(1.0 - cfg.accept_t, 1e-9)
                elif confident and t[i] <= cfg.reject_t:
                    would = "auto_reject"
                    doubt = t[i] / max(cfg.reject_t, 1e-9)
                if would is not None:  # audits stratified: the less sure, the likelier audited
                    audit_p = min(1.0, cfg.audit_rate * (0.5 + float(doubt)))
            else:
                confident = covered and entropy < cfg.entropy_max and std < cfg.std_max
                if confident and p >= cfg.accept_p:
                    would = "auto_accept"
                elif confident and p <= cfg.reject_p:
                    would = "auto_reject"
            values = dict(
                p=p,
                std=std,
                entropy=entropy,
                bald=float(preds.bald[i]),
                score=float(scores[i]),
                covered=covered,
                earned=earned,
            )
            if would is None:
                why = "unsure" if covered else "unlike the labelled leads"
                ask.append(Decision(c.lead_id, "ask_llm", **values, reason=f"{why} ({self.mode})"))
            elif not status[would].allowed:
                ask.append(Decision(c.lead_id, "ask_llm", **values, audit=would, reason=status[would].reason))
            elif would == "auto_reject" and protected[i]:
                ask.append(Decision(c.lead_id, "ask_llm", **values, audit=would,
                                    reason="near a rejection audit the LLM contradicted"))  # fmt: skip
            elif audit_draw(c.lead_id, cfg.seed) < audit_p:
                ask.append(Decision(c.lead_id, "ask_llm", **values, audit=would, reason="random audit"))
            else:
                auto.append(Decision(c.lead_id, would, **values, reason=status[would].reason))
                (self.rejected if would == "auto_reject" else self.accepted).append(x[i])
        unsure = sorted((d for d in ask if d.audit is None), key=lambda d: -d.score)
        audits = sorted(
            (d for d in ask if d.audit is not None), key=lambda d: audit_draw(d.lead_id, cfg.seed)
        )
        return auto + interleave(unsure, audits, cfg.audit_share)
