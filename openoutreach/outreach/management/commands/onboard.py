"""`manage.py onboard`: first setup — legal notice, campaign, LinkedIn account, LLM settings.

In a terminal it asks (defaults in brackets, bad answers re-asked with the reason); without one every
answer comes from a flag or an environment variable, e.g.

    CAMPAIGN_NAME=devops LINKEDIN_EMAIL=me@example.com LINKEDIN_PASSWORD=... LLM_API_KEY=... \\
        python manage.py onboard --accept-legal-notice --product-docs product.md --campaign-objective icp.md
"""

from __future__ import annotations

from openoutreach.operator import onboarding
from openoutreach.operator.command import QuestionCommand


class Command(QuestionCommand):
    help = "Set up OpenOutreach: accept the legal notice, create a campaign and a LinkedIn account, save LLM settings."
    questions = staticmethod(onboarding.all_flag_questions)
    section = staticmethod(onboarding.onboard)
