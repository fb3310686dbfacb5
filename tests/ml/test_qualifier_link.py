"""The probability side of the qualifier: leave-one-out maths, the probit link fitted on it, the std gate
read on the probability (reachable on real MiniLM embeddings, which it was not on the latent function),
and no automatic decision about a kind of profile the labels never showed the model."""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from openoutreach.ml.gp import IncrementalGP, KernelParams, rbf
from openoutreach.ml.link import fit_link
from openoutreach.ml.profile_text import profile_text
from openoutreach.ml.qualifier import Candidate, Label, Qualifier, QualifierConfig


def test_leave_one_out_equals_refitting_without_each_label():
    rng = np.random.default_rng(1)
    z, y = rng.normal(size=(30, 3)), (rng.random(30) < 0.3).astype(float)
    params = KernelParams(amplitude=0.7, length_scale=1.1, noise=0.3)
    gp = IncrementalGP(params, z, y)
    mean, var = gp.loo()
    y_norm = (y - gp.y_mean) / gp.y_std
    for i in range(30):
        rest = np.delete(np.arange(30), i)
        gram = rbf(z[rest], z[rest], params) + params.noise * np.eye(29)
        k = rbf(z[rest], z[i : i + 1], params)[:, 0]
        np.testing.assert_allclose(mean[i], k @ np.linalg.solve(gram, y_norm[rest]), atol=1e-9)
        np.testing.assert_allclose(var[i], params.amplitude - k @ np.linalg.solve(gram, k), atol=1e-9)


def test_the_link_recovers_a_known_probit():
    rng = np.random.default_rng(2)
    latent = rng.normal(size=20_000)
    labels = (rng.random(latent.size) < ndtr(2.0 * latent - 1.0)).astype(float)
    link = fit_link(latent, np.zeros_like(latent), labels)
    assert abs(link.alpha - 2.0) < 0.1 and abs(link.beta + 1.0) < 0.05
    assert link(np.array([-3.0]))[0] < 0.01 < 0.99 < link(np.array([3.0]))[0]


def test_std_is_the_posterior_std_of_the_fit_probability():
    vectors = np.random.default_rng(3).normal(size=(80, 20))
    labels = [Label(i, vectors[i], int(vectors[i, 0] > 0.8)) for i in range(60)]
    model = Qualifier.from_labels(labels, QualifierConfig(pca_dims=(5,)))
    preds = model.predict(vectors[60:])
    mean, std = model.gp.predict_latent(model.features.transform(vectors[60:]))
    samples = model.link(mean[:, None] + std[:, None] * model._draws[None, :])
    np.testing.assert_allclose(preds.p, samples.mean(axis=1))
    np.testing.assert_allclose(preds.std, samples.std(axis=1))
    np.testing.assert_allclose(preds.latent_std, std)
    assert np.all(preds.std <= 0.5)


def test_the_std_gate_is_reachable_on_real_profile_embeddings(pool, embedder):
    """The regression: on MiniLM vectors the latent std never fell below ~0.1, so nothing was ever decided
    automatically. On the probability, the clear non-fits of a sandbox pool pass the gate, and none of
    those that pass is a fit."""
    people = pool.people[:400]
    vectors = embedder.embed([profile_text(pool.profile(p)) for p in people])
    truth = np.array([int(pool.fits(p)) for p in people])
    model = Qualifier.from_labels([Label(i, vectors[i], int(truth[i])) for i in range(300)])
    preds = model.predict(vectors[300:])
    assert preds.latent_std.min() > 0.05  # the old gate could not pass
    gated = (preds.std < 0.05) & (preds.entropy < 0.3) & (preds.p <= 0.1)
    assert gated.sum() >= 20, np.sort(preds.std)[:10]
    assert truth[300:][gated].sum() == 0


def test_a_kind_of_profile_the_labels_never_showed_is_not_decided_automatically():
    rng = np.random.default_rng(4)
    # Labelled leads vary in the first 40 directions only; a new kind of lead points along direction 60.
    known = np.zeros((300, 64))
    known[:, :40] = rng.normal(size=(300, 40))
    truth = (known[:, 0] > 1.2).astype(int)
    labels = [Label(i, known[i], int(truth[i]), "auto_reject" if not truth[i] else None) for i in range(300)]
    config = QualifierConfig(min_positives=5, min_negatives=5, min_audits=0, audit_rate=0.0, pca_dims=(16,))
    model = Qualifier.from_labels(labels, config)
    familiar = known[truth == 0][:50]
    novel = np.zeros((5, 64))
    novel[:, 60] = 6.0
    decisions = {
        d.lead_id: d for d in model.decide([Candidate(i, v) for i, v in enumerate([*familiar, *novel])])
    }
    assert sum(decisions[i].action == "auto_reject" for i in range(50)) > 0
    for i in range(50, 55):
        assert decisions[i].action == "ask_llm" and decisions[i].reason.startswith(
            "unlike the labelled leads"
        )
