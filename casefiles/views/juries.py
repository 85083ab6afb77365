"""The jury pages: sessions of the user's regions, their agenda, each file's examination and the decisions.

Every page reads through a scoped selector (404 outside the user's regions); every action is one service call
whose French refusal comes back as a message.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST
from viewflow.urls import Application

from accreditation.models import Region
from accreditation.selectors import regions_for
from backoffice.core.accounts.models import User
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import actor_of
from backoffice.core.exports.kinds import ExportKind
from backoffice.core.exports.lists import export_links
from backoffice.core.feedback import reported
from backoffice.core.sorting import sorted_by
from backoffice.core.uploads import serve_stored_file
from casefiles import selectors, services
from casefiles.models import (
    AgendaItem,
    College,
    Decision,
    JurySession,
    JurySessionStatus,
)
from casefiles.services.decisions import store_minutes
from casefiles.services.sessions import ensure_officer_of_region

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PlanSessionForm(forms.Form):
    region = forms.ModelChoiceField(label="Région", queryset=Region.objects.none())
    held_on = forms.DateField(label="Date de la session", widget=DATE)
    place = forms.CharField(label="Lieu", max_length=200, required=False)
    remote = forms.BooleanField(label="À distance", required=False)
    employers = forms.ModelMultipleChoiceField(label="Collège employeurs", queryset=User.objects.none())
    employees = forms.ModelMultipleChoiceField(label="Collège salariés", queryset=User.objects.none())
    president = forms.ModelChoiceField(label="Président·e", queryset=User.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["region"]).queryset = regions_for(user)  # by name
        for name in ("employers", "employees", "president"):
            cast(forms.ModelChoiceField, self.fields[name]).queryset = selectors.jury_members_for(user)

    def members(self) -> list[tuple[Any, str]]:
        data = self.cleaned_data
        return [(u, College.EMPLOYERS) for u in data["employers"]] + [
            (u, College.EMPLOYEES) for u in data["employees"]
        ]


def _is_officer(user: Any, session: JurySession) -> bool:
    try:
        ensure_officer_of_region(user, session.region_id)
    except PermissionDenied:
        return False
    return True


def _ids(values: list[str]) -> list[int]:
    """Integers among posted values; anything else is ignored (bad input never crashes)."""
    ids = []
    for value in values:
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            continue
    return ids


def _to_session(pk: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("jurys:session", kwargs={"pk": pk}))


def _to_item(pk: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("jurys:item", kwargs={"pk": pk}))


@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    sessions = sorted_by(
        selectors.jury_session_list_for(request.user),
        request.GET,
        {"held_on": "held_on", "region": "region__name", "place": "place"},
        default="-held_on",
    )
    can_plan = has_role(request.user, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
    return render(
        request,
        "casefiles/juries/session_list.html",
        {
            "sessions": sessions[:200],
            "can_plan": can_plan,
            "exports": export_links(request.GET, ExportKind.JURY_DECISIONS),
        },
    )


def plan(request: HttpRequest) -> HttpResponse:
    if not has_role(request.user, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise Http404
    form = PlanSessionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            session = services.plan_session(
                region=form.cleaned_data["region"],
                held_on=form.cleaned_data["held_on"],
                place=form.cleaned_data["place"],
                remote=form.cleaned_data["remote"],
                members=form.members(),
                president=form.cleaned_data["president"],
                actor=actor_of(request),
            )
            return _to_session(session.pk)
        except (ValidationError, PermissionDenied) as error:
            for message in getattr(error, "messages", [str(error)]):
                form.add_error(None, message)
    return render(request, "casefiles/juries/plan.html", {"form": form})


@require_GET
def session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_jury_session_for(request.user, pk)
    agenda = selectors.agenda_of(session)
    is_officer = _is_officer(request.user, session)
    context = {
        "session": session,
        "members": selectors.members_of(session),
        "agenda": agenda,
        "is_officer": is_officer,
        "seat": selectors.seat_of(session, request.user),
        "files_to_add": selectors.files_to_add(session)[:200]
        if is_officer and session.status == JurySessionStatus.PLANNED
        else [],
        "recommended_left": selectors.recommended_to_decide(session).count(),
        "exports": export_links(QueryDict(f"session={session.pk}"), ExportKind.JURY_DECISIONS),
    }
    return render(request, "casefiles/juries/session_detail.html", context)


@require_POST
def add_file(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_jury_session_for(request.user, pk)
    picked = _ids([request.POST.get("case_file", "")])
    case_file = selectors.case_file_by_pk(picked[0]) if picked else None
    with reported(request, "Le dossier est inscrit à l'ordre du jour."):
        if case_file is None:
            raise ValidationError("Choisissez un dossier.")
        services.add_to_agenda(session, case_file, actor=actor_of(request))
    return _to_session(pk)


@require_POST
def remove_file(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_agenda_item_for(request.user, pk)
    with reported(request, "Le dossier est retiré de l'ordre du jour."):
        services.remove_from_agenda(item, actor=actor_of(request))
    return _to_session(item.session_id)


@require_POST
def check_file(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_agenda_item_for(request.user, pk)
    with reported(request, "L'avis de l'instruction est enregistré."):
        services.check_agenda_item(
            item,
            recommended=request.POST.get("recommended") == "1",
            note=request.POST.get("note", "")[:1000],
            actor=actor_of(request),
        )
    return _to_session(item.session_id)


@require_POST
def open_session(request: HttpRequest, pk: int) -> HttpResponse:
    session = selectors.get_jury_session_for(request.user, pk)
    present = selectors.members_among(session, _ids(request.POST.getlist("present")))
    with reported(request, "La session est ouverte."):
        services.open_session(session, present=list(present), actor=actor_of(request))
    return _to_session(pk)


def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_agenda_item_for(request.user, pk)
    seat = selectors.seat_of(item.session, request.user)
    declaration = selectors.declaration_of(item, seat) if seat else None
    if seat is None and not _is_officer(request.user, item.session):
        raise Http404
    # A member sees the file only once they declared no conflict of interest.
    show_file = seat is None or (declaration is not None and not declaration.recused)
    context: dict[str, Any] = {
        "item": item,
        "session": item.session,
        "seat": seat,
        "declaration": declaration,
    }
    if seat is not None and declaration is None and item.session.status == JurySessionStatus.OPEN:
        context["conflict"] = selectors.conflict_of(seat, item.case_file)
    if show_file:
        context.update(_file_context(item))
    return render(request, "casefiles/juries/item_detail.html", context)


def _file_context(item: AgendaItem) -> dict[str, Any]:
    recused = selectors.recused_ids(item)
    voters = selectors.voters_for(item) if item.session.status == JurySessionStatus.OPEN else []
    return {
        "case_file": item.case_file,
        "grid": selectors.domain_grid(item.case_file),  # with each sub-domain's verdict source
        "assessments": selectors.assessments_of(item.case_file),
        "voters": voters,
        "not_voting": [m for m in selectors.present_members(item.session) if m not in voters],
        "recused_ids": recused,
        "declared_ids": selectors.declared_ids(item),
        "choices": Decision.choices,
        "rounds": selectors.vote_rounds(item),
    }


@require_POST
def declare(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_agenda_item_for(request.user, pk)
    recused = request.POST.get("recused") == "1"
    with reported(request, "Vous vous êtes récusé·e." if recused else "Déclaration enregistrée."):
        services.declare_interest(item, recused=recused, actor=actor_of(request))
    return _to_item(pk)


@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_agenda_item_for(request.user, pk)
    votes: dict[int, str] = {}
    for key, value in request.POST.items():
        member_id = _ids([key.removeprefix("vote_")]) if key.startswith("vote_") and value else []
        if member_id and isinstance(value, str):  # a posted field's last value (always a string)
            votes[member_id[0]] = value
    try:
        decided = services.decide(
            item,
            votes=votes,
            reason=request.POST.get("reason", "")[:1000],
            actor=actor_of(request),
            stated_at_table=_ids(request.POST.getlist("stated")),
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        if decided.decision:
            messages.success(request, "La décision est enregistrée.")
        else:
            messages.warning(
                request,
                "Aucune majorité : rien n'est décidé. Votez un nouveau tour, ou ajournez le dossier "
                "à une prochaine session.",
            )
    return _to_item(pk)


@require_POST
def adjourn(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.get_agenda_item_for(request.user, pk)
    with reported(request, "Le dossier est ajourné : il sera examiné lors d'une prochaine session."):
        services.adjourn_item(item, reason=request.POST.get("reason", "")[:1000], actor=actor_of(request))
    return _to_item(pk)


def award_recommended(request: HttpRequest, pk: int) -> HttpResponse:
    """A confirmation page listing the recommended files, then the unanimous award on POST."""
    session = selectors.get_jury_session_for(request.user, pk)
    if request.method == "POST":
        try:
            awarded, skipped = services.award_recommended(
                session, actor=actor_of(request), members_declared=request.POST.get("members_declared") == "1"
            )
        except (ValidationError, PermissionDenied) as error:
            skipped, awarded = list(getattr(error, "messages", [str(error)])), 0
        return render(
            request,
            "casefiles/juries/award_recommended.html",
            {"session": session, "done": True, "awarded": awarded, "skipped": skipped},
        )
    items = selectors.recommended_to_decide(session)
    return render(request, "casefiles/juries/award_recommended.html", {"session": session, "items": items})


@require_GET
def minutes(request: HttpRequest, pk: int) -> FileResponse:
    """The closed session's procès-verbal, rendered now if the worker has not yet done it."""
    session = selectors.get_jury_session_for(request.user, pk)
    if session.status != JurySessionStatus.CLOSED:
        raise Http404("Le procès-verbal n'est pas encore établi.")
    if not session.minutes:  # rendered by this request, or by the job in the meantime
        store_minutes(session.pk)
        session.refresh_from_db(fields=["minutes"])
    return serve_stored_file(
        session.minutes,
        filename=f"proces-verbal-jury-{session.region.code}-{session.held_on:%Y-%m-%d}.pdf",
        content_type="application/pdf",
        missing="Le procès-verbal est introuvable.",
    )


class JuriesApp(Application):
    """The jury pages. Closing a session moves the candidates' pathways on: that page (`jurys:close`) belongs
    to the pathway process (`workflows/pathway/pages.py`), and the site adds it (`backoffice/urls.py`)."""

    title = "Jurys"
    icon = "gavel"
    app_name = "jurys"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", session_list, name="index")
    plan_path = path("planifier/", plan, name="plan")
    session_path = path("<int:pk>/", session_detail, name="session")
    add_path = path("<int:pk>/ajouter/", add_file, name="add_file")
    open_path = path("<int:pk>/ouvrir/", open_session, name="open")
    award_path = path("<int:pk>/attribuer-recommandes/", award_recommended, name="award_recommended")
    minutes_path = path("<int:pk>/proces-verbal.pdf", minutes, name="minutes")
    item_path = path("dossiers/<int:pk>/", item_detail, name="item")
    remove_path = path("dossiers/<int:pk>/retirer/", remove_file, name="remove_file")
    check_path = path("dossiers/<int:pk>/instruction/", check_file, name="check_file")
    declare_path = path("dossiers/<int:pk>/declaration/", declare, name="declare")
    decide_path = path("dossiers/<int:pk>/decision/", decide, name="decide")
    adjourn_path = path("dossiers/<int:pk>/ajourner/", adjourn, name="adjourn")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return has_role(user, Role.JURY_MEMBER, Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
