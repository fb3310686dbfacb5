"""A campaign's sequence: the ordered messages sent after an invitation is accepted (imported from models).

Step 1 goes at acceptance (its delay counts from then, usually 0); each later step goes its delay after
the previous one, unless the person replied (anywhere: `pipeline/stop_rules.py`). A step is a Jinja2
template (sandboxed, StrictUndefined: `pipeline/sequences.py`) or an LLM prompt: the ML worker drafts it
from the person's details with the step's instruction, and appends the booking link; without an LLM
(or with its daily budget spent) the step's template is sent instead.
"""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models

DEFAULT_FOLLOWUP_TEMPLATE = (
    "Hi {{ first_name }}, thanks for connecting! {{ product_pitch }}"
    "{% if booking_link %} If it's useful, you can pick a time here: {{ booking_link }}{% endif %}"
)


class SequenceStep(models.Model):
    class Kind(models.TextChoices):
        TEMPLATE = "template", "Template"
        LLM = "llm", "LLM draft (template when no LLM is available)"

    campaign = models.ForeignKey("outreach.Campaign", on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    delay_days = models.FloatField(
        default=0.0,
        validators=[MinValueValidator(0.0)],
        help_text="Days after the previous step (step 1: after the acceptance) before this one may go.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEMPLATE)
    template = models.TextField(
        default=DEFAULT_FOLLOWUP_TEMPLATE,
        help_text="Jinja2: {{ first_name }}, {{ last_name }}, {{ full_name }}, {{ headline }}, {{ company }}, "
        "{{ location }}, {{ booking_link }}, {{ product_pitch }}, {{ campaign }}. LLM steps fall back to it.",
    )
    prompt = models.TextField(
        blank=True,
        default="",
        help_text="LLM steps: what this message should do (e.g. 'a short reminder with one new angle').",
    )

    class Meta:
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="uniq_sequence_step_position")
        ]
        verbose_name = "sequence step"

    def __str__(self) -> str:
        return f"step {self.position} (+{self.delay_days:g} d, {self.get_kind_display()})"
