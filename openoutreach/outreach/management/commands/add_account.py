"""`manage.py add_account`: another LinkedIn account, joined to campaigns through their departments."""

from __future__ import annotations

from openoutreach.operator import onboarding
from openoutreach.operator.command import QuestionCommand


class Command(QuestionCommand):
    help = "Add a LinkedIn account (password encrypted at rest) and choose the campaigns it works for."
    questions = staticmethod(
        lambda: [onboarding.LEGAL_QUESTION, *onboarding.account_questions(), onboarding.joins_question()]
    )
    section = staticmethod(onboarding.add_account)
