"""Onboarding: the campaign, the LinkedIn account, the LLM settings and the legal notice.

Used by `manage.py onboard` (all sections), `add_campaign` and `add_account` (one section each) and by
`make run` when nothing is configured yet. Answers come from flags, environment variables or the
terminal (`openoutreach.operator.questions`). Everything is asked first and saved at the end, in one
transaction, so giving up halfway (Ctrl-D, Ctrl-C) saves nothing — except an accepted legal notice,
which is a fact worth remembering.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from openoutreach.outreach.models import Campaign, LinkedInAccount
from openoutreach.pipeline.campaigns import create_campaign, join
from openoutreach.pipeline.crm_setup import ensure_workspace
from workers.queues import RoutingError, browser_queue

from . import envfile, legal
from .questions import (
    Invalid,
    Question,
    at_least,
    collect,
    email,
    integer,
    local_time_zone,
    text,
    time_zone,
    url_or_empty,
    working_hours,
    yes_no,
)
from .terminal import Terminal

LLM_KEYS = ("LLM_API_KEY", "AI_MODEL", "LLM_API_BASE")


class Declined(Exception):
    """The operator did not accept the legal notice: nothing is configured."""


# -- parsers that look at the database ------------------------------------------------------------------


def new_campaign_name(raw: str, answers: Mapping[str, Any]) -> str:
    name = text(raw, answers)
    if len(name) > 80:
        raise Invalid(f"at most 80 characters ({len(name)} given)")
    if "," in name:
        raise Invalid("no commas: campaign names are listed comma-separated")
    if Group.objects.filter(name__iexact=name).exists():
        taken = (
            "a campaign" if Campaign.objects.filter(department__name__iexact=name).exists() else "a CRM group"
        )
        raise Invalid(f"{name!r} is already {taken}'s name; choose another (edit campaigns in the admin)")
    return name


def new_account_email(raw: str, answers: Mapping[str, Any]) -> str:
    value = email(raw, answers)
    if LinkedInAccount.objects.filter(username__iexact=value).exists():
        raise Invalid(f"{value} is already configured (change it in the admin)")
    return value


def suggested_handle(answers: Mapping[str, Any]) -> str:
    local = str(answers.get("LINKEDIN_EMAIL", "")).split("@", 1)[0].lower()
    handle = re.sub(r"[^a-z0-9_-]+", "-", local).strip("-_")[:40] or "account"
    base, n = handle, 2
    while (
        LinkedInAccount.objects.filter(handle=handle).exists()
        or get_user_model().objects.filter(username=handle).exists()
    ):
        handle, n = f"{base[:37]}-{n}", n + 1
    return handle


def new_handle(raw: str, answers: Mapping[str, Any]) -> str:
    value = raw.strip()
    try:
        browser_queue(value)
    except RoutingError:
        raise Invalid(
            f"{value!r}: use 1-40 lower-case letters, digits, '-' or '_' (it names a queue)"
        ) from None
    if LinkedInAccount.objects.filter(handle=value).exists():
        raise Invalid(f"an account named {value!r} already exists")
    if get_user_model().objects.filter(username=value).exists():
        raise Invalid(f"{value!r} is already a CRM user name")
    return value


def campaign_names(raw: str, answers: Mapping[str, Any]) -> list[Campaign]:
    names = [n.strip() for n in raw.split(",") if n.strip()]
    if not names:
        raise Invalid("name at least one campaign (an account without one does nothing)")
    found = {c.name.lower(): c for c in Campaign.objects.select_related("department")}
    unknown = [n for n in names if n.lower() not in found]
    if unknown:
        known = ", ".join(sorted(c.name for c in found.values())) or "none yet"
        raise Invalid(f"no campaign named {', '.join(map(repr, unknown))} (campaigns: {known})")
    return [found[n.lower()] for n in dict.fromkeys(names)]


def account_handles(raw: str, answers: Mapping[str, Any]) -> list[LinkedInAccount]:
    handles = [h.strip() for h in raw.split(",") if h.strip() and h.strip() != "-"]
    found = {a.handle: a for a in LinkedInAccount.objects.select_related("user").filter(handle__in=handles)}
    unknown = [h for h in handles if h not in found]
    if unknown:
        raise Invalid(f"no account with handle {', '.join(map(repr, unknown))}")
    return [found[h] for h in dict.fromkeys(handles)]


# -- the sections ------------------------------------------------------------------------------------------

LEGAL_QUESTION = Question(
    "ACCEPT_LEGAL_NOTICE", "Do you accept this notice? (yes/no)", "--accept-legal-notice", parse=yes_no
)


def campaign_questions() -> list[Question]:
    return [
        Question("CAMPAIGN_NAME", "Campaign name", "--campaign-name", parse=new_campaign_name),
        Question(
            "PRODUCT_DOCS",
            "Product description: what it does and for whom",
            "--product-docs",
            style="text",
            flag_is_file=True,
        ),  # fmt: skip
        Question(
            "CAMPAIGN_OBJECTIVE",
            "Campaign objective: the ideal customer, and what you want from them",
            "--campaign-objective",
            style="text",
            flag_is_file=True,
        ),  # fmt: skip
        Question(
            "BOOKING_LINK",
            "Booking link for the follow-up (empty for none)",
            "--booking-link",
            parse=url_or_empty,
            default="",
        ),  # fmt: skip
    ]


def account_questions() -> list[Question]:
    return [
        Question("LINKEDIN_EMAIL", "LinkedIn login e-mail", "--linkedin-email", parse=new_account_email),
        Question(
            "LINKEDIN_PASSWORD",
            "LinkedIn password",
            "--linkedin-password-file",
            style="secret",
            flag_is_file=True,
        ),  # fmt: skip
        Question(
            "LINKEDIN_HANDLE",
            "Short name for this account (names its worker queue)",
            "--handle",
            parse=new_handle,
            default=suggested_handle,
        ),  # fmt: skip
        Question(
            "CONNECT_DAILY_LIMIT",
            "Connection requests per day",
            "--connect-daily-limit",
            parse=integer(0, 200),
            default=str(settings.CONNECT_DAILY_LIMIT),
        ),  # fmt: skip
        Question(
            "CONNECT_WEEKLY_LIMIT",
            "Connection requests per week",
            "--connect-weekly-limit",
            parse=at_least("CONNECT_DAILY_LIMIT", "daily limit", integer(0, 1000)),
            default=str(settings.CONNECT_WEEKLY_LIMIT),
        ),  # fmt: skip
        Question(
            "FOLLOWUP_DAILY_LIMIT",
            "Follow-up messages per day",
            "--followup-daily-limit",
            parse=integer(0, 500),
            default=str(settings.FOLLOWUP_DAILY_LIMIT),
        ),  # fmt: skip
        Question(
            "WORKING_HOURS",
            "Working hours (the account acts only then)",
            "--working-hours",
            parse=working_hours,
            default="09:00-17:00",
        ),  # fmt: skip
        Question(
            "TIME_ZONE",
            "Time zone of those hours",
            "--time-zone",
            parse=time_zone,
            default=lambda answers: local_time_zone(),
        ),  # fmt: skip
        Question(
            "ALREADY_WARM",
            "Is this account already warm (used by hand for months)? New accounts ramp up over 2 weeks (yes/no)",
            "--already-warm",
            parse=yes_no,
            default="no",
        ),  # fmt: skip
    ]


def llm_questions() -> list[Question]:
    return [
        Question("LLM_API_KEY", "LLM API key", "--llm-api-key-file", style="secret", flag_is_file=True),
        Question("AI_MODEL", "LLM model", "--ai-model", default=settings.AI_MODEL),
        Question(
            "LLM_API_BASE",
            "LLM base URL (empty for OpenAI's own API)",
            "--llm-api-base",
            parse=url_or_empty,
            default=settings.LLM_API_BASE or "",
        ),  # fmt: skip
    ]


def joins_question() -> Question:
    return Question(
        "ACCOUNT_CAMPAIGNS", "Campaigns this account works for (comma-separated)", "--campaigns",
        parse=campaign_names, default=lambda answers: ", ".join(c.name for c in Campaign.objects.all()),
    )  # fmt: skip


def members_question() -> Question:
    return Question(
        "CAMPAIGN_ACCOUNTS", "Accounts that work for this campaign (comma-separated handles, - for none)",
        "--accounts", parse=account_handles,
        default=lambda answers: ", ".join(LinkedInAccount.objects.values_list("handle", flat=True)) or "-",
    )  # fmt: skip


def all_flag_questions() -> list[Question]:
    """Every question any command can take a flag for (the commands build their options from these)."""
    return [LEGAL_QUESTION, *campaign_questions(), *account_questions(), *llm_questions()]


# -- asking ------------------------------------------------------------------------------------------------


def ask(
    questions: list[Question],
    flags: Mapping[str, str | None],
    env: Mapping[str, str],
    terminal: Terminal | None,
    needs_legal: bool = False,
) -> dict[str, Any]:
    """Collect the answers; the legal notice first (and alone) when it has not been accepted yet.

    In a terminal "no" ends at once (Declined). Without one, the notice is one more required answer,
    so a single error names everything that is missing.
    """
    if needs_legal and not legal.accepted():
        if terminal is not None:
            if flags.get(LEGAL_QUESTION.key) is None and not env.get(LEGAL_QUESTION.key):
                terminal.say(legal.NOTICE)
            if not collect([LEGAL_QUESTION], flags, env, terminal)[LEGAL_QUESTION.key]:
                raise Declined("you declined the legal notice")
            legal.accept("terminal")
        else:
            answers = collect([LEGAL_QUESTION, *questions], flags, env, None)
            if not answers[LEGAL_QUESTION.key]:
                raise Declined(f"the legal notice was declined ({LEGAL_QUESTION.key}=no)")
            legal.accept("flag" if flags.get(LEGAL_QUESTION.key) else "environment")
            return answers
    return collect(questions, flags, env, terminal)


# -- saving ------------------------------------------------------------------------------------------------


@dataclass
class Saved:
    campaign: Campaign | None = None
    account: LinkedInAccount | None = None
    joined: list[str] = field(default_factory=list)
    env_file: Path | None = None

    def summary(self) -> str:
        lines = []
        if self.campaign:
            lines.append(f"Campaign {self.campaign.name!r} created, with its CRM pipeline.")
        if self.account:
            lines.append(
                f"LinkedIn account {self.account.handle!r} ({self.account.username}) saved; its password "
                "is encrypted at rest."
            )
        if self.joined:
            lines.append("Works for: " + "; ".join(self.joined) + ".")
        if self.env_file:
            lines.append(f"LLM settings written to {self.env_file} (readable by you only).")
        return "\n".join(lines)


def save_llm_settings(answers: Mapping[str, Any], path: Path | None = None) -> Path:
    path = path or settings.ENV_FILE
    envfile.update(path, {key: answers[key] or None for key in LLM_KEYS if key in answers})
    return path


def _ensure_crm() -> None:
    if not Group.objects.filter(name="co-workers").exists():  # creating a User needs the CRM's groups
        ensure_workspace()


def new_campaign(answers: Mapping[str, Any]) -> Campaign:
    return create_campaign(
        answers["CAMPAIGN_NAME"],
        product_docs=answers["PRODUCT_DOCS"],
        campaign_objective=answers["CAMPAIGN_OBJECTIVE"],
        booking_link=answers.get("BOOKING_LINK", ""),
    )


def new_account(answers: Mapping[str, Any]) -> LinkedInAccount:
    _ensure_crm()
    user = get_user_model().objects.create_user(username=answers["LINKEDIN_HANDLE"], password=None)
    start, end = answers["WORKING_HOURS"]
    account = LinkedInAccount(
        user=user,
        handle=answers["LINKEDIN_HANDLE"],
        username=answers["LINKEDIN_EMAIL"],
        connect_daily_limit=answers["CONNECT_DAILY_LIMIT"],
        connect_weekly_limit=answers["CONNECT_WEEKLY_LIMIT"],
        followup_daily_limit=answers["FOLLOWUP_DAILY_LIMIT"],
        working_hours_start=start,
        working_hours_end=end,
        time_zone=answers["TIME_ZONE"],
    )
    if answers.get("ALREADY_WARM"):
        account.warmup_started_on = None  # the model's default starts the warm-up today
    account.set_password(answers["LINKEDIN_PASSWORD"])
    account.full_clean(exclude=["user"])
    account.save()
    return account


def onboard(flags: Mapping[str, str | None], env: Mapping[str, str], terminal: Terminal | None) -> Saved:
    """The whole first setup: legal notice, campaign, account (joined to it), LLM settings."""
    _ensure_crm()
    if terminal is not None:
        terminal.say(
            "OpenOutreach setup. Defaults are in [brackets]; Ctrl-C or Ctrl-D stops without saving.\n"
        )
    questions = [*campaign_questions(), *account_questions(), *llm_questions()]
    answers = ask(questions, flags, env, terminal, needs_legal=True)
    saved = Saved(env_file=save_llm_settings(answers))
    with transaction.atomic():
        saved.campaign = new_campaign(answers)
        saved.account = new_account(answers)
        join(saved.account, saved.campaign)
    saved.joined = [f"{saved.account.handle} -> {saved.campaign.name}"]
    return saved


def add_campaign(flags: Mapping[str, str | None], env: Mapping[str, str], terminal: Terminal | None) -> Saved:
    _ensure_crm()
    answers = ask([*campaign_questions(), members_question()], flags, env, terminal)
    saved = Saved()
    with transaction.atomic():
        saved.campaign = new_campaign(answers)
        for account in answers["CAMPAIGN_ACCOUNTS"]:
            join(account, saved.campaign)
            saved.joined.append(f"{account.handle} -> {saved.campaign.name}")
    return saved


def add_account(flags: Mapping[str, str | None], env: Mapping[str, str], terminal: Terminal | None) -> Saved:
    _ensure_crm()
    answers = ask([*account_questions(), joins_question()], flags, env, terminal, needs_legal=True)
    saved = Saved()
    with transaction.atomic():
        saved.account = new_account(answers)
        for campaign in answers["ACCOUNT_CAMPAIGNS"]:
            join(saved.account, campaign)
            saved.joined.append(f"{saved.account.handle} -> {campaign.name}")
    return saved


def is_configured() -> bool:
    """Anything set up yet? (`make run` onboards first when not, given a terminal)."""
    return LinkedInAccount.objects.exists() or Campaign.objects.exists()
