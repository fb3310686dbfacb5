"""OpenOutreach: self-hosted LinkedIn B2B outreach (Django CRM + Celery lanes + browser and ML workers)."""

from .celery import app as celery_app

__all__ = ("celery_app",)
