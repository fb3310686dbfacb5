"""The legal notice the operator accepts once (per version) before OpenOutreach acts on LinkedIn.

Acceptance is a database row (`LegalAcceptance`), so it is remembered across runs and machines that
share the CRM. A new version of the text (a new `VERSION`) is asked for again.
"""

from __future__ import annotations

import getpass

from openoutreach.outreach.models import LegalAcceptance

VERSION = "2025-1"

NOTICE = """\
LEGAL NOTICE — please read.

OpenOutreach operates YOUR LinkedIn account automatically: it searches, visits profiles, sends
invitations and messages in your name.
  * LinkedIn's User Agreement forbids automated access. LinkedIn may restrict or permanently ban
    an account it believes is automated. You take that risk for every account you add.
  * You are responsible for complying with the law where you and the people you contact are
    (e.g. GDPR in the EU/EEA and UK, CASL in Canada, LGPD in Brazil, the Privacy Act in Australia):
    lawful basis for processing, honouring objections (the do-not-contact list), and not sending
    unsolicited messages where consent is required (campaigns can exclude those jurisdictions).
  * The software is provided as is, without warranty of any kind.
"""


def accepted(version: str = VERSION) -> bool:
    return LegalAcceptance.objects.filter(version=version).exists()


def accept(via: str, version: str = VERSION) -> LegalAcceptance:
    """Remember that the notice was accepted (idempotent)."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # a container user without a passwd entry
        who = ""
    acceptance, _ = LegalAcceptance.objects.get_or_create(
        version=version, defaults={"accepted_by": who[:150], "via": via[:40]}
    )
    return acceptance
