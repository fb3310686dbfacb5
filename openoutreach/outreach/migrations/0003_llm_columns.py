"""Real columns for what used to travel as text: `Qualification.llm_label` and `Qualification.audit`
(until now a marker at the end of `reason`, "... [ml: llm=1 audit=auto_reject]"), and `ActionLog.tokens`
(until now JSON in `detail`, {"tokens": 1234, "purpose": "qualify"}).

Existing rows are carried over:
- a reason's trailing marker goes into llm_label and audit and is stripped from the reason; an LLM row
  without a marker (a plain verdict, never disputed, no audit) gets its label as llm_label, since that
  label was the LLM's answer. The reverse writes the marker back wherever 0002's code would have read
  something from it or an llm_label would otherwise be lost, so a rollback loses nothing.
- an llm row's token count is copied from its detail into `tokens`; detail keeps its JSON, so the reverse
  has nothing to undo (a noop).

The marker's format lives here, frozen: the runtime code no longer knows it.
"""

from __future__ import annotations

import json
import re

from django.db import migrations, models

MARKER = re.compile(r"\s*\[ml: llm=(?P<llm>[01-]) audit=(?P<audit>auto_accept|auto_reject|none)\]\s*$")
BATCH = 500


def parse_marker(reason: str) -> tuple[int | None, str, str] | None:
    """(llm label, audit, reason without the marker), or None when the reason carries no marker."""
    match = MARKER.search(reason or "")
    if match is None:
        return None
    llm = None if match["llm"] == "-" else int(match["llm"])
    audit = "" if match["audit"] == "none" else match["audit"]
    return llm, audit, reason[: match.start()]


def with_marker(reason: str, llm_label: int | None, audit: str) -> str:
    """The reason as 0002's `record_llm` wrote it: text, one space, the marker."""
    llm = "-" if llm_label is None else str(llm_label)
    return f"{reason} [ml: llm={llm} audit={audit or 'none'}]"


def marker_needed(label: int | None, llm_label: int | None, audit: str, source: str) -> bool:
    """Everything but a plain LLM verdict (the LLM's answer is the label, no audit) needs the marker to
    keep its llm_label and audit in 0002's schema."""
    if audit:
        return True
    return llm_label is not None and not (source == "llm" and label == llm_label)


def batches(queryset, fields: tuple[str, ...]):
    """The queryset's rows in lists of BATCH, ids read first: each list is updated before the next is
    read, and SQLite gives no isolation between a cursor and updates of the same table."""
    ids = list(queryset.order_by("id").values_list("id", flat=True))
    for start in range(0, len(ids), BATCH):
        yield list(queryset.model.objects.filter(id__in=ids[start : start + BATCH]).only("id", *fields))


def columns_from_markers(apps, schema_editor) -> None:
    Qualification = apps.get_model("outreach", "Qualification")
    for rows in batches(Qualification.objects.filter(reason__contains="[ml: "), ("reason",)):
        changed = []
        for row in rows:
            parsed = parse_marker(row.reason)
            if parsed is not None:  # else "[ml: " is in the text but is no trailing marker: left alone
                row.llm_label, row.audit, row.reason = parsed
                changed.append(row)
        Qualification.objects.bulk_update(changed, ["llm_label", "audit", "reason"])
    # A plain LLM verdict carried no marker: its label is the LLM's answer (only the LLM writes source
    # "llm"; an operator's edit turns the source into "operator").
    Qualification.objects.filter(source="llm", label__in=(0, 1), llm_label=None).update(
        llm_label=models.F("label")
    )


def markers_from_columns(apps, schema_editor) -> None:
    Qualification = apps.get_model("outreach", "Qualification")
    rows = Qualification.objects.filter(models.Q(llm_label__isnull=False) | ~models.Q(audit=""))
    for batch in batches(rows, ("label", "llm_label", "audit", "source", "reason")):
        changed = [row for row in batch if marker_needed(row.label, row.llm_label, row.audit, row.source)]
        for row in changed:
            row.reason = with_marker(row.reason, row.llm_label, row.audit)
        Qualification.objects.bulk_update(changed, ["reason"])


def tokens_of(detail: str) -> int:
    """The token count in an llm row's detail JSON; 0 when absent or not a number."""
    try:
        value = json.loads(detail or "{}").get("tokens", 0)
    except (ValueError, AttributeError):  # not JSON, or JSON but not an object (e.g. a pause message)
        return 0
    return max(int(value), 0) if isinstance(value, int | float) and not isinstance(value, bool) else 0


def tokens_from_detail(apps, schema_editor) -> None:
    ActionLog = apps.get_model("outreach", "ActionLog")
    for rows in batches(ActionLog.objects.filter(kind="llm", detail__contains="tokens"), ("detail",)):
        changed = []
        for row in rows:
            row.tokens = tokens_of(row.detail)
            if row.tokens:
                changed.append(row)
        ActionLog.objects.bulk_update(changed, ["tokens"])


class Migration(migrations.Migration):
    dependencies = [
        ("outreach", "0002_operator"),
    ]

    operations = [
        migrations.AddField(
            model_name="actionlog",
            name="tokens",
            field=models.PositiveIntegerField(
                default=0, help_text="LLM calls: the tokens the endpoint reported."
            ),
        ),
        migrations.AddField(
            model_name="qualification",
            name="audit",
            field=models.CharField(
                blank=True,
                choices=[("auto_accept", "would auto-accept"), ("auto_reject", "would auto-reject")],
                default="",
                help_text="When the LLM was asked: what the model would have decided alone (empty = no audit).",
                max_length=12,
            ),
        ),
        migrations.AddField(
            model_name="qualification",
            name="llm_label",
            field=models.PositiveSmallIntegerField(
                blank=True, help_text="The LLM's answer: 1 fits, 0 does not, empty = none.", null=True
            ),
        ),
        migrations.RunPython(columns_from_markers, markers_from_columns),
        # detail keeps its JSON (tokens included): nothing to undo on the way back
        migrations.RunPython(tokens_from_detail, migrations.RunPython.noop),
    ]
