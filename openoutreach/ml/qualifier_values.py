"""The qualifier's value types, its knobs and the small pure helpers of its policy.

Split out of qualifier.py (which re-exports every name here) so that the model and its decision policy
read on their own.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Action = Literal["auto_accept", "auto_reject", "ask_llm"]
AutoAction = Literal["auto_accept", "auto_reject"]
Verdict = Literal["qualified", "held", "rejected", "ask"]  # Qualifier.second_look
LN2 = math.log(2.0)


@dataclass(frozen=True)
class QualifierConfig:
    """Every knob of the qualifier, with the defaults the benchmark was run with."""

    # Gates: all must hold for an automatic decision.
    entropy_max: float = 0.3  # binary entropy of p, nats
    std_max: float = 0.05  # posterior std of the fit probability p (Monte-Carlo, through the link)
    accept_p: float = 0.9  # auto-accept only at or above this probability
    reject_p: float = 0.1  # auto-reject only at or below this probability
    # Earning the right to decide alone.
    min_positives: int = 20
    min_negatives: int = 100
    audit_rate: float = 0.1  # share of allowed automatic decisions still sent to the LLM
    audit_share: float = 0.2  # at most this share of LLM questions goes to audits (interleaved)
    audit_window: int = 40
    min_audits: int = 10
    max_disagreement: float = 0.15
    # An LLM answer that contradicts an earned model this strongly goes to human review instead of
    # promoting/disqualifying the lead (the label still trains the model and counts as an audit).
    dispute_p: float = 0.25
    # Second look at the LLM's "fits" answers once more labels are in: a positive label whose leave-one-out
    # probability (the model trained on every other label) is at or below this is held for human review,
    # and released again if a later model thinks better of it (Qualifier.doubted; the service applies it to
    # leads not contacted yet). Measured on the 2,000-person sandbox pool, leave-one-out probabilities of
    # the LLM's wrong "fits" sit below 0.13 for three quarters of them, its right ones above 0.16 for 95%.
    review_p: float = 0.15
    # A doubted "fits" answer gets a second opinion (another prompt or a stronger model) instead of being
    # held for a person, and every LLM "fits" whose leave-one-out probability is at or below
    # `second_opinion_p` too (at 10% noise, the LLM's wrong "fits" the 0.15 threshold let through sit
    # there). 0 turns it off (doubted answers are held, as before). See simulate.run_policy (replay only
    # outside posterior mode). In posterior mode (`keep_posterior` > 0) it is the lower end of the
    # ambiguous band instead: a "fits" whose posterior is at or above it and below keep_posterior is asked
    # again (`further_opinions`).
    second_opinion_p: float = 0.0
    # And an LLM "does not fit" whose leave-one-out probability is at or above this gets one too: at 10%
    # noise the LLM misses a tenth of the fits, which nothing else recovers. 1.0 = off. In posterior mode:
    # a "does not fit" whose posterior is at or above it is asked again (`further_opinions`).
    recheck_no_p: float = 1.0
    # A would-be automatic rejection among the `protect_k` nearest candidates (cosine, raw embedding) of a
    # lead whose rejection audit the LLM contradicted goes to the LLM instead: one audit that finds a fit
    # opens its neighbourhood, so a cluster of fits the model puts low is not rejected unseen. 0 = off.
    protect_k: int = 0
    # The posterior (Qualifier.noise_rate / fit_posterior). The model's calibrated p is the probability
    # that the LLM says "fits", which an LLM wrong about a share e of people keeps within [e, 1 - e]; e is
    # estimated per campaign from its own labels (the LLM's "fits" among the labels the model, trained on
    # the others, ranks lowest) and the model's evidence is de-noised, t = (p - e) / (1 - 2e), then
    # combined with the LLM's answer by Bayes' rule. `keep_posterior` > 0 turns it on: the second look
    # holds an LLM "fits" whose posterior is below it (instead of the constant `review_p`), the gates of
    # automatic decisions read t (`accept_t` / `reject_t`), and an automatic decision kind is allowed while
    # its audits disagree no more than the estimated LLM error plus `max_excess`. 0 = off (the constants).
    keep_posterior: float = 0.0
    # Further opinions (a differently framed prompt each, see qualification.FURTHER_PROMPTS) the second
    # look may ask about one lead while its posterior is ambiguous (posterior mode only). 0 = none.
    further_opinions: int = 0
    # Whether, in posterior mode, the automatic decisions read t too (`accept_t`, `reject_t`, audits within
    # the estimated error rate + `max_excess`, stratified audits). Off: they keep the constant gates above.
    # Measured: on, with reject_t 0.05, a model that had not learnt a rare rule rejected every fit of the
    # pool on two runs (t of an unseen fit is about the base rate), so it stays off.
    posterior_gates: bool = False
    accept_t: float = 0.9  # auto-accept when the de-noised fit probability is at or above this
    reject_t: float = 0.02  # auto-reject when it is at or below this
    max_excess: float = 0.05  # audits' disagreement allowed beyond the estimated LLM error rate
    noise_prior: float = 0.05  # prior mean of the LLM's error rate (weight `noise_prior_weight` labels)
    noise_prior_weight: float = 20.0
    # Coverage: no automatic decision about a lead farther from the PCA subspace than this quantile of
    # the vectors it was fitted on (a kind of profile the model's features cannot see).
    coverage_quantile: float = 0.99
    reference_max: int = 2000  # unlabelled vectors the PCA is fitted on besides the labelled ones
    # Model.
    # PCA dimensions tried at each refit; the one whose calibrated model predicts held-out labels best
    # is kept. Below 16, MiniLM profiles lose the role/seniority/country distinctions that decide fit:
    # measured, 4-8 dimensions made the model confidently wrong about whole groups of fits.
    pca_dims: tuple[int, ...] = (16, 32)
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
    covered: bool = False  # the lead lies within what the labels showed the model (coverage gate)
    earned: bool = False  # the model had its minimum labels of both classes when it scored the lead
    reason: str = ""


@dataclass(frozen=True)
class Predictions:
    p: np.ndarray  # E[fit probability] under the posterior
    std: np.ndarray  # posterior std of the fit probability (what the std gate reads)
    entropy: np.ndarray  # binary entropy of p, nats
    bald: np.ndarray  # expected information gain of a label, in [0, ln 2]
    latent_std: np.ndarray  # posterior std of the latent GP function (before the link), diagnostics
    residual: np.ndarray  # distance from the vector to the PCA subspace (what the model cannot see)


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


def interleave(unsure: list[Decision], audits: list[Decision], share: float) -> list[Decision]:
    """Merge two question queues so audits get about `share` of the first slots of any batch.

    In exploit mode the would-be automatic rejections have the lowest scores: sorted with the rest they
    would never be asked, the model would never earn (or keep checking) its right to reject, and every
    LLM call would go to the top of the list. Slot i (0-based) is an audit slot when
    floor((i + 1) * share) > floor(i * share); a queue that runs dry leaves its slots to the other.
    """
    merged: list[Decision] = []
    u = a = 0
    while u < len(unsure) or a < len(audits):
        i = len(merged)
        audit_slot = math.floor((i + 1) * share) > math.floor(i * share)
        if a < len(audits) and (audit_slot or u >= len(unsure)):
            merged.append(audits[a])
            a += 1
        else:
            merged.append(unsure[u])
            u += 1
    return merged


def audit_draw(lead_id: int, seed: int) -> float:
    """Uniform [0, 1) from the lead id: whether a lead is audited is stable across calls and restarts."""
    digest = hashlib.blake2b(f"{seed}:{lead_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64
