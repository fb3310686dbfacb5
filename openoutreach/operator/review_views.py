"""The review page (/admin/review/<campaign>/): one waiting lead at a time, decided on one key.

The page is rendered once; after that the browser posts each answer (f fits, d does not fit, s skip,
u undo) and gets the next card back as an HTML fragment in the same JSON response, so deciding never
reloads the page. Decisions go through `decisions.decide` (as the admin's do). What belongs to this
operator's session (what they skipped, what they can undo, how many they decided) lives in the Django
session, per campaign; everything else is read from the database on every request, so two operators
see each other's decisions at once, and the second to answer on the same lead is told it was taken.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from openoutreach.outreach.models import Campaign, Qualification

from . import decisions, profile_summary, review_queue

ANSWERS = {"fits": 1, "no_fit": 0}
UNDO_DEPTH = 100


class Session:
    """This operator's review of one campaign, kept in the Django session."""

    def __init__(self, request: HttpRequest, campaign_id: int):
        self.request = request
        self.key = f"oo-review-{campaign_id}"
        self.data = request.session.get(self.key) or {"decided_at": [], "skipped": [], "undo": []}

    def save(self) -> None:
        self.data["undo"] = self.data["undo"][-UNDO_DEPTH:]
        self.request.session[self.key] = self.data

    @property
    def skipped(self) -> list[int]:
        return self.data["skipped"]

    def decided(self, before: decisions.Before) -> None:
        self.data["decided_at"].append(timezone.now().isoformat())
        self.data["undo"].append({"kind": "decide", "before": before.as_dict()})

    def skip(self, qualification_id: int) -> None:
        self.skipped.append(qualification_id)
        self.data["undo"].append({"kind": "skip", "id": qualification_id})

    def pop_undo(self) -> dict | None:
        return self.data["undo"].pop() if self.data["undo"] else None

    def decided_at(self) -> list:
        return [parse_datetime(at) for at in self.data["decided_at"]]


def _campaign(campaign_id: int) -> Campaign:
    return get_object_or_404(Campaign.objects.select_related("department"), pk=campaign_id)


def _state(request: HttpRequest, campaign: Campaign, session: Session, first: int | None = None) -> dict:
    """The next card (or `first`, the lead an undo brought back) and the progress, as the page shows them."""
    rows = review_queue.queue(campaign.pk, exclude=session.skipped)
    row = rows.filter(pk=first).first() if first else None
    row = row or rows.first()
    progress = review_queue.Progress(
        len(session.data["decided_at"]), len(session.skipped), review_queue.waiting(campaign.pk).count()
    )
    loop = review_queue.loop(campaign)
    context = {
        "campaign": campaign,
        "card": review_queue.card(row) if row else None,
        "profile": profile_summary.render(row.lead, campaigns=False) if row else "",
        "progress": progress,
        "loop": loop,
        "decided_since_run": loop.decided_since_run(session.decided_at()),
    }
    return {
        "id": row.pk if row else None,
        "card": render_to_string("operator/review_card.html", context, request),
        "progress": progress.line(),
        "loop": render_to_string("operator/review_loop.html", context, request),
        "context": context,
    }


def index(request: HttpRequest) -> HttpResponse:
    """Every campaign with the number of leads waiting; the dashboard and the admin menu link here."""
    counts = review_queue.waiting_counts()
    campaigns = [(c, counts.get(c.pk, 0)) for c in Campaign.objects.select_related("department")]
    context = {**admin.site.each_context(request), "title": "Review", "campaigns": campaigns}
    return render(request, "operator/review_index.html", context)


def page(request: HttpRequest, campaign_id: int) -> HttpResponse:
    campaign = _campaign(campaign_id)
    session = Session(request, campaign.pk)
    state = _state(request, campaign, session)
    context = {
        **admin.site.each_context(request),
        **state["context"],
        "title": f"Review: {campaign.name}",
        "card_html": state["card"],
        "loop_html": state["loop"],
        "card_id": state["id"],
    }
    return render(request, "operator/review.html", context)


def _reply(request, campaign, session, message: str, *, taken: bool = False, first: int | None = None):
    session.save()
    state = _state(request, campaign, session, first)
    return JsonResponse(
        {
            "message": message,
            "taken": taken,
            "id": state["id"],
            "card": state["card"],
            "progress": state["progress"],
            "loop": state["loop"],
        }
    )


@require_POST
def answer(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """POST id=<qualification id> answer=fits|no_fit|skip: record it, reply with the next card."""
    campaign = _campaign(campaign_id)
    session = Session(request, campaign.pk)
    choice = request.POST.get("answer", "")
    try:
        row_id = int(request.POST.get("id", ""))
    except ValueError:
        return HttpResponseBadRequest("id must be the number of the lead's qualification row")
    if choice not in (*ANSWERS, "skip"):
        return HttpResponseBadRequest(f"answer must be fits, no_fit or skip, not {choice!r}")
    row = get_object_or_404(Qualification.objects.select_related("lead"), pk=row_id, campaign=campaign)
    name = f"{row.lead.first_name} {row.lead.last_name}".strip()
    if choice == "skip":
        session.skip(row.pk)
        return _reply(request, campaign, session, f"Skipped {name}.")
    who = request.user.get_username()
    try:
        outcome = decisions.decide(row, ANSWERS[choice], who, only_waiting=True)
    except decisions.Taken as exc:
        return _reply(request, campaign, session, f"{name} was taken meanwhile — {exc}.", taken=True)
    session.decided(outcome.before)
    return _reply(
        request, campaign, session, f"{name}: {decisions.WORDS[outcome.row.label]}; {outcome.note}."
    )


@require_POST
def undo(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Undo this operator's last answer in this campaign; the lead it concerned is shown again."""
    campaign = _campaign(campaign_id)
    session = Session(request, campaign.pk)
    last = session.pop_undo()
    if last is None:
        return _reply(request, campaign, session, "Nothing to undo.")
    if last["kind"] == "skip":
        if last["id"] in session.skipped:
            session.skipped.remove(last["id"])
        return _reply(request, campaign, session, "Skip undone.", first=last["id"])
    before = decisions.Before.from_dict(last["before"])
    try:
        outcome = decisions.undo(before, request.user.get_username())
    except decisions.Taken as exc:
        return _reply(request, campaign, session, f"Could not undo: {exc}.", taken=True)
    if session.data["decided_at"]:
        session.data["decided_at"].pop()
    return _reply(request, campaign, session, f"Undone: {outcome.note}.", first=before.qualification_id)


@require_POST
def restart(request: HttpRequest, campaign_id: int) -> HttpResponse:
    """Bring this operator's skipped leads back into the queue."""
    campaign = _campaign(campaign_id)
    session = Session(request, campaign.pk)
    session.skipped.clear()
    session.data["undo"] = [u for u in session.data["undo"] if u["kind"] != "skip"]
    return _reply(request, campaign, session, "Skipped leads are back in the queue.")


def not_an_admin(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Where DjangoCRM's middleware sends non-superusers who asked for a review page (/crm/review/...)."""
    if not request.user.is_authenticated:
        return redirect_to_login(f"{reverse('operator:review-index')}{rest}", settings.LOGIN_URL)
    return HttpResponseForbidden("The review pages are for OpenOutreach administrators (superusers).")
