"""OpenOutreach's own tables beside DjangoCRM's (Lead, Contact, Company, Deal, Stage, ...).

Campaign and LinkedInAccount hang off DjangoCRM's Department (an auth Group) and auth User; an account
works for the campaigns whose department groups its user belongs to. ActionLog is the audit trail that
caps are counted from; Qualification holds per-campaign labels; LinkedInProfile pins one Lead to one
canonical profile URL forever; DealState carries what the lanes need on a Deal (score, claim, next check).
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from . import crypto
from .account_health import AccountHealth


# New accounts take the workspace defaults from settings (CONNECT_DAILY_LIMIT, ...), read at creation.
def default_connect_daily_limit() -> int:
    return settings.CONNECT_DAILY_LIMIT


def default_connect_weekly_limit() -> int:
    return settings.CONNECT_WEEKLY_LIMIT


def default_followup_daily_limit() -> int:
    return settings.FOLLOWUP_DAILY_LIMIT


def default_enrich_daily_limit() -> int:
    return settings.ENRICH_DAILY_LIMIT


def default_withdraw_daily_limit() -> int:
    return settings.WITHDRAW_DAILY_LIMIT


def warmup_starts_today():
    """A new account warms up from the day it is added (its riskiest moment); clearing the date marks
    an account the operator knows is already warm."""
    return timezone.localdate()


def validate_timezone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)") from exc


class Campaign(models.Model):
    """A product pitched to a target market; its team is a DjangoCRM Department."""

    department = models.OneToOneField("common.Department", on_delete=models.CASCADE, related_name="campaign")
    product_docs = models.TextField(help_text="What the product does and for whom.")
    campaign_objective = models.TextField(help_text="Who the ideal customer is and what we want from them.")
    # The messages after acceptance are the campaign's sequence (`SequenceStep`, `steps`); the single
    # follow-up template of earlier versions became its step 1 (migration 0008).
    booking_link = models.URLField(blank=True, default="")
    active = models.BooleanField(default=True)
    is_partner = models.BooleanField(default=False)
    action_fraction = models.FloatField(
        default=1.0,
        validators=[MinValueValidator(0.0), MaxValueValidator(1.0)],
        help_text="Partner campaigns: the probability that a lane tick acts for this campaign.",
    )
    min_qualifiable_leads = models.PositiveIntegerField(
        default=20, help_text="Search for more people when fewer leads than this await qualification."
    )
    llm_daily_calls = models.PositiveIntegerField(default=500, help_text="LLM calls per day (0 = no LLM).")
    llm_daily_tokens = models.PositiveIntegerField(default=500_000)
    exclude_opt_in_jurisdictions = models.BooleanField(
        default=False, help_text="Never contact people located in opt-in jurisdictions (EU/EEA, UK, CA, ...)."
    )
    withdraw_after_days = models.PositiveSmallIntegerField(
        default=21,
        help_text="Withdraw an invitation still pending after this many days (0 = never withdraw).",
    )
    reinvite_after_withdrawal = models.BooleanField(
        default=False,
        help_text="Invite a person again once LinkedIn's three-week block after a withdrawal is over.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.department.name


class LinkedInAccount(AccountHealth, models.Model):
    """One LinkedIn login, worked by exactly one browser worker on queue `browser.<handle>`."""

    class Status(models.TextChoices):
        OK = "ok", "OK"
        PAUSED = "paused", "Paused"

    class VoyagerPath(models.TextChoices):
        REST = "rest", "REST (identity/dash/profiles)"
        GRAPHQL = "graphql", "GraphQL (voyagerIdentityDashProfiles)"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="linkedin_account"
    )
    handle = models.SlugField(
        max_length=40, unique=True, help_text="Short name; the worker queue is browser.<handle>."
    )
    username = models.CharField(max_length=254, help_text="LinkedIn login e-mail.")
    password_encrypted = models.TextField(blank=True, default="", editable=False)
    proxy_encrypted = models.TextField(blank=True, default="", editable=False)
    active = models.BooleanField(default=True)

    connect_daily_limit = models.PositiveIntegerField(default=default_connect_daily_limit)
    connect_weekly_limit = models.PositiveIntegerField(default=default_connect_weekly_limit)
    followup_daily_limit = models.PositiveIntegerField(default=default_followup_daily_limit)
    enrich_daily_limit = models.PositiveIntegerField(default=default_enrich_daily_limit)
    withdraw_daily_limit = models.PositiveIntegerField(
        default=default_withdraw_daily_limit, help_text="Stale invitations withdrawn per day at most."
    )
    working_hours_start = models.TimeField(default=time(9, 0))
    working_hours_end = models.TimeField(default=time(17, 0))
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    warmup_started_on = models.DateField(
        null=True,
        blank=True,
        default=warmup_starts_today,
        help_text="The warm-up ramp starts this day (new accounts: the day they are added). "
        "Empty = the account is already warm: full caps at once.",
    )
    warmup_days = models.PositiveIntegerField(default=14)
    warmup_start_fraction = models.FloatField(
        default=0.2, validators=[MinValueValidator(0.0), MaxValueValidator(1.0)]
    )

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OK)
    paused_reason = models.TextField(blank=True, default="")
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_until = models.DateTimeField(
        null=True, blank=True, help_text="Empty while paused = until resumed."
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    voyager_path = models.CharField(
        max_length=8,
        choices=VoyagerPath.choices,
        default=VoyagerPath.REST,
        help_text="Where this account reads Voyager profiles; moves to GraphQL by itself when REST is retired.",
    )
    voyager_switched_at = models.DateTimeField(
        null=True, blank=True, help_text="When the browser worker moved this account to the GraphQL path."
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["handle"]
        verbose_name = "LinkedIn account"

    def __str__(self) -> str:
        return self.handle

    @property
    def queue(self) -> str:
        from workers.queues import browser_queue

        return browser_queue(self.handle)

    def set_password(self, raw: str) -> None:
        self.password_encrypted = crypto.encrypt(raw) if raw else ""

    def get_password(self) -> str:
        return crypto.decrypt(self.password_encrypted) if self.password_encrypted else ""

    def set_proxy(self, raw: str) -> None:
        self.proxy_encrypted = crypto.encrypt(raw) if raw else ""

    def get_proxy(self) -> str:
        return crypto.decrypt(self.proxy_encrypted) if self.proxy_encrypted else ""

    def record_voyager_path(self, path: str, at: datetime) -> bool:
        """Persist a Voyager path the account's client moved to, so a restarted worker starts there.
        Conditional: only a real change is written (and stamped); returns whether it was one."""
        changed = (
            LinkedInAccount.objects.filter(pk=self.pk)
            .exclude(voyager_path=path)
            .update(voyager_path=path, voyager_switched_at=at)
        )
        if changed:
            self.voyager_path, self.voyager_switched_at = path, at
        return bool(changed)

    def clean(self) -> None:
        if self.working_hours_start == self.working_hours_end:
            raise ValidationError("Working hours must not start and end at the same time.")


class SearchKeyword(models.Model):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="keywords")
    keyword = models.CharField(max_length=200)
    used = models.BooleanField(default=False)
    used_at = models.DateTimeField(null=True, blank=True)
    pages_searched = models.PositiveIntegerField(default=0)
    profiles_found = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    # A search page of this keyword is in flight (pipeline.claims): its campaign gets no other search
    # until the task ends, so the same page is never fetched twice.
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_task_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "keyword"], name="uniq_keyword_per_campaign")
        ]
        indexes = [models.Index(fields=["campaign", "used"])]

    def __str__(self) -> str:
        return self.keyword


class ActionLog(models.Model):
    """Every outward action and its outcome: the audit trail, and what caps are counted from."""

    class Kind(models.TextChoices):
        LOGIN = "login"
        ENRICH = "enrich"
        SEARCH = "search"
        CONNECT = "connect"
        CHECK_PENDING = "check_pending"
        FOLLOW_UP = "follow_up"
        WITHDRAW = "withdraw"
        QUALIFY = "qualify"
        LLM = "llm"
        INBOX = "inbox"  # the inbox lane read conversations (also: a reply moved a deal)

    class Outcome(models.TextChoices):
        OK = "ok"
        SKIPPED = "skipped"
        FAILED = "failed"
        LIMIT = "limit"
        CHECKPOINT = "checkpoint"
        NOT_FOUND = "not_found", "control not found"  # the page lacked the control: counts for the breaker
        BREAKER = "breaker", "breaker tripped"  # the action paused itself after repeated NOT_FOUND

    account = models.ForeignKey(
        LinkedInAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    campaign = models.ForeignKey(
        Campaign, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    lead = models.ForeignKey("crm.Lead", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    deal = models.ForeignKey("crm.Deal", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detail = models.TextField(blank=True, default="")
    tokens = models.PositiveIntegerField(default=0, help_text="LLM calls: the tokens the endpoint reported.")
    task_id = models.CharField(max_length=64, blank=True, default="")
    capture = models.CharField(
        max_length=500, blank=True, default="", help_text="A saved copy of the page (failure capture)."
    )
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [
            models.Index(fields=["account", "kind", "at"]),
            models.Index(fields=["campaign", "kind", "at"]),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.outcome}"


class Qualification(models.Model):
    """A lead's label for one campaign (a person can fit one product and not another)."""

    class Source(models.TextChoices):
        LLM = "llm"
        MODEL = "model"
        RULE = "rule"
        OPERATOR = "operator"

    class Audit(models.TextChoices):
        AUTO_ACCEPT = "auto_accept", "would auto-accept"
        AUTO_REJECT = "auto_reject", "would auto-reject"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="qualifications")
    lead = models.ForeignKey("crm.Lead", on_delete=models.CASCADE, related_name="qualifications")
    label = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="1 fits, 0 does not, empty = needs review."
    )
    source = models.CharField(max_length=10, choices=Source.choices)
    # The LLM's own answer, kept apart from `label`: a lead held for review after the model disputed the
    # answer has no label, yet the answer still trains the model. Empty when no LLM answered (an
    # automatic decision, a label the operator gave first, output that did not parse); an operator's
    # later edit of the label keeps it.
    llm_label = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The LLM's answer: 1 fits, 0 does not, empty = none."
    )
    # What the model would have decided on its own when the LLM was asked: the qualifier's audit record
    # (hence its right to decide alone) is derived from these rows.
    audit = models.CharField(
        max_length=12,
        choices=Audit.choices,
        blank=True,
        default="",
        help_text="When the LLM was asked: what the model would have decided alone (empty = no audit).",
    )
    # The further opinions the second look asked (posterior mode, ml/second_look.py), in order: each
    # {"prompt": the template's name, "answer": 1 fits / 0 does not, "reason": the LLM's}. They weigh in
    # the second look's verdict; only `llm_label`, the first answer, trains the model.
    further = models.JSONField(
        default=list, blank=True, help_text="Further opinions asked by the second look, in order."
    )
    reason = models.TextField(blank=True, default="")
    prob = models.FloatField(null=True, blank=True)
    std = models.FloatField(null=True, blank=True)
    entropy = models.FloatField(null=True, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["campaign", "lead"], name="uniq_qualification")]
        indexes = [models.Index(fields=["campaign", "label"])]

    def __str__(self) -> str:
        return f"{self.lead_id} in {self.campaign_id}: {self.label} ({self.source})"

    def further_said(self) -> str:
        """The further opinions in words, in the order asked: 'does not fit (criteria), fits (buyer)'."""
        words = {1: "fits", 0: "does not fit"}
        return ", ".join(
            f"{words.get(o.get('answer'), '?')} ({str(o.get('prompt', '')).removeprefix('qualify_')})"
            for o in self.further
        )


class LinkedInProfile(models.Model):
    """Pins one DjangoCRM Lead to one canonical profile URL, ever (the unique index enforces it)."""

    lead = models.OneToOneField("crm.Lead", on_delete=models.CASCADE, related_name="linkedin")
    url = models.CharField(max_length=300, unique=True)
    public_identifier = models.CharField(max_length=200, db_index=True)
    urn = models.CharField(max_length=200, blank=True, default="")
    discovered_by = models.ForeignKey(
        LinkedInAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    discovered_at = models.DateTimeField(default=timezone.now)
    enriched_at = models.DateTimeField(null=True, blank=True, db_index=True)
    unavailable_reason = models.CharField(max_length=200, blank=True, default="")
    # An enrichment task holds this profile (pipeline.claims): only that task may fetch it.
    enrich_claimed_until = models.DateTimeField(null=True, blank=True)
    enrich_claim_task_id = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        indexes = [
            # the enrich lane's two bounded walks: anyone's discoveries, then the account's own
            models.Index(fields=["enriched_at", "unavailable_reason", "discovered_at"]),
            models.Index(fields=["discovered_by", "enriched_at", "unavailable_reason", "discovered_at"]),
        ]

    def __str__(self) -> str:
        return self.url


class OutwardPhase(models.TextChoices):
    IDLE = "", "idle"
    SENDING = "sending", "sending (delivery not yet known)"


class DealState(models.Model):
    """What the lanes need on a Deal that DjangoCRM's table has no column for."""

    deal = models.OneToOneField("crm.Deal", on_delete=models.CASCADE, related_name="outreach")
    # A copy of the deal's stage name, written by the same function that moves the CRM stage
    # (openoutreach.pipeline.transitions): the lanes' claims filter and sort on it with an index.
    state = models.CharField(max_length=20, default="New", db_index=True)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deal_states")
    lead = models.ForeignKey("crm.Lead", on_delete=models.CASCADE, related_name="deal_states")
    account = models.ForeignKey(
        LinkedInAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="deal_states"
    )
    score = models.FloatField(
        null=True,
        blank=True,
        help_text="Ranking: P(fit) x P(accept) (with exploration); higher is contacted first.",
    )
    # The two factors of the last ranking (ml/service.py write_scores), kept to be shown and checked.
    p_fit = models.FloatField(null=True, blank=True, help_text="The qualifier's fit probability.")
    p_accept = models.FloatField(
        null=True, blank=True, help_text="Probability the invitation is accepted within the window."
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim_task_id = models.CharField(max_length=64, blank=True, default="")
    # Two-phase outward actions: SENDING is written before the click and cleared only by a transition
    # that knows the outcome; a task that finds it reads the live state before anything else.
    outward = models.CharField(max_length=10, choices=OutwardPhase.choices, blank=True, default="")
    next_check_at = models.DateTimeField(null=True, blank=True)
    check_interval_hours = models.FloatField(default=24.0)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    contacted_at = models.DateTimeField(null=True, blank=True, help_text="When the invitation was sent.")
    # Conversations (issue 13): the person's first reply (set with the move to Replied; any deal of the
    # person with it set stops every automated message to them), the sequence steps already sent, and
    # the earliest time the next automated message may go (after a step: the next step's delay; after an
    # out-of-office reply: pushed back).
    replied_at = models.DateTimeField(null=True, blank=True, db_index=True)
    sequence_step = models.PositiveSmallIntegerField(default=0, help_text="Sequence steps sent.")
    next_message_at = models.DateTimeField(null=True, blank=True)
    # The withdrawal lane (issue 13): when this deal's invitation was withdrawn (LinkedIn then blocks a
    # new invitation to the person for three weeks: the connect lane keeps off them until it is over),
    # and how many times (a person is re-invited after a withdrawal at most once).
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawals = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "lead"], name="uniq_deal_per_lead_campaign")
        ]
        indexes = [
            models.Index(fields=["campaign", "state", "score", "created_at"]),
            models.Index(fields=["state", "next_check_at"]),
            models.Index(fields=["lead", "state"]),
            models.Index(fields=["next_check_at"]),
            models.Index(fields=["claimed_until"]),
        ]

    def __str__(self) -> str:
        return f"deal {self.deal_id}"


class LaneSlot(models.Model):
    """When an account's lane may act next ("later" is a database timestamp, never a Celery ETA).

    Dispatchers take a slot with a conditional UPDATE on `next_at`, so two beats (or two dispatcher
    workers) running at once cannot both act on it.
    """

    account = models.ForeignKey(LinkedInAccount, on_delete=models.CASCADE, related_name="lane_slots")
    lane = models.CharField(max_length=20)
    next_at = models.DateTimeField(default=timezone.now)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "lane"], name="uniq_lane_slot")]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.lane} next {self.next_at:%H:%M:%S}"


class DoNotContact(models.Model):
    """A person or company the workspace never invites or messages, whatever the campaign or account.

    `key` is the normalised form the compliance check compares (a profile's public id, a casefolded
    name); it is computed on save from `value`, so the operator types what they have.
    """

    class Kind(models.TextChoices):
        PROFILE = "profile", "Profile URL"
        NAME = "name", "Person's full name"
        COMPANY = "company", "Company"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=300, help_text="A profile URL, a full name or a company name.")
    key = models.CharField(max_length=300, editable=False, db_index=True)
    reason = models.CharField(max_length=300, blank=True, default="")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="uniq_do_not_contact")]
        verbose_name = "do-not-contact entry"
        verbose_name_plural = "do-not-contact list"

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def save(self, *args, **kwargs) -> None:
        from openoutreach.safety.compliance import do_not_contact_key

        self.key = do_not_contact_key(self.kind, self.value)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        from openoutreach.safety.compliance import do_not_contact_key

        try:
            self.key = do_not_contact_key(self.kind, self.value)
        except ValueError as exc:
            raise ValidationError({"value": str(exc)}) from exc


class LegalAcceptance(models.Model):
    """The operator accepted this version of the legal notice (asked once per version, then remembered)."""

    version = models.CharField(max_length=20, unique=True)
    accepted_at = models.DateTimeField(default=timezone.now)
    accepted_by = models.CharField(max_length=150, blank=True, default="")
    via = models.CharField(max_length=40, blank=True, default="", help_text="terminal, flag or environment")

    def __str__(self) -> str:
        return f"legal notice {self.version} accepted {self.accepted_at:%Y-%m-%d}"


# Imported last: they reference the models above by name.
from .sequence_models import SequenceStep  # noqa: E402, F401
from .work_models import Lane, LanePause, LanePauseReason, PersonClaim  # noqa: E402, F401
