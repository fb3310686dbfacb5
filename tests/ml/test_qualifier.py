"""The GP qualifier: maths (BALD bounds, gates, incremental = refit), cold start, warm start, persistence,
and the earned-auto-decision trap on a pool where fits are rare and the LLM is sometimes wrong."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel

from openoutreach.ml import qualifier_cache
from openoutreach.ml.gp import IncrementalGP, KernelParams, rbf
from openoutreach.ml.qualifier import (
    CONSTANT_POLICY,
    Candidate,
    Decision,
    Label,
    Qualifier,
    QualifierConfig,
    interleave,
    refit_points,
)
from openoutreach.ml.simulate import ask_everyone, noisy_oracle, run_policy, synthetic_pool


@pytest.fixture(scope="module")
def data():
    vectors, truth = synthetic_pool(n=600, fit_rate=0.1, seed=3)
    answers = noisy_oracle(truth, 0.05, seed=4)
    return vectors, truth, answers


def labels_of(vectors, answers, n):
    return [Label(i, vectors[i], int(answers[i])) for i in range(n)]


def test_incremental_posterior_equals_sklearn_refit_with_the_same_kernel():
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(50, 4)), (rng.random(50) < 0.3).astype(float)
    params = KernelParams(amplitude=0.8, length_scale=1.3, noise=0.2)
    gp = IncrementalGP(params, z[:5], y[:5])
    for i in range(5, 50):
        gp.add(z[i], y[i])
    reference = GaussianProcessRegressor(
        ConstantKernel(0.8, "fixed") * RBF(1.3, "fixed"), alpha=0.2, normalize_y=True, optimizer=None
    ).fit(z, y)
    test = rng.normal(size=(20, 4))
    mean, std = gp.predict(test)
    ref_mean, ref_std = reference.predict(test, return_std=True)
    np.testing.assert_allclose(mean, ref_mean, atol=1e-9)
    np.testing.assert_allclose(std, ref_std, atol=1e-9)


def test_cold_start_defers_to_the_llm_and_ranks_oldest_first(data):
    vectors, _, _ = data
    model = Qualifier()
    candidates = [Candidate(i, vectors[i]) for i in (5, 3, 9)]
    assert model.cold and model.rank(vectors[:3]) is None
    assert [(d.lead_id, d.action, d.score) for d in model.decide(candidates)] == [(5, "ask_llm", None), (3, "ask_llm", None), (9, "ask_llm", None)]  # fmt: skip
    for i in range(4):  # one class only is still a cold start
        model.add_label(Label(i, vectors[i], 0))
    assert model.cold and model.predict(vectors[:2]) is None
    model.add_label(Label(10, vectors[10], 1))
    assert not model.cold and model.rank(vectors[:3]) is not None


def test_bald_lies_in_0_ln2_and_probabilities_in_0_1(data):
    vectors, _, answers = data
    model = Qualifier.from_labels(labels_of(vectors, answers, 120))
    preds = model.predict(vectors[120:])
    assert np.all((preds.bald >= 0) & (preds.bald <= math.log(2) + 1e-12))
    assert np.all((preds.p >= 0) & (preds.p <= 1)) and np.all(preds.std >= 0)
    assert preds.bald.max() > 0.01  # not trivially zero


def test_gates_need_entropy_std_and_probability(data):
    vectors, _, answers = data
    labels = labels_of(vectors, answers, 300)
    loose = QualifierConfig(**CONSTANT_POLICY, std_max=1.0, entropy_max=1.0, min_audits=0, audit_rate=0.0)
    decisions = Qualifier.from_labels(labels, loose).decide(
        [Candidate(i, vectors[i]) for i in range(300, 600)]
    )
    for d in decisions:
        if d.action == "auto_accept":
            assert d.p >= 0.9
        elif d.action == "auto_reject":
            assert d.p <= 0.1
        else:  # unsure of p, or the lead is unlike anything labelled (the coverage gate)
            assert 0.1 < d.p < 0.9 or d.reason.startswith("unlike the labelled leads")
    strict = QualifierConfig(**CONSTANT_POLICY, std_max=1e-6, min_audits=0, audit_rate=0.0)
    assert {d.action for d in Qualifier.from_labels(labels, strict).decide([Candidate(i, vectors[i]) for i in range(300, 600)])} == {"ask_llm"}  # fmt: skip


def test_warm_start_equals_sequential_updates(data):
    vectors, _, answers = data
    labels = labels_of(vectors, answers, 150)
    sequential = Qualifier()
    for label in labels:
        sequential.add_label(label)
    warm = Qualifier.from_labels(labels)
    assert (
        sequential.last_refit
        == warm.last_refit
        == refit_points(warm._first_refit_point(labels), 150, 1.5)[-1]
    )
    assert sequential.refits > warm.refits == 1  # the warm start skipped the intermediate refits
    a, b = sequential.predict(vectors[150:]), warm.predict(vectors[150:])
    np.testing.assert_allclose(a.p, b.p, atol=1e-9)
    np.testing.assert_allclose(a.std, b.std, atol=1e-9)


def test_refits_happen_on_a_geometric_schedule(data):
    vectors, _, answers = data
    model = Qualifier()
    for label in labels_of(vectors, answers, 400):
        model.add_label(label)
    assert model.refits <= 16  # not one per label
    assert refit_points(2, 100, 1.5) == [2, 3, 5, 8, 12, 18, 27, 41, 62, 93]


def test_persistence_reuses_extends_and_rebuilds(tmp_path, data):
    vectors, _, answers = data
    path = tmp_path / "campaign-1.pkl"
    labels = labels_of(vectors, answers, 80)
    first, how = qualifier_cache.load_or_build(path, labels)
    assert how == "built" and path.exists()
    again, how = qualifier_cache.load_or_build(path, labels)
    assert how == "reused"
    np.testing.assert_array_equal(again.predict(vectors[100:120]).p, first.predict(vectors[100:120]).p)
    more = labels_of(vectors, answers, 95)
    extended, how = qualifier_cache.load_or_build(path, more)
    assert how == "extended"
    np.testing.assert_allclose(extended.predict(vectors[100:120]).p, Qualifier.from_labels(more).predict(vectors[100:120]).p, atol=1e-9)  # fmt: skip
    changed = [*more[:10], Label(more[10].lead_id, more[10].vector, 1 - more[10].label), *more[11:]]
    assert qualifier_cache.load_or_build(path, changed)[1] == "built"
    path.write_bytes(b"garbage")  # a damaged file is rebuilt, not a crash
    assert qualifier_cache.load_or_build(path, changed)[1] == "built"
    assert not list(tmp_path.glob(".*.tmp"))


def test_no_auto_decision_before_both_classes_are_earned(data):
    vectors, _, _ = data
    model = Qualifier(QualifierConfig(std_max=1.0, entropy_max=1.0))
    # The trap's start: one (wrong) positive among negatives.
    model.add_label(Label(0, vectors[0], 1))
    for i in range(1, 40):
        model.add_label(Label(i, vectors[i], 0))
    decisions = model.decide([Candidate(i, vectors[i]) for i in range(40, 600)])
    assert {d.action for d in decisions} == {"ask_llm"}
    assert model.audit_status("auto_reject").reason.startswith("needs 20 positive")
    assert model.mode == "exploit"  # positives are rare: ask about the likeliest fits first
    unsure = [d.p for d in decisions if d.audit is None]
    assert unsure == sorted(unsure, reverse=True)


def test_audits_are_interleaved_so_they_are_asked_in_exploit_mode_too():
    unsure = [Decision(i, "ask_llm", score=1.0 - i / 100) for i in range(12)]
    audits = [Decision(100 + i, "ask_llm", score=0.0, audit="auto_reject") for i in range(5)]
    merged = [d.lead_id for d in interleave(unsure, audits, share=0.2)]
    assert merged[:10] == [0, 1, 2, 3, 100, 4, 5, 6, 7, 101]  # a fifth of any batch's slots
    assert merged[10:] == [8, 9, 10, 11, 102, 103, 104]  # what is left once the other queue runs dry
    assert [d.lead_id for d in interleave(unsure, audits, share=0.0)] == [*range(12), *range(100, 105)]


def test_auto_rejects_stop_when_audits_disagree(data):
    vectors, _, _ = data
    cfg = QualifierConfig(
        min_positives=1, min_negatives=1, min_audits=5, audit_window=10, max_disagreement=0.2
    )
    labels = [Label(0, vectors[0], 1), Label(1, vectors[1], 0)]
    labels += [Label(i, vectors[i], 0, audit="auto_reject") for i in range(2, 8)]
    assert Qualifier.from_labels(labels, cfg).audit_status("auto_reject").allowed
    labels += [Label(i, vectors[i], 1, audit="auto_reject") for i in range(8, 11)]  # the LLM says: fits
    status = Qualifier.from_labels(labels, cfg).audit_status("auto_reject")
    assert not status.allowed and "disagreed with 3/9" in status.reason


def test_the_trap_rare_fits_and_a_wrong_llm_still_finds_the_fits(data):
    """~10% fits, LLM wrong 5% of the time: the naive loop auto-rejected everyone. Ours must find them."""
    vectors, truth, answers = data
    outcome = run_policy(vectors, truth, answers, QualifierConfig(), batch=10)
    baseline = ask_everyone(truth, answers)
    assert outcome.recall >= 0.8, outcome  # the trap's loop found 0%; the LLM alone finds ~95%
    assert outcome.precision >= baseline.precision, (outcome, baseline)
    assert outcome.auto_rejected > 0 and outcome.llm_calls < len(truth), outcome


def test_leave_one_out_equals_the_posterior_without_that_label():
    """What the second look reads: for each label, the posterior of the GP given all the OTHER labels."""
    rng = np.random.default_rng(5)
    z, y = rng.standard_normal((40, 3)), (rng.random(40) < 0.3).astype(float)
    params = KernelParams(amplitude=1.3, length_scale=1.7, noise=0.2)
    full = IncrementalGP(params, z, y)
    mean, var = full.loo()
    y_norm = (y - full.y_mean) / full.y_std
    for i in (0, 17, 39):
        rest = np.delete(np.arange(40), i)
        gram = rbf(z[rest], z[rest], params) + params.noise * np.eye(39)
        k = rbf(z[rest], z[i : i + 1], params)[:, 0]
        solved = np.linalg.solve(gram, np.column_stack([y_norm[rest], k]))
        assert math.isclose(k @ solved[:, 0], mean[i], abs_tol=1e-8)
        assert math.isclose(params.amplitude - k @ solved[:, 1], var[i], abs_tol=1e-8)


def test_the_second_look_doubts_an_llm_fit_among_non_fits_but_never_a_humans(data):
    vectors, truth, _ = data
    labels = [Label(i, vectors[i], int(truth[i])) for i in range(400)]
    wrong = next(i for i in range(400, len(truth)) if truth[i] == 0)  # a non-fit the LLM calls a fit
    constant = QualifierConfig(**CONSTANT_POLICY)  # Qualifier.doubted: the constant-threshold second look
    model = Qualifier.from_labels([*labels, Label(wrong, vectors[wrong], 1)], constant)
    assert model.earned

    doubted = model.doubted()
    assert wrong in doubted and doubted[wrong] <= model.config.review_p
    real_fits = [i for i in range(400) if truth[i] == 1]
    assert len(set(doubted) & set(real_fits)) <= 0.1 * len(real_fits)  # real fits are rarely doubted
    assert wrong not in model.doubted(llm_positives=set(real_fits))  # a human's label is never doubted

    few = Qualifier.from_labels([*labels[:60], Label(wrong, vectors[wrong], 1)], constant)
    assert not few.earned and few.doubted() == {}  # nothing is doubted before the model earned it
