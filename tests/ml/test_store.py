"""The DuckDB embeddings store: upsert, read back in order, notice model and text changes."""

from __future__ import annotations

import numpy as np
import pytest

from openoutreach.ml.store import EmbeddingStore, text_hash


@pytest.fixture
def store(tmp_path):
    with EmbeddingStore(tmp_path / "ml" / "embeddings.duckdb") as s:
        yield s


def _vectors(n, seed=0):
    v = np.random.default_rng(seed).standard_normal((n, 384)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_upsert_and_read_back_in_the_order_asked(store):
    v = _vectors(5)
    assert store.upsert([10, 11, 12, 13, 14], v, "minilm", [text_hash(f"t{i}") for i in range(5)]) == 5
    ids, got = store.get_many([14, 99, 10], "minilm")
    assert ids == [14, 10]
    np.testing.assert_array_equal(got, v[[4, 0]])
    ids, got = store.get_many([10], "bge")
    assert ids == [] and got.shape == (0, 384)


def test_upsert_replaces_the_row_of_a_lead(store):
    store.upsert([1], _vectors(1, 1), "minilm", ["a"])
    new = _vectors(1, 2)
    store.upsert([1], new, "bge", ["b"])
    assert store.count() == 1 and store.count("minilm") == 0
    np.testing.assert_array_equal(store.get_many([1], "bge")[1], new)


def test_needing_embedding_sees_missing_other_model_and_changed_text(store):
    store.upsert([1, 2, 3], _vectors(3), "minilm", [text_hash("one"), text_hash("two"), text_hash("three")])
    store.upsert([4], _vectors(1, 4), "bge", [text_hash("four")])
    current = {
        1: text_hash("one"),
        2: text_hash("two, edited"),
        3: text_hash("three"),
        4: text_hash("four"),
        5: "x",
    }
    assert store.needing_embedding(current, "minilm") == [2, 4, 5]
    assert store.needing_embedding({}, "minilm") == []


def test_bad_input_is_refused_and_nothing_is_written(store):
    with pytest.raises(ValueError, match="shape"):
        store.upsert([1], np.zeros((1, 10), np.float32), "m", ["h"])
    with pytest.raises(ValueError, match="differ in length"):
        store.upsert([1, 2], _vectors(1), "m", ["h"])
    with pytest.raises(ValueError, match="NaN"):
        store.upsert([1], np.full((1, 384), np.nan, np.float32), "m", ["h"])
    with pytest.raises(ValueError, match="duplicates"):
        store.upsert([1, 1], _vectors(2), "m", ["h", "h"])
    assert store.count() == 0


def test_data_survives_reopening(tmp_path):
    path = tmp_path / "e.duckdb"
    v = _vectors(2)
    with EmbeddingStore(path) as s:
        s.upsert([7, 8], v, "minilm", ["a", "b"])
        assert s.delete([8, 9]) == 1
    with EmbeddingStore(path) as s:
        ids, got = s.get_many([7, 8], "minilm")
        assert ids == [7]
        np.testing.assert_array_equal(got[0], v[0])
