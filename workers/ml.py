"""Tasks of the single ML worker; consumed from `ml`. It alone writes the embeddings DuckDB file."""

from __future__ import annotations

from celery import shared_task

from workers.base import identity


@shared_task(bind=True, name="ml.identify")
def identify(self) -> dict:
    """Which worker process serves the ML queue."""
    return identity(self)
