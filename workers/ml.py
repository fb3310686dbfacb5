"""Tasks of the single ML worker; consumed from `ml` (see workers/queues.py and shared docs, "ML worker").

It alone writes the embeddings DuckDB file (settings.EMBEDDINGS_DB) and the fitted qualifiers under
settings.MODELS_DIR. Each task is thin: it loads the worker's MLContext (built once per process from
settings), calls a plain function in openoutreach.ml, and returns its report as a dict.
"""

from __future__ import annotations

import logging
import os

import redis
from celery import shared_task
from celery.signals import worker_init, worker_process_init, worker_ready
from django.conf import settings

from openoutreach.ml import drafting, service
from openoutreach.ml.campaign_lock import CampaignBusy, campaign_lock
from openoutreach.ml.context import MLContext, from_settings
from openoutreach.ml.threads import limit_math_threads, threadpool_threads
from workers.base import identity

log = logging.getLogger(__name__)

DEFAULT_QUALIFY_BATCH = 10  # LLM questions per qualify run
QUALIFY_LOCK_SECONDS = 600  # extended before each LLM question; frees the campaign if the worker dies

_context: MLContext | None = None


@worker_init.connect
@worker_process_init.connect
def _limit_math_threads(**kwargs) -> None:
    """At worker start (and in each pool child), cap the math libraries' threads to settings.ML_THREADS.
    Every worker imports this module; only the ML worker does math, the others are unaffected."""
    log.info("math libraries limited to %s", limit_math_threads(settings.ML_THREADS))


@worker_ready.connect
def _warm_start(**kwargs) -> None:
    """ML_WARM_START=1 in the ML worker's environment (`make demo` sets it for that process only): load
    the embedding model (building its ONNX files if needed) while the worker waits for its first task,
    not inside the first qualification."""
    if os.environ.get("ML_WARM_START") == "1":
        context().embedder.model  # noqa: B018 (the property loads it)
        log.info("embedding model loaded at start (ML_WARM_START)")


def context() -> MLContext:
    """This process's ML context (the embedding model is loaded on first use, then kept)."""
    global _context
    if _context is None:
        _context = from_settings(settings)
    return _context


@shared_task(bind=True, name="ml.identify")
def identify(self) -> dict:
    """Which worker process serves the ML queue, and its math libraries' thread counts."""
    return {**identity(self), "math_threads": threadpool_threads()}


@shared_task(name="ml.embed")
def embed(lead_ids: list[int]) -> dict:
    """Vectors for these leads (enriched ones; others are listed as not enriched)."""
    report = service.embed_leads(lead_ids, context())
    return {"embedded": report.embedded, "up_to_date": report.up_to_date, "not_enriched": report.not_enriched}


@shared_task(bind=True, name="ml.qualify")
def qualify(self, campaign_id: int, batch: int = DEFAULT_QUALIFY_BATCH) -> dict:
    """Label a campaign's pending leads: the model's earned decisions, then up to `batch` LLM questions.
    A second run for the same campaign while one is going returns {"busy": ...} at once."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with campaign_lock(client, campaign_id, QUALIFY_LOCK_SECONDS) as keep_alive:
            return service.qualify_campaign(
                campaign_id, batch, context(), keep_alive=keep_alive, task_id=self.request.id or ""
            ).as_dict()
    except CampaignBusy as exc:
        return {"campaign_id": campaign_id, "busy": str(exc)}
    finally:
        client.close()


@shared_task(name="ml.rescore")
def rescore(campaign_id: int) -> dict:
    """Rewrite the ranking scores of the campaign's New deals from its current model."""
    return {"campaign_id": campaign_id, "rescored": service.rescore_campaign(campaign_id, context())}


@shared_task(name="ml.rescore_campaigns")
def rescore_campaigns() -> dict:
    """Rescore every active campaign's New deals (beat, each ACCEPT_RESCORE_SECONDS): P(fit) x P(accept)."""
    return {"rescored": service.rescore_active(context())}


@shared_task(bind=True, name="ml.generate_keywords")
def generate_keywords(self, campaign_id: int, count: int = 10) -> dict:
    """New LinkedIn search keywords for the campaign, saved unused (never one it already has)."""
    return drafting.generate_campaign_keywords(campaign_id, context(), count, self.request.id or "").as_dict()


@shared_task(bind=True, name="ml.draft_followup")
def draft_followup(self, deal_state_id: int, step: int | None = None) -> dict:
    """Sequence step `step` for a Connected deal: {"text": ...}, or why there is none (review/paused)."""
    return drafting.draft_for_deal(deal_state_id, context(), self.request.id or "", step=step).as_dict()


@shared_task(bind=True, name="ml.classify_reply")
def classify_reply(self, message_id: int) -> dict:
    """The intent of a person's reply (within the campaign's LLM budget), and its consequences."""
    from openoutreach.conversations.classify import classify_message

    return classify_message(message_id, context(), self.request.id or "").as_dict()
