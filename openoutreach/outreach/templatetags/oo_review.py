"""`{% review_waiting %}`: how many leads wait for a person, for the admin menu's Review link."""

from __future__ import annotations

from django import template

from openoutreach.operator.decisions import waiting

register = template.Library()


@register.simple_tag
def review_waiting() -> int:
    return waiting().count()
