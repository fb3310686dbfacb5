"""Sentence embeddings (384-d, unit norm) through fastembed, with the model chosen by configuration.

Two models are supported, and which one is used is decided by the `model_id` the caller passes, never
by probing the network (fastembed's hub download retries for ~40 s when the hub is unreachable):

- `sentence-transformers/all-MiniLM-L6-v2` (default): fully offline, built once from the packaged
  safetensors into `cache_dir` (see onnx_minilm) and loaded with `specific_model_path`.
- `BAAI/bge-small-en-v1.5`: fastembed's normal download into `cache_dir`, for hosts that reach the hub.

The two live in different vector spaces: every stored vector carries its model id (see store.py).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from openoutreach.ml.onnx_minilm import ensure_minilm_model

MINILM = "sentence-transformers/all-MiniLM-L6-v2"
BGE_SMALL = "BAAI/bge-small-en-v1.5"
DEFAULT_MODEL = MINILM
MINILM_DIR = "all-MiniLM-L6-v2-onnx"  # the MiniLM ONNX build inside the cache dir
DIM = 384
SUPPORTED_MODELS = (MINILM, BGE_SMALL)
# 8-16 is faster here than fastembed's default 256, and far leaner (256 peaks near 2 GB).
DEFAULT_BATCH_SIZE = 16


class UnknownModel(ValueError):
    """The configured embedding model is not one this project knows how to load."""


class Embedder:
    """Embeds texts with one configured model; the ONNX session is loaded on first use."""

    def __init__(
        self,
        model_id: str = DEFAULT_MODEL,
        cache_dir: str | os.PathLike[str] = "data/models",
        batch_size: int = DEFAULT_BATCH_SIZE,
        threads: int | None = None,
    ) -> None:
        if model_id not in SUPPORTED_MODELS:
            raise UnknownModel(
                f"Embedding model {model_id!r} is not supported; choose one of {SUPPORTED_MODELS}"
            )
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.model_id = model_id
        self.cache_dir = Path(cache_dir)
        self.batch_size = batch_size
        self.threads = threads
        self._model = None

    @property
    def dim(self) -> int:
        return DIM

    @property
    def local_model_dir(self) -> Path:
        """Where the offline MiniLM build lives inside the cache dir."""
        return self.cache_dir / MINILM_DIR

    def _load(self):
        from fastembed import TextEmbedding

        if self.model_id == MINILM:
            model_dir = ensure_minilm_model(self.local_model_dir)
            # specific_model_path already skips the hub; HF_HUB_OFFLINE makes sure nothing in
            # huggingface_hub tries anyway. setdefault: an operator's explicit value wins.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            return TextEmbedding(self.model_id, specific_model_path=str(model_dir), threads=self.threads)
        return TextEmbedding(self.model_id, cache_dir=str(self.cache_dir), threads=self.threads)

    @property
    def model(self):
        if self._model is None:
            self._model = self._load()
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return a float32 array [len(texts), 384] of unit-norm vectors (empty input -> shape (0, 384))."""
        if isinstance(texts, str):
            raise TypeError("embed() takes a sequence of texts, not a single string")
        if len(texts) == 0:
            return np.zeros((0, DIM), dtype=np.float32)
        vectors = np.asarray(
            list(self.model.embed(list(texts), batch_size=self.batch_size)), dtype=np.float32
        )
        if vectors.shape != (len(texts), DIM):
            raise RuntimeError(
                f"{self.model_id} returned shape {vectors.shape}, expected ({len(texts)}, {DIM})"
            )
        # fastembed normalises already; normalising again costs nothing and guards a future model swap.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
