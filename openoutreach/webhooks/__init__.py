"""Webhooks: signed HTTP notifications of what happened to people and accounts (docs/webhooks.md)."""
