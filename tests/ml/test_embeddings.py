"""The offline MiniLM model: built from the packaged weights without torch, loaded by fastembed, and
numerically the same as an independent numpy implementation of the encoder."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from safetensors.numpy import load_file
from scipy.special import erf
from tokenizers import Tokenizer

from openoutreach.ml import onnx_minilm
from openoutreach.ml.embeddings import Embedder, UnknownModel


@pytest.fixture
def embedder(model_embedder) -> Embedder:
    """Here the model itself, not the session's remembering one (conftest.SessionEmbedder)."""
    return model_embedder


def test_vectors_are_384_d_unit_norm_and_related_texts_are_closer(embedder):
    texts = ["Head of DevOps at a SaaS company", "Site reliability engineering manager, cloud platform",
             "Pastry chef in a family bakery in Lyon"]  # fmt: skip
    vectors = embedder.embed(texts)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2


def test_empty_input_and_a_bare_string(embedder):
    assert embedder.embed([]).shape == (0, 384)
    with pytest.raises(TypeError):
        embedder.embed("one text")


def _numpy_minilm(text: str) -> np.ndarray:
    """all-MiniLM-L6-v2 written directly in numpy from the safetensors (no ONNX, no fastembed)."""
    source = onnx_minilm.weights_dir()
    w = load_file(str(source / "model.safetensors"))
    tok = Tokenizer.from_file(str(source / "tokenizer.json"))
    tok.no_padding()
    tok.enable_truncation(256)
    ids = np.array(tok.encode(text).ids)

    def ln(x, p):
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * w[f"{p}.weight"] + w[f"{p}.bias"]

    def dense(x, p):
        return x @ w[f"{p}.weight"].T + w[f"{p}.bias"]

    h = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)]
    h = ln(h + w["embeddings.token_type_embeddings.weight"][0], "embeddings.LayerNorm").astype(np.float64)
    for i in range(6):
        p = f"encoder.layer.{i}"
        q, k, v = (
            dense(h, f"{p}.attention.self.{n}").reshape(len(ids), 12, 32).transpose(1, 0, 2)
            for n in ("query", "key", "value")
        )
        s = q @ k.transpose(0, 2, 1) / np.sqrt(32)
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        ctx = (a @ v).transpose(1, 0, 2).reshape(len(ids), 384)
        h = ln(dense(ctx, f"{p}.attention.output.dense") + h, f"{p}.attention.output.LayerNorm")
        inner = dense(h, f"{p}.intermediate.dense")
        h = ln(
            dense(0.5 * inner * (1 + erf(inner / np.sqrt(2))), f"{p}.output.dense") + h,
            f"{p}.output.LayerNorm",
        )
    pooled = h.mean(0)
    return pooled / np.linalg.norm(pooled)


def test_onnx_model_matches_an_independent_numpy_encoder(embedder):
    text = "VP Engineering at Acme Cloud. Kubernetes, Terraform and on-call for 40 engineers."
    reference = _numpy_minilm(text)
    ours = embedder.embed([text, "a second, shorter text to force padding"])[0]
    assert float(ours @ reference) > 0.99999
    np.testing.assert_allclose(ours, reference, atol=2e-5)


def test_build_is_idempotent_and_writes_what_fastembed_needs(embedder):
    embedder.embed(["warm up"])  # the session model is built by now
    target = embedder.local_model_dir
    config = json.loads((target / "tokenizer_config.json").read_text())
    assert config["model_max_length"] == 256 and config["pad_token"] == "[PAD]"
    for name in onnx_minilm.MODEL_FILES:
        assert (target / name).is_file(), name
    before = os.stat(target / "model.onnx").st_mtime_ns
    assert onnx_minilm.ensure_minilm_model(target) == target
    assert os.stat(target / "model.onnx").st_mtime_ns == before  # reused, not rebuilt
    assert not [p for p in target.parent.iterdir() if ".building-" in p.name]  # no staging left behind


def test_a_half_written_model_dir_is_rebuilt(tmp_path, embedder):
    target = tmp_path / "minilm"
    target.mkdir()
    (target / "model.onnx").write_bytes(b"truncated")
    onnx_minilm.ensure_minilm_model(target)
    assert onnx_minilm.is_built(target)
    assert (target / "model.onnx").stat().st_size > 80_000_000


def test_weights_that_are_not_the_pinned_release_are_refused(tmp_path):
    fake = tmp_path / "weights"
    fake.mkdir()
    (fake / "model.safetensors").write_bytes(b"not the weights")
    with pytest.raises(onnx_minilm.WeightsError, match="sha256"):
        onnx_minilm.ensure_minilm_model(tmp_path / "out", source=fake)
    assert not (tmp_path / "out").exists()


def test_unknown_model_is_a_clear_error(tmp_path):
    with pytest.raises(UnknownModel, match="not supported"):
        Embedder("openai/text-embedding-3-large", cache_dir=tmp_path)
