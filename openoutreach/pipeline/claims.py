"""The one claim protocol: take, renew, release and expire a piece of work, and THE definition of
"unclaimed". Every lane and the browser worker call this module; nothing else writes a claim.

A claim is a timestamp column set with a conditional UPDATE (0 rows changed = someone else holds it),
plus the id of the one task allowed to act on it. A holder that dies leaves the claim to expire; the
next dispatch (or housekeeping) may then take it. Nothing here lives in Redis, so a flushed broker
loses no claim.

Outward actions (connect, follow-up, every later outward lane) also claim the PERSON: a `PersonClaim`
row per lead, taken in the same transaction as the deal claim. Its unique lead is enforced by the
database, so at most one outward action per person is in flight across every campaign and account, even
when several dispatchers race. Once an outward action reached the person, or may have (the deal is
SENDING), the row stays bound to that deal: no other deal can take it, whatever its claim time says.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from openoutreach.outreach.models import (
    DealState,
    LinkedInAccount,
    LinkedInProfile,
    OutwardPhase,
    PersonClaim,
    SearchKeyword,
)


def unclaimed(now: datetime, field: str = "claimed_until") -> Q:
    """THE definition: nobody holds the row when it was never claimed or its claim ran out (at `now`
    itself a claim is over)."""
    return Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lte": now})


def held(now: datetime, field: str = "claimed_until") -> Q:
    """The exact complement of `unclaimed`."""
    return Q(**{f"{field}__gt": now})


def until(now: datetime) -> datetime:
    """Claims measure real task time (a browser task takes what it takes): TIME_SCALE does not apply."""
    return now + timedelta(seconds=settings.CLAIM_SECONDS)


# -- the person ----------------------------------------------------------------------------------------


def _person_free_for(ds: DealState, task_id: str, now: datetime) -> Q:
    """Who may take a person's row: the task that holds it; the same deal once its claim ran out (it
    resolves its own unknown send); any deal when the row never reached the person, is not mid-send
    and its claim ran out."""
    return (
        Q(task_id=task_id, deal_state_id=ds.pk)
        | (Q(deal_state_id=ds.pk) & unclaimed(now))
        | (Q(contacted_at__isnull=True, sending=False) & unclaimed(now))
    )


def _take_person(ds: DealState, task_id: str, account: LinkedInAccount | None, now: datetime) -> bool:
    fields = {"deal_state_id": ds.pk, "task_id": task_id, "claimed_until": until(now)}
    if account is not None:
        fields["account"] = account
    # Plain column conditions, no subquery: PostgreSQL re-checks them on the row a concurrent writer
    # just committed, so two racing takers cannot both match.
    if (
        PersonClaim.objects.filter(lead_id=ds.lead_id)
        .filter(_person_free_for(ds, task_id, now))
        .update(**fields)
    ):
        return True
    if PersonClaim.objects.filter(lead_id=ds.lead_id).exists():
        return False  # another deal holds or owns this person
    try:
        with transaction.atomic():  # a savepoint: PostgreSQL aborts the transaction on a violation
            PersonClaim.objects.create(lead_id=ds.lead_id, **fields)
    except IntegrityError:
        return False  # another dispatcher inserted it first: the unique lead decided
    return True


def holds_person(ds: DealState, task_id: str, now: datetime | None = None) -> bool:
    """The worker's check right before an outward click: this task still holds the person."""
    return (
        PersonClaim.objects.filter(lead_id=ds.lead_id, deal_state_id=ds.pk, task_id=task_id)
        .filter(held(now or timezone.now()))
        .exists()
    )


def person_owner(lead_id: int) -> PersonClaim | None:
    return PersonClaim.objects.filter(lead_id=lead_id).select_related("deal_state").first()


# -- deals -------------------------------------------------------------------------------------------


def take_deal(
    ds: DealState,
    task_id: str,
    now: datetime,
    *,
    state: str,
    outward: bool,
    account: LinkedInAccount | None = None,
) -> bool:
    """A dispatcher claims an unclaimed deal in `state` for `task_id` (and its person, for outward
    work), all in one transaction: either everything is taken or nothing is."""
    fields = {"claimed_until": until(now), "claim_task_id": task_id}
    if account is not None:
        fields["account"] = account
    with transaction.atomic():
        if not DealState.objects.filter(pk=ds.pk, state=state).filter(unclaimed(now)).update(**fields):
            return False
        if outward and not _take_person(ds, task_id, account, now):
            transaction.set_rollback(True)
            return False
    return True


def renew_deal(
    ds: DealState, task_id: str, *, state: str, outward: bool, now: datetime | None = None
) -> bool:
    """The running task takes (or renews) its claim: its own claim, or an unclaimed deal (an operator's
    manual task). A claim that expired and went to another task is not ours any more."""
    now = now or timezone.now()
    with transaction.atomic():
        mine = Q(claim_task_id=task_id) | unclaimed(now)
        if (
            not DealState.objects.filter(pk=ds.pk, state=state)
            .filter(mine)
            .update(claimed_until=until(now), claim_task_id=task_id)
        ):
            return False
        if outward and not _take_person(ds, task_id, ds.account, now):
            transaction.set_rollback(True)
            return False
    return True


def release_deal(ds: DealState, task_id: str | None = None, **fields) -> None:
    """Give the deal (and its person, unless it is mid-send) back; `fields` are written with it.
    With `task_id`, only that task's claim is released."""
    deal = DealState.objects.filter(pk=ds.pk)
    person = PersonClaim.objects.filter(lead_id=ds.lead_id, deal_state_id=ds.pk)
    if task_id is not None:
        deal, person = deal.filter(claim_task_id=task_id), person.filter(task_id=task_id)
    with transaction.atomic():
        deal.update(claimed_until=None, claim_task_id="", **fields)
        person.update(claimed_until=None, task_id="")


def mark_sending(ds: DealState, task_id: str) -> bool:
    """Phase one of an outward action, right before the click: the deal becomes SENDING, provided this
    task still holds both the deal and the person (checked again here, in the same transaction). False
    means: do not click."""
    now = timezone.now()
    with transaction.atomic():
        person = PersonClaim.objects.filter(lead_id=ds.lead_id, deal_state_id=ds.pk, task_id=task_id)
        if not person.filter(held(now)).update(sending=True):
            return False
        if not (
            DealState.objects.filter(pk=ds.pk, claim_task_id=task_id)
            .filter(held(now))
            .update(outward=OutwardPhase.SENDING)
        ):
            transaction.set_rollback(True)
            return False
    return True


def sending_undone(ds: DealState) -> None:
    """The live state proved the previous send never happened: clear SENDING (the deal stays claimed)."""
    with transaction.atomic():
        DealState.objects.filter(pk=ds.pk).update(outward=OutwardPhase.IDLE)
        PersonClaim.objects.filter(lead_id=ds.lead_id, deal_state_id=ds.pk).update(sending=False)


def reached_person(ds: DealState, now: datetime | None = None) -> None:
    """An outward action reached the person (or may have): the person stays bound to this deal, free
    of any running claim. Called inside the transitions that record it."""
    PersonClaim.objects.filter(lead_id=ds.lead_id, deal_state_id=ds.pk).update(
        contacted_at=now or timezone.now(), claimed_until=None, task_id="", sending=False
    )


def bind_person(ds: DealState, now: datetime | None = None) -> None:
    """Like `reached_person`, for a deal whose person had no row yet (e.g. moved by hand)."""
    now = now or timezone.now()
    if not PersonClaim.objects.filter(lead_id=ds.lead_id).exists():
        try:
            with transaction.atomic():
                PersonClaim.objects.create(lead_id=ds.lead_id, deal_state_id=ds.pk, contacted_at=now)
        except IntegrityError:
            pass  # somebody bound it meanwhile: theirs stands
    reached_person(ds, now)


def mark_person_sending(ds: DealState) -> None:
    """Keep the person bound and mid-send (a deal held because its delivery is unknown)."""
    PersonClaim.objects.filter(lead_id=ds.lead_id, deal_state_id=ds.pk).update(sending=True)


# -- batches (check_pending) ------------------------------------------------------------------------


def take_each(queryset: QuerySet, key: str, ids: list, now: datetime, field: str = "claimed_until") -> list:
    """Claim each row on its own with a conditional UPDATE; the ones another dispatcher took first are
    left out of the result."""
    end = until(now)
    return [
        i for i in ids if queryset.filter(**{key: i}).filter(unclaimed(now, field)).update(**{field: end})
    ]


# -- enrichment (a profile's Voyager fetch) -----------------------------------------------------------


def _to_enrich():
    return LinkedInProfile.objects.filter(enriched_at__isnull=True, unavailable_reason="")


def take_profiles(lead_ids: list[int], task_id: str, now: datetime) -> list[int]:
    """A dispatcher claims each profile for `task_id` with a conditional UPDATE; the ones another
    dispatcher took first (or that got enriched meanwhile) are left out of the result."""
    end = until(now)
    return [
        i
        for i in lead_ids
        if _to_enrich()
        .filter(lead_id=i)
        .filter(unclaimed(now, "enrich_claimed_until"))
        .update(enrich_claimed_until=end, enrich_claim_task_id=task_id)
    ]


def renew_profile(lead_id: int, task_id: str, now: datetime | None = None) -> bool:
    """The enrichment task takes (or renews) its claim right before it fetches the profile: its own
    claim, or an unclaimed profile (an operator's manual task). False: another task holds it (this
    task's claim ran out and went elsewhere), or it was enriched or found unavailable meanwhile; this
    task must not fetch it."""
    now = now or timezone.now()
    mine = unclaimed(now, "enrich_claimed_until")
    if task_id:
        mine |= Q(enrich_claim_task_id=task_id)
    return bool(
        _to_enrich()
        .filter(lead_id=lead_id)
        .filter(mine)
        .update(enrich_claimed_until=until(now), enrich_claim_task_id=task_id)
    )


def release_profiles(lead_ids: list[int], task_id: str) -> None:
    """The enrichment task ended (or was refused): give back the profiles it still holds, and only those."""
    LinkedInProfile.objects.filter(lead_id__in=lead_ids, enrich_claim_task_id=task_id).update(
        enrich_claimed_until=None, enrich_claim_task_id=""
    )


# -- search pages -------------------------------------------------------------------------------------


def search_in_flight(campaign_id: int, now: datetime) -> bool:
    """A search page of this campaign is claimed: its next page is unknown until that task ends."""
    return SearchKeyword.objects.filter(campaign_id=campaign_id).filter(held(now)).exists()


def take_keyword(keyword_id: int, task_id: str, now: datetime) -> bool:
    """A dispatcher claims a keyword's next page for `task_id` (0 rows changed: another one has it)."""
    return bool(
        SearchKeyword.objects.filter(pk=keyword_id)
        .filter(unclaimed(now))
        .update(claimed_until=until(now), claim_task_id=task_id)
    )


def renew_keyword(keyword_id: int, task_id: str, now: datetime | None = None) -> bool:
    """The search task takes (or renews) its claim: its own, or an unclaimed keyword (an operator's manual
    task). False: another task holds the keyword, so this one must not fetch."""
    now = now or timezone.now()
    mine = Q(claim_task_id=task_id) | unclaimed(now)
    return bool(
        SearchKeyword.objects.filter(pk=keyword_id)
        .filter(mine)
        .update(claimed_until=until(now), claim_task_id=task_id)
    )


def release_keyword(keyword_id: int, task_id: str) -> None:
    """The search task ended (fetched, limited or failed): the campaign may search again."""
    SearchKeyword.objects.filter(pk=keyword_id, claim_task_id=task_id).update(
        claimed_until=None, claim_task_id=""
    )


# -- housekeeping --------------------------------------------------------------------------------------


def release_expired(now: datetime | None = None) -> dict[str, int]:
    """Clear claims whose holder never finished. A SENDING deal keeps its mark (and its person): the
    next task for it reads the live state before anything else."""
    now = now or timezone.now()
    expired = Q(claimed_until__lte=now)
    with transaction.atomic():
        deals = DealState.objects.filter(expired).update(claimed_until=None, claim_task_id="")
        people = PersonClaim.objects.filter(expired).update(claimed_until=None, task_id="")
    profiles = LinkedInProfile.objects.filter(enrich_claimed_until__lte=now).update(
        enrich_claimed_until=None, enrich_claim_task_id=""
    )
    keywords = SearchKeyword.objects.filter(expired).update(claimed_until=None, claim_task_id="")
    return {"deals": deals, "people": people, "profiles": profiles, "keywords": keywords}
