"""One row per invitation sent, with its outcome and the person's features, read from the CRM.

An invitation is an ActionLog row of kind `connect` with outcome `ok` for a deal (written by
`transitions.mark_pending` together with DealState.contacted_at; a deal invited again after a decline
has one row per invitation). Its outcome, within `window_days`:
- accepted: the deal's next `check_pending` `ok` row (the move to Connected) before any later invitation
  of the deal, at most `window_days` after the send; or, for the deal's latest invitation, a deal now
  Connected, Completed or Replied without such a row (e.g. a reply read while Pending);
- not accepted: accepted later than the window, or declined, withdrawn or closed (the deal moved on
  without an acceptance, or was invited again), or still Pending `window_days` after the send;
- open (censored, left out of training): still Pending, sent less than `window_days` ago.
The dbt mart `mart_connection_accepted` (analytics/) computes the same rows; tests/analytics checks
that both agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crm.models import Lead
from django.utils import timezone

from openoutreach.ml.acceptance import profile_features
from openoutreach.outreach.models import ActionLog, DealState
from openoutreach.pipeline import stages
from openoutreach.pipeline.leads import parsed_profile

ACCEPTED, NOT_ACCEPTED, OPEN = "accepted", "not_accepted", "open"
ACCEPTED_STATES = (stages.CONNECTED, stages.COMPLETED, stages.REPLIED)


@dataclass(frozen=True)
class Invitation:
    invitation_id: int  # the ActionLog row of the send
    campaign_id: int
    deal_state_id: int
    lead_id: int
    account_id: int | None
    sent_at: datetime
    accepted_at: datetime | None
    outcome: str  # ACCEPTED | NOT_ACCEPTED | OPEN
    score: float | None  # the deal's ranking score (frozen once it left New)
    connection_degree: int | None
    distance: str | None
    seniority: int
    has_summary: bool
    position_count: int
    education_count: int
    industry: str | None
    country_code: str | None

    def features(self) -> dict[str, float]:
        """The model's explicit features (acceptance.profile_features of the same profile)."""
        return {
            "connection_degree": float("nan")
            if self.connection_degree is None
            else float(self.connection_degree),
            "seniority": float(self.seniority),
            "has_summary": float(self.has_summary),
            "position_count": float(self.position_count),
            "education_count": float(self.education_count),
        }

    @property
    def accepted(self) -> int | None:
        """1 / 0, or None while open (censored)."""
        return None if self.outcome == OPEN else int(self.outcome == ACCEPTED)


def _outcome(
    sent_at: datetime,
    accepted_at: datetime | None,
    latest: bool,
    state: str,
    now: datetime,
    window: timedelta,
) -> str:
    if accepted_at is not None:
        return ACCEPTED if accepted_at - sent_at <= window else NOT_ACCEPTED
    if latest and state in ACCEPTED_STATES:
        return ACCEPTED
    if latest and state == stages.PENDING:
        return NOT_ACCEPTED if now - sent_at >= window else OPEN
    return NOT_ACCEPTED


def invitations(
    campaign_id: int | None = None,
    now: datetime | None = None,
    window_days: int = 14,
    with_features: bool = True,
) -> list[Invitation]:
    """Every invitation of the campaign (of all campaigns when None), oldest first. `with_features`
    False skips reading the profiles (the features are then those of an empty profile): for counts."""
    now, window = now or timezone.now(), timedelta(days=window_days)
    sends = ActionLog.objects.filter(
        kind=ActionLog.Kind.CONNECT, outcome=ActionLog.Outcome.OK, deal__isnull=False
    )
    if campaign_id is not None:
        sends = sends.filter(campaign_id=campaign_id)
    sends = list(sends.order_by("id").values_list("id", "deal_id", "account_id", "at"))
    deal_ids = {deal_id for _id, deal_id, _account, _at in sends}
    deals = {
        ds.deal_id: ds
        for ds in DealState.objects.filter(deal_id__in=deal_ids).only(
            "pk", "deal_id", "campaign_id", "lead_id", "state", "score"
        )
    }
    accepts: dict[int, list[tuple[int, datetime]]] = {}
    for action_id, deal_id, at in (
        ActionLog.objects.filter(
            kind=ActionLog.Kind.CHECK_PENDING, outcome=ActionLog.Outcome.OK, deal_id__in=deal_ids
        )
        .order_by("id")
        .values_list("id", "deal_id", "at")
    ):
        accepts.setdefault(deal_id, []).append((action_id, at))
    per_deal: dict[int, list[int]] = {}
    for action_id, deal_id, _account, _at in sends:
        per_deal.setdefault(deal_id, []).append(action_id)
    leads = (
        {}
        if not with_features
        else {
            lead.pk: parsed_profile(lead) or {}
            for lead in Lead.objects.filter(pk__in={ds.lead_id for ds in deals.values()}).only(
                "pk", "description"
            )
        }
    )

    rows = []
    for action_id, deal_id, account_id, sent_at in sends:
        ds = deals.get(deal_id)
        if ds is None:  # a deal without our state row: not one of the lanes' invitations
            continue
        later = [i for i in per_deal[deal_id] if i > action_id]
        until = later[0] if later else None
        accepted_at = next(
            (at for i, at in accepts.get(deal_id, []) if i > action_id and (until is None or i < until)),
            None,
        )
        profile = leads.get(ds.lead_id, {})
        features = profile_features(profile)
        degree = profile.get("connection_degree")
        rows.append(
            Invitation(
                invitation_id=action_id,
                campaign_id=ds.campaign_id,
                deal_state_id=ds.pk,
                lead_id=ds.lead_id,
                account_id=account_id,
                sent_at=sent_at,
                accepted_at=accepted_at,
                outcome=_outcome(sent_at, accepted_at, not later, ds.state, now, window),
                score=ds.score,
                connection_degree=degree if isinstance(degree, int) else None,
                distance=profile.get("distance"),
                seniority=int(features["seniority"]),
                has_summary=bool(features["has_summary"]),
                position_count=int(features["position_count"]),
                education_count=int(features["education_count"]),
                industry=profile.get("industry"),
                country_code=profile.get("country_code"),
            )
        )
    return rows
