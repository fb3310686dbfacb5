"""The acceptance model on frozen outcomes: it learns a planted signal, explores while data is thin, and
open (censored) invitations never train it."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
import time_machine
from django.utils import timezone

from openoutreach.ml.acceptance import (
    FEATURE_NAMES,
    AcceptanceConfig,
    AcceptanceModel,
    Outcomes,
    profile_features,
    seniority,
)
from openoutreach.ml.acceptance_cache import AcceptanceCache

DIM = 32


def world(n: int, seed: int, signal: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, vectors, true P(accept)) of n people; acceptance depends on degree and seniority
    ("features") or on one direction of the embedding ("embedding")."""
    rng = np.random.default_rng(seed)
    degree = rng.choice([2.0, 3.0], n)
    level = rng.integers(0, 8, n).astype(float)
    features = np.column_stack(
        [degree, level, rng.integers(0, 2, n), rng.integers(0, 6, n), rng.integers(0, 3, n)]
    )
    vectors = rng.normal(0, 0.1, (n, DIM))
    vectors[:, 0] = rng.normal(0, 1.0, n)  # the direction with most variance: PCA keeps it
    if signal == "features":
        p = np.where(degree == 2.0, 0.6, 0.15) * np.where(level >= 5, 0.5, 1.0)
    else:
        p = np.where(vectors[:, 0] > 0, 0.6, 0.1)
    return features, vectors, p


def outcomes(features, vectors, p, seed) -> Outcomes:
    y = (np.random.default_rng(seed + 1).random(len(p)) < p).astype(int)
    return Outcomes(features, vectors, y)


@pytest.mark.parametrize("signal", ["features", "embedding"])
def test_it_learns_a_planted_signal(signal):
    train = world(600, 1, signal)
    model = AcceptanceModel().fit(outcomes(*train, seed=1))
    assert not model.thin and model.weight > 0.9
    features, vectors, truth = world(3000, 2, signal)
    predicted = model.predict(features, vectors)
    # the people it ranks in the top tenth accept far more often than those in the bottom tenth
    order = np.argsort(-predicted)
    top, bottom = truth[order[:300]].mean(), truth[order[-300:]].mean()
    assert top > 0.5 and bottom < 0.2, (top, bottom)
    assert abs(predicted.mean() - truth.mean()) < 0.08  # calibrated on average


def test_while_thin_everyone_gets_the_campaigns_rate_and_fit_alone_ranks():
    features, vectors, p = world(200, 3, "features")
    config = AcceptanceConfig(min_outcomes=30)
    thin = AcceptanceModel(config).fit(outcomes(features[:29], vectors[:29], p[:29], seed=3))
    assert thin.thin
    accepted = int(outcomes(features[:29], vectors[:29], p[:29], seed=3).accepted.sum())
    expected = (config.prior_a + accepted) / (config.prior_a + config.prior_b + 29)
    predicted = thin.predict(features, vectors)
    assert np.allclose(predicted, expected)
    rng = np.random.default_rng(0)
    assert np.array_equal(thin.ranking_values(predicted, rng), predicted)  # no draw: P(fit) decides
    # one class only is thin too, whatever the count
    y = np.zeros(100, dtype=int)
    assert AcceptanceModel(config).fit(Outcomes(features[:100], vectors[:100], y)).thin


def test_once_it_has_a_say_the_ranking_still_explores():
    features, vectors, p = world(400, 4, "features")
    model = AcceptanceModel(AcceptanceConfig(explore=0.2)).fit(outcomes(features, vectors, p, seed=4))
    predicted = model.predict(features, vectors)
    drawn = model.ranking_values(predicted, np.random.default_rng(5))
    on_the_mean = np.isclose(drawn, model.prior_mean)
    assert 0.12 < on_the_mean.mean() < 0.28  # the exploration share is ranked on the campaign's rate
    noisy = drawn[~on_the_mean] - predicted[~on_the_mean]
    assert 0 < np.abs(noisy).mean() < 0.15  # Thompson draws around the model's value, not far from it
    # more outcomes, narrower draws
    bigger = AcceptanceModel(AcceptanceConfig(explore=0.0)).fit(outcomes(*world(3000, 6, "features"), seed=6))
    wide = np.abs(model.ranking_values(predicted, np.random.default_rng(7)) - predicted)
    narrow = np.abs(bigger.ranking_values(predicted, np.random.default_rng(7)) - predicted)
    assert narrow.mean() < wide.mean()


def test_outcomes_must_be_decided_and_aligned():
    features, vectors, _p = world(10, 8, "features")
    with pytest.raises(ValueError, match="censored"):
        Outcomes(features, vectors, np.array([0, 1, 1, 0, -1, 0, 1, 0, 0, 1]))
    with pytest.raises(ValueError, match="misaligned"):
        Outcomes(features, vectors[:9], np.zeros(10, dtype=int))


def test_profile_features_read_degree_seniority_and_content():
    profile = {
        "headline": "Helping teams ship | Vice President, Platform",
        "summary": " ",
        "positions": [{"title": "VP Engineering"}, {"title": "Director"}],
        "educations": [{"school_name": "ETH"}],
        "connection_degree": 2,
    }
    assert profile_features(profile) == {
        "connection_degree": 2.0, "seniority": 6.0, "has_summary": 0.0, "position_count": 2.0,
        "education_count": 1.0,
    }  # fmt: skip
    unknown = profile_features({})
    assert np.isnan(unknown["connection_degree"]) and set(unknown) == set(FEATURE_NAMES)
    assert [seniority(t) for t in ("Founder & CEO", "Head of Data", "Product Manager", "Engineer")] == [
        7,
        5,
        4,
        0,
    ]


def test_the_cache_refits_only_when_enough_outcomes_are_new(tmp_path):
    features, vectors, p = world(300, 9, "features")
    data = outcomes(features, vectors, p, seed=9)
    now = [1000.0]
    config = AcceptanceConfig(refit_every=10, refit_hours=24)
    cache = AcceptanceCache(tmp_path, config, clock=lambda: now[0])
    calls = []

    def training(n):
        def build():
            calls.append(n)
            return Outcomes(data.features[:n], data.vectors[:n], data.accepted[:n])

        return build

    def decided(n):
        return [(i, int(data.accepted[i])) for i in range(n)]

    model, how = cache.get(1, decided(200), training(200))
    assert how == "fitted" and not model.thin and model.n == 200
    assert cache.get(1, decided(205), training(205))[1] == "memory"  # 5 new: not yet
    assert cache.get(1, decided(210), training(210))[1] == "fitted"  # 10 new: refit
    now[0] += 25 * 3600
    assert cache.get(1, decided(211), training(211))[1] == "fitted"  # a day old and something new
    restarted = AcceptanceCache(tmp_path, config, clock=lambda: now[0])
    again, how = restarted.get(1, decided(211), training(211))
    assert how == "reused" and again.n == 211
    np.testing.assert_allclose(
        again.predict(features, vectors),
        cache.get(1, decided(211), training(211))[0].predict(features, vectors),
    )
    assert calls == [200, 210, 211]


@pytest.mark.django_db
def test_open_invitations_are_left_out_of_training(tmp_path, campaign, alice):
    """Still pending inside the window: censored, neither accepted nor not; the model is fitted on the
    decided ones only."""
    from openoutreach.ml.acceptance_outcomes import invitations
    from openoutreach.ml.context import MLContext
    from openoutreach.ml.embeddings import Embedder
    from openoutreach.ml.service import acceptance_model
    from openoutreach.pipeline import transitions as t
    from openoutreach.pipeline.leads import discover

    deals = [
        t.promote(discover(f"https://www.linkedin.com/in/p-{i}/", f"p-{i}", alice).lead, campaign)
        for i in range(40)
    ]
    now = timezone.now()
    for i, ds in enumerate(deals):
        sent = now - timedelta(days=3 if i >= 34 else 30)  # the last 6 were sent 3 days ago
        with time_machine.travel(sent, tick=False):
            t.mark_pending(ds, alice, 24)
        if i < 34 and i % 2 == 0:
            with time_machine.travel(sent + timedelta(days=1), tick=False):
                t.mark_connected(ds, alice)
    rows = invitations(campaign.pk, now=now, window_days=14)
    assert [r.accepted for r in rows] == [1, 0] * 17 + [None] * 6

    ctx = MLContext(tmp_path / "e.duckdb", tmp_path / "models", Embedder(cache_dir=tmp_path), llm=None)
    with ctx.store() as store:
        ids = [ds.lead_id for ds in deals]
        vectors = np.random.default_rng(0).normal(size=(40, 384)).astype(np.float32)
        store.upsert(ids, vectors, ctx.embedder.model_id, [str(i) for i in ids])
        model = acceptance_model(campaign, store, ctx)
    assert model.n == 34 and model.accepted == 17 and not model.thin
