"""Persist a campaign's fitted qualifier, keyed by what it was built from, and reuse it on restart.

The labels live in the CRM database; the model is derived from them. On worker start the ML worker asks
for the model of the current labels: if the file on disk was built from exactly those labels (same lead
ids, labels, audits, vectors and config) it is loaded; if it was built from a prefix of them (labels only
ever get appended) the missing ones are added incrementally; otherwise it is rebuilt with a warm start.
Writes are atomic (temp file in the same directory + os.replace), so a crash never leaves a torn file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from openoutreach.ml.qualifier import Label, Qualifier, QualifierConfig

log = logging.getLogger(__name__)
FORMAT = 1


def labels_key(labels: Sequence[Label], config: QualifierConfig) -> str:
    """A hash of everything the model depends on, in label order."""
    digest = hashlib.sha256(f"{FORMAT}|{config!r}".encode())
    for label in labels:
        digest.update(f"|{label.lead_id}:{label.label}:{label.audit}:".encode())
        digest.update(np.ascontiguousarray(label.vector, dtype=np.float32).tobytes())
    return digest.hexdigest()


def save(model: Qualifier, path: str | os.PathLike[str]) -> None:
    """Pickle the model with its key, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": FORMAT, "key": labels_key(model.labels, model.config), "model": model}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path) -> dict | None:
    try:
        with path.open("rb") as fh:
            payload = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # a file from another version or a damaged one: rebuild, never crash
        log.warning("ignoring unreadable qualifier cache %s: %s", path, exc)
        return None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return None
    return payload


def load_or_build(
    path: str | os.PathLike[str], labels: Sequence[Label], config: QualifierConfig | None = None
) -> tuple[Qualifier, str]:
    """The model of `labels` and how it was obtained: "reused", "extended" or "built" (then saved)."""
    config = config or QualifierConfig()
    path = Path(path)
    payload = _load(path)
    if payload is not None:
        model: Qualifier = payload["model"]
        if payload["key"] == labels_key(labels, config):
            return model, "reused"
        n = len(model.labels)
        if model.config == config and n < len(labels) and labels_key(labels[:n], config) == payload["key"]:
            for label in labels[n:]:
                model.add_label(label)
            save(model, path)
            return model, "extended"
    model = Qualifier.from_labels(labels, config)
    save(model, path)
    return model, "built"
