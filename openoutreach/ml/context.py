"""What the ML service functions need, passed in as one value: paths, the embedder, LLM settings, models.

The worker builds it once per process from Django settings (`from_settings`); tests build it from their
own temp paths and the sandbox's LLM URL. Nothing in here reads settings by itself.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openoutreach.ml.acceptance import AcceptanceConfig
from openoutreach.ml.acceptance_cache import AcceptanceCache
from openoutreach.ml.budget_db import CampaignBudget
from openoutreach.ml.embeddings import Embedder
from openoutreach.ml.llm import BudgetExhausted, LLMClient, LLMSettings
from openoutreach.ml.qualifier import QualifierConfig
from openoutreach.ml.qualifier_cache import ModelCache
from openoutreach.ml.store import EmbeddingStore
from openoutreach.outreach.models import Campaign


class LLMNotConfigured(BudgetExhausted):
    """No LLM endpoint/key is configured: LLM use is paused the same way as with a spent budget."""


@dataclass
class MLContext:
    embeddings_db: Path
    models_dir: Path
    embedder: Embedder
    llm: LLMSettings | None  # None: no key configured, LLM use pauses with a clear message
    qualifier: QualifierConfig = field(default_factory=QualifierConfig)
    chat: Any = None  # an already built chat model (tests may inject one); else built from `llm`
    embed_limit: int = 500  # new vectors per qualify run at most (the rest are embedded on later runs)
    acceptance: AcceptanceConfig = field(default_factory=AcceptanceConfig)
    models: ModelCache = field(init=False)
    acceptance_models: AcceptanceCache = field(init=False)

    def __post_init__(self) -> None:
        self.models = ModelCache(Path(self.models_dir) / "qualifiers", self.qualifier)
        self.acceptance_models = AcceptanceCache(Path(self.models_dir) / "acceptance", self.acceptance)

    @contextmanager
    def store(self) -> Iterator[EmbeddingStore]:
        """The embeddings DuckDB, open for one task (this process is its only writer)."""
        store = EmbeddingStore(self.embeddings_db)
        try:
            yield store
        finally:
            store.close()

    def client(self, campaign: Campaign, purpose: str) -> tuple[LLMClient, CampaignBudget]:
        """A budgeted LLM client for one campaign; raises LLMNotConfigured without a key."""
        if self.llm is None:
            raise LLMNotConfigured(
                f"campaign {campaign.name!r}: no LLM is configured (set LLM_API_KEY, and LLM_API_BASE for a "
                "non-OpenAI endpoint); LLM use is paused"
            )
        budget = CampaignBudget(campaign, purpose)
        if self.chat is None:
            from openoutreach.ml.llm import make_chat

            self.chat = make_chat(self.llm)
        return LLMClient(self.llm, budget, campaign.pk, chat=self.chat), budget


def from_settings(settings: Any) -> MLContext:
    """The worker's context from Django settings (EMBEDDINGS_DB, MODELS_DIR, EMBEDDING_*, LLM_*, AI_MODEL)."""
    llm = None
    if settings.LLM_API_KEY:
        llm = LLMSettings(
            base_url=settings.LLM_API_BASE or "https://api.openai.com/v1",
            api_key=settings.LLM_API_KEY,
            model=settings.AI_MODEL,
            timeout=settings.LLM_TIMEOUT_SECONDS,
            max_retries=settings.LLM_MAX_RETRIES,
        )
    embedder = Embedder(
        model_id=settings.EMBEDDING_MODEL,
        cache_dir=settings.MODELS_DIR,
        batch_size=settings.EMBEDDING_BATCH_SIZE,
    )
    return MLContext(
        embeddings_db=Path(settings.EMBEDDINGS_DB),
        models_dir=Path(settings.MODELS_DIR),
        embedder=embedder,
        llm=llm,
        acceptance=AcceptanceConfig(
            window_days=settings.ACCEPT_WINDOW_DAYS,
            min_outcomes=settings.ACCEPT_MIN_OUTCOMES,
            explore=settings.ACCEPT_EXPLORE,
        ),
    )
