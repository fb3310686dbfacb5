"""Properties of the qualification policy on small synthetic pools (recall, precision and call counts are
bench figures, bench/ml_policy.py; these check the mechanisms): a rejection audit the LLM contradicts
opens its neighbourhood, so a cluster of fits the model puts low is not rejected unseen; a noisy "yes"
that contradicts many confident labels gets a second opinion instead of being qualified or held; and
automatic acceptance happens only once acceptance audits agree."""

from __future__ import annotations

import numpy as np
import pytest

from openoutreach.ml.qualifier import Candidate, Label, Qualifier, QualifierConfig
from openoutreach.ml.simulate import noisy_oracle, run_policy, synthetic_pool

LATE = 400  # leads from here on arrive after the model has earned its automatic rejections


@pytest.fixture(scope="module")
def pool():
    vectors, truth = synthetic_pool(n=700, fit_rate=0.15, clusters=12, seed=11)
    return vectors, truth


def late_cluster(vectors: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Indices of the fits most like one another among the late arrivals: a cluster of fits."""
    fits = np.flatnonzero(truth[LATE:] == 1) + LATE
    centre = vectors[fits[0]]
    return fits[vectors[fits] @ centre > 0.7]


def mislearnt_model(vectors, truth, cluster, protect_k: int) -> Qualifier:
    """A model that saw the cluster's early look-alikes labelled "no" (a wrong LLM), has earned its
    rejections through agreeing audits, and then one late rejection audit in the cluster said "fits"."""
    cfg = QualifierConfig(min_positives=5, min_negatives=20, min_audits=5, audit_window=40,
                          max_disagreement=0.3, audit_rate=0.0, protect_k=protect_k)  # fmt: skip
    centre = vectors[cluster[0]]
    labels = []
    for i in range(LATE):
        looks_alike = vectors[i] @ centre > 0.7
        label = 0 if looks_alike else int(truth[i])
        audit = "auto_reject" if label == 0 and i % 5 == 0 else None
        labels.append(Label(i, vectors[i], label, audit))
    labels.append(Label(int(cluster[0]), vectors[cluster[0]], 1, "auto_reject"))
    return Qualifier.from_labels(labels, cfg, reference=vectors)


def test_a_contradicted_rejection_audit_stops_rejections_of_its_cluster(pool):
    vectors, truth = pool
    cluster = late_cluster(vectors, truth)
    rest = [int(i) for i in cluster[1:]]
    assert len(rest) >= 5, "the pool should hold a late cluster of fits"

    unprotected = mislearnt_model(vectors, truth, cluster, protect_k=0)
    assert unprotected.audit_status("auto_reject").allowed
    rejected = [d.lead_id for d in unprotected.decide([Candidate(i, vectors[i]) for i in rest])
                if d.action == "auto_reject"]  # fmt: skip
    assert rejected, "the mislearnt model should reject the cluster unseen (else this test shows nothing)"

    protected = mislearnt_model(vectors, truth, cluster, protect_k=len(rest))
    decisions = protected.decide([Candidate(i, vectors[i]) for i in rest])
    assert {d.action for d in decisions if d.lead_id in rejected} == {"ask_llm"}
    assert all("contradicted" in d.reason for d in decisions if d.lead_id in rejected)


def test_a_noisy_yes_among_confident_noes_gets_a_second_opinion_that_decides(pool):
    vectors, truth = pool
    answers = noisy_oracle(truth, 0.1, seed=4)
    wrong_yes = np.flatnonzero((answers == 1) & (truth == 0))
    assert len(wrong_yes) >= 5
    second = truth.copy()  # a second opinion that is right about everyone, to see what it decides
    cfg = QualifierConfig(second_opinion_p=0.5)

    once = run_policy(vectors, truth, answers, QualifierConfig(), batch=20)
    twice = run_policy(vectors, truth, answers, cfg, batch=20, second=second)

    assert twice.llm_calls > once.llm_calls  # the second opinions were asked (and counted)
    assert twice.precision > once.precision, (once, twice)
    assert twice.disputed <= once.disputed  # nothing more is left to a person


def test_a_noisy_no_the_model_rates_a_likely_fit_is_asked_again(pool):
    vectors, truth = pool
    answers = noisy_oracle(truth, 0.1, seed=4)
    assert ((answers == 0) & (truth == 1)).sum() >= 5  # fits the LLM misses
    second = truth.copy()

    without = run_policy(vectors, truth, answers, QualifierConfig(second_opinion_p=0.3), 20, second)
    rechecked = run_policy(vectors, truth, answers, QualifierConfig(second_opinion_p=0.3, recheck_no_p=0.5),
                           20, second)  # fmt: skip

    assert rechecked.recall > without.recall, (without, rechecked)
    assert rechecked.llm_calls > without.llm_calls


def test_no_automatic_accept_before_acceptance_audits_agree(pool):
    vectors, truth = pool
    cfg = QualifierConfig(min_positives=5, min_negatives=20, min_audits=5, std_max=1.0, entropy_max=1.0,
                          accept_p=0.6)  # fmt: skip
    labels = [Label(i, vectors[i], int(truth[i])) for i in range(LATE)]
    model = Qualifier.from_labels(labels, cfg, reference=vectors)
    candidates = [Candidate(i, vectors[i]) for i in range(LATE, len(truth))]

    decisions = model.decide(candidates)
    would_accept = [d for d in decisions if d.audit == "auto_accept"]
    assert would_accept, "the model should be confident about some fits (else this test shows nothing)"
    assert not any(d.action == "auto_accept" for d in decisions)
    assert "0/5 audits" in would_accept[0].reason

    agreeing = [Label(d.lead_id, vectors[d.lead_id], 1, "auto_accept") for d in would_accept[:5]]
    earned = Qualifier.from_labels(labels + agreeing, cfg, reference=vectors)
    assert any(d.action == "auto_accept" for d in earned.decide(candidates[5:]))
