"""`make demo` keeps the ML worker's MiniLM build beside its data dir and links it into the next demo's,
only when it is a complete, current build (the builder's own check decides)."""

from __future__ import annotations

import json

from openoutreach.demo_template import keep_model, restore_model
from openoutreach.ml.embeddings import MINILM_DIR
from openoutreach.ml.onnx_minilm import BUILD_INFO, BUILD_VERSION, MODEL_FILES, WEIGHTS_SHA256


def built(models_dir):
    model = models_dir / MINILM_DIR
    model.mkdir(parents=True)
    for name in MODEL_FILES:
        (model / name).write_text(f"{name} of this build")
    (model / BUILD_INFO).write_text(
        json.dumps({"weights_sha256": WEIGHTS_SHA256, "build_version": BUILD_VERSION})
    )
    return model


def test_the_first_demo_keeps_its_build_and_the_next_one_starts_from_it(tmp_path):
    kept, first, second = (
        tmp_path / "demo-models",
        tmp_path / "first" / "models",
        tmp_path / "second" / "models",
    )
    assert not restore_model(kept, second)  # nothing kept yet: the ML worker builds it
    built(first)

    assert keep_model(first, kept)
    assert not keep_model(first, kept)  # kept once
    assert restore_model(kept, second)

    for name in MODEL_FILES:
        assert (second / MINILM_DIR / name).read_text() == f"{name} of this build"
    assert not list(tmp_path.rglob("*.partial"))


def test_an_incomplete_or_outdated_build_is_neither_kept_nor_used(tmp_path):
    incomplete = built(tmp_path / "a" / "models")
    (incomplete / MODEL_FILES[0]).unlink()
    assert not keep_model(tmp_path / "a" / "models", tmp_path / "kept")

    outdated = built(tmp_path / "kept")  # a build from an older builder version kept earlier
    (outdated / BUILD_INFO).write_text(json.dumps({"weights_sha256": WEIGHTS_SHA256, "build_version": -1}))
    assert not restore_model(tmp_path / "kept", tmp_path / "b" / "models")
    assert not (tmp_path / "b" / "models" / MINILM_DIR).exists()
