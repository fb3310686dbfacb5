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
FORMAT = 2  # bumped when the pickled model changes shape (2: probit link, pool PCA, coverage)


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
    path: str | os.PathLike[str],
    labels: Sequence[Label],
    config: QualifierConfig | None = None,
    reference: np.ndarray | None = None,
) -> tuple[Qualifier, str]:
    """The model of `labels` and how it was obtained: "reused", "extended" or "built" (then saved).
    `reference`: the campaign's unlabelled pool, for the PCA of any refit this causes (Qualifier.observe).
    It is not part of the key: the pool changes all the time, the labels are what the model is of."""
    config = config or QualifierConfig()
    path = Path(path)
    payload = _load(path)
    if payload is not None:
        model: Qualifier = payload["model"]
        if payload["key"] == labels_key(labels, config):
            return model, "reused"
        n = len(model.labels)
        if model.config == config and n < len(labels) and labels_key(labels[:n], config) == payload["key"]:
            if reference is not None:
                model.observe(reference)
            for label in labels[n:]:
                model.add_label(label)
            save(model, path)
            return model, "extended"
    model = Qualifier.from_labels(labels, config, reference)
    save(model, path)
    return model, "built"


class ModelCache:
    """The ML worker's qualifiers, one per campaign, in memory and in files under `directory`.

    Between refits the in-memory model is extended label by label (O(n^2) each) and nothing is written;
    the file is rewritten only when the model was rebuilt or re-optimised (a refit), so a busy campaign
    does not pickle an n x n matrix on every qualify batch. A restarted worker loads the last file, which
    was built from a prefix of today's labels (labels are only ever appended), and extends it the same way.
    """

    def __init__(self, directory: str | os.PathLike[str], config: QualifierConfig | None = None) -> None:
        self.directory = Path(directory)
        self.config = config or QualifierConfig()
        self._models: dict[int, tuple[Qualifier, int]] = {}  # campaign -> (model, refits when saved)

    def path(self, campaign_id: int) -> Path:
        return self.directory / f"campaign-{int(campaign_id)}.pkl"

    def get(
        self, campaign_id: int, labels: Sequence[Label], reference: np.ndarray | None = None
    ) -> tuple[Qualifier, str]:
        """The campaign's model of exactly `labels`, and how it was obtained ("memory", "extended in
        memory", or load_or_build's "reused" / "extended" / "built"). `reference`: see load_or_build."""
        held = self._models.get(campaign_id)
        if held is not None:
            model, _saved = held
            n = len(model.labels)
            if n <= len(labels) and labels_key(labels[:n], self.config) == labels_key(
                model.labels, self.config
            ):
                if n == len(labels):
                    return model, "memory"
                if reference is not None:
                    model.observe(reference)
                for label in labels[n:]:
                    model.add_label(label)
                self.persist(campaign_id, model)
                return model, "extended in memory"
        model, how = load_or_build(self.path(campaign_id), labels, self.config, reference)
        self._models[campaign_id] = (model, model.refits)
        return model, how

    def persist(self, campaign_id: int, model: Qualifier) -> bool:
        """Write the model's file if it was refitted since the last write; True if written."""
        held = self._models.get(campaign_id)
        if held is not None and held[0] is model and held[1] == model.refits:
            return False
        save(model, self.path(campaign_id))
        self._models[campaign_id] = (model, model.refits)
        return True

    def forget(self, campaign_id: int) -> None:
        self._models.pop(campaign_id, None)
