"""Creating campaigns and attaching accounts to them (through the campaign's department group)."""

from __future__ import annotations

from common.models import Department
from django.db import transaction

from openoutreach.outreach.models import Campaign, LinkedInAccount

from .crm_setup import ensure_department
from .sequences import ensure_sequence


@transaction.atomic
def create_campaign(name: str, product_docs: str, campaign_objective: str, **fields) -> Campaign:
    """A campaign with its own department and CRM pipeline (stages, closing reasons, lead source) and
    its one-step sequence (`pipeline/sequences.ensure_sequence`; more steps in the admin)."""
    department = Department.objects.create(name=name, works_globally=True)
    campaign = Campaign.objects.create(
        department=department, product_docs=product_docs, campaign_objective=campaign_objective, **fields
    )
    ensure_department(department)
    ensure_sequence(campaign)
    return campaign


@transaction.atomic
def create_account(
    handle: str, username: str, password: str, campaign: Campaign | None = None, **fields
) -> LinkedInAccount:
    """A LinkedIn account with its own CRM user (password stored encrypted), optionally joined to a campaign."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(username=handle, password=None)
    account = LinkedInAccount(user=user, handle=handle, username=username, **fields)
    account.set_password(password)
    account.save()
    if campaign is not None:
        join(account, campaign)
    return account


def join(account: LinkedInAccount, campaign: Campaign) -> None:
    """The account works for the campaign from now on."""
    account.user.groups.add(campaign.department)


def campaigns_of(account: LinkedInAccount):
    return Campaign.objects.filter(department__user=account.user).select_related("department")
