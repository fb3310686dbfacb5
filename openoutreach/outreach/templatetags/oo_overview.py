"""`{% product_overview as o %}`: the campaigns, accounts, review queue and failures for the admin's index."""

from __future__ import annotations

from django import template

from openoutreach.operator.overview import Overview, overview

register = template.Library()


@register.simple_tag
def product_overview() -> Overview:
    return overview()
