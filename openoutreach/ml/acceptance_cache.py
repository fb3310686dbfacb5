"""A campaign's fitted acceptance model, in memory and on disk (atomic), refitted only when it is due.

Outcomes arrive a few a day; refitting the booster on every rescore would change rankings for nothing.
A model is refitted when there is none (or of another configuration), while it is still thin (cheap:
counts only), when `refit_every` outcomes arrived since its fit, or when it is older than
`refit_hours` and any outcome changed. The file is written atomically (temp file + os.replace).
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from openoutreach.ml.acceptance import AcceptanceConfig, AcceptanceModel, Outcomes

log = logging.getLogger(__name__)
FORMAT = 1


def outcomes_key(decided: Sequence[tuple[int, int]]) -> str:
    """A hash of the decided invitations (invitation id, 0/1) the model would be fitted on."""
    digest = hashlib.sha256(str(FORMAT).encode())
    for invitation_id, accepted in decided:
        digest.update(f"|{invitation_id}:{accepted}".encode())
    return digest.hexdigest()


@dataclass
class Fitted:
    model: AcceptanceModel
    key: str
    outcomes: int  # decided invitations it was fitted on
    fitted_at: float  # time.time() of the fit
    config: AcceptanceConfig


def _save(fitted: Fitted, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump({"format": FORMAT, "fitted": fitted}, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _load(path: Path) -> Fitted | None:
    try:
        with path.open("rb") as fh:
            payload = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # another version's file or a damaged one: refit, never crash
        log.warning("ignoring unreadable acceptance model %s: %s", path, exc)
        return None
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return None
    return payload.get("fitted")


class AcceptanceCache:
    """The ML worker's acceptance models, one per campaign (files under `directory`)."""

    def __init__(
        self, directory: str | os.PathLike[str], config: AcceptanceConfig | None = None, clock=time.time
    ) -> None:
        self.directory = Path(directory)
        self.config = config or AcceptanceConfig()
        self.clock = clock
        self._fitted: dict[int, Fitted] = {}

    def path(self, campaign_id: int) -> Path:
        return self.directory / f"campaign-{int(campaign_id)}.pkl"

    def due(self, fitted: Fitted | None, decided: Sequence[tuple[int, int]]) -> bool:
        if fitted is None or fitted.config != self.config or fitted.model.thin:
            return True
        if fitted.key == outcomes_key(decided):
            return False
        if abs(len(decided) - fitted.outcomes) >= self.config.refit_every:
            return True
        return self.clock() - fitted.fitted_at >= self.config.refit_hours * 3600

    def get(
        self,
        campaign_id: int,
        decided: Sequence[tuple[int, int]],
        outcomes: Callable[[], Outcomes],
    ) -> tuple[AcceptanceModel, str]:
        """The campaign's model and how it was obtained ("memory", "reused" or "fitted").
        `decided`: (invitation id, 0/1) of every decided invitation; `outcomes` builds the training data
        (vectors included), called only when a refit is due."""
        fitted = self._fitted.get(campaign_id)
        how = "memory"
        if fitted is None:
            fitted, how = _load(self.path(campaign_id)), "reused"
        if self.due(fitted, decided):
            model = AcceptanceModel(self.config).fit(outcomes())
            fitted = Fitted(model, outcomes_key(decided), len(decided), self.clock(), self.config)
            _save(fitted, self.path(campaign_id))
            how = "fitted"
        self._fitted[campaign_id] = fitted
        return fitted.model, how

    def forget(self, campaign_id: int) -> None:
        self._fitted.pop(campaign_id, None)
