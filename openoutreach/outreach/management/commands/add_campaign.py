"""`manage.py add_campaign`: another campaign (its own CRM department), and the accounts that work for it."""

from __future__ import annotations

from openoutreach.operator import onboarding
from openoutreach.operator.command import QuestionCommand


class Command(QuestionCommand):
    help = "Add a campaign and choose the LinkedIn accounts that work for it."
    questions = staticmethod(lambda: [*onboarding.campaign_questions(), onboarding.members_question()])
    section = staticmethod(onboarding.add_campaign)
