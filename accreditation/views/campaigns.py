"""Accreditation campaigns: Certif'Pro staff prepare and run them; organisations see the open ones."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from viewflow.urls import Application

from accreditation import selectors, services
from accreditation.models import ApplicationStatus, CampaignAudience, CampaignStatus
from accreditation.rules import CAMPAIGN_TRANSITIONS
from accreditation.views import applications as application_views
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import actor_of
from backoffice.core.feedback import reported
from backoffice.core.sorting import sorted_by

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
STAFF = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)


class CampaignForm(forms.Form):
    name = forms.CharField(label="Intitulé", max_length=200)
    certifications = forms.ModelMultipleChoiceField(
        label="Certifications", queryset=selectors.certifications()
    )
    opens_evaluator = forms.BooleanField(
        label="Ouverte aux organismes évaluateurs", required=False, initial=True
    )
    opens_trainer = forms.BooleanField(label="Ouverte aux organismes de formation", required=False)
    audience = forms.ChoiceField(
        label="Public", choices=CampaignAudience.choices, initial=CampaignAudience.BOTH
    )
    opens_on = forms.DateField(label="Ouverture des dépôts", widget=DATE)
    deadline = forms.DateField(label="Date limite de dépôt", widget=DATE)
    board_on = forms.DateField(label="Conseil d'administration", widget=DATE)
    fee_per_application = forms.DecimalField(label="Frais par dossier (€ HT)", min_value=0, initial=0)
    fee_per_site = forms.DecimalField(label="Frais par SIRET (€ HT)", min_value=0, initial=0)
    criteria = forms.CharField(
        label="Grille d'instruction (un critère par ligne, « libellé ; note maximale »)",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def clean_criteria(self) -> list[tuple[str, int]]:
        lines = [line.strip() for line in self.cleaned_data["criteria"].splitlines() if line.strip()]
        parsed = []
        for number, line in enumerate(lines, start=1):
            label, _, score = line.rpartition(";")
            try:
                parsed.append((label.strip(), int(score)) if label else (line, 5))
            except ValueError as bad:
                raise ValidationError(
                    f"Ligne {number} : la note maximale doit être un nombre entier."
                ) from bad
        return parsed


def _staff_only(user: Any) -> None:
    if not has_role(user, *STAFF):
        raise Http404


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    campaigns = selectors.campaigns_for(request.user).annotate(criteria_count=Count("criteria"))
    return render(
        request,
        "accreditation/campaigns/list.html",
        {
            "campaigns": campaigns.order_by("-opens_on", "-id")[:200],
            "is_staff": has_role(request.user, *STAFF),
        },
    )


def campaign_create(request: HttpRequest) -> HttpResponse:
    _staff_only(request.user)
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            campaign = services.create_campaign(
                **{key: data[key] for key in data if key != "criteria"},
                criteria=data["criteria"],
                actor=actor_of(request),
            )
            return HttpResponseRedirect(campaign.get_absolute_url())
        except (ValidationError, PermissionDenied) as error:
            for message in getattr(error, "messages", [str(error)]):
                form.add_error(None, message)
    return render(request, "accreditation/campaigns/form.html", {"form": form})


@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.get_campaign_for(request.user, pk)
    is_staff = has_role(request.user, *STAFF)
    moves = [
        (status, label)
        for status, label in (
            (CampaignStatus.OPEN, "Ouvrir aux dépôts"),
            (CampaignStatus.CLOSED, "Clore les dépôts"),
            (CampaignStatus.IN_REVIEW, "Commencer l'instruction"),
            (CampaignStatus.DECIDED, "Enregistrer la décision du conseil"),
            (CampaignStatus.ARCHIVED, "Archiver"),
        )
        if campaign.status in CAMPAIGN_TRANSITIONS[status][0]
    ]
    applications, counts = _applications_of(request, campaign) if is_staff else ([], [])
    return render(
        request,
        "accreditation/campaigns/detail.html",
        {
            "campaign": campaign,
            "applications": applications,
            "counts": counts,
            "statuses": ApplicationStatus.choices,
            "query": request.GET.get("q", ""),
            "status_filter": request.GET.get("statut", ""),
            "criteria": campaign.criteria.all(),
            "is_staff": is_staff,
            "moves": moves if is_staff else [],
            "accepts": campaign.accepts_applications(),
            "own_application": selectors.applications_for(request.user).filter(campaign=campaign).first()
            if not is_staff
            else None,
        },
    )


# The applications table's sortable columns: the name in `?tri=` → the field.
APPLICATION_COLUMNS = {"legal_name": "legal_name", "siren": "siren", "submitted_at": "submitted_at"}


def _applications_of(request: HttpRequest, campaign: Any) -> tuple[Any, list[tuple[str, int]]]:
    """The campaign's applications as searched and filtered, with their due dates, and the counts."""
    found = selectors.campaign_applications(
        request.user, campaign, query=request.GET.get("q", ""), status=request.GET.get("statut", "")
    )
    rows = list(sorted_by(found, request.GET, APPLICATION_COLUMNS, default="submitted_at")[:200])
    for row in rows:
        row.due_on = _due_on(row)
    return rows, selectors.application_counts(request.user, campaign)


def _due_on(application: Any) -> Any:
    """When the waiting party is due: the officers' check, or the organisation's answer."""
    if application.status == ApplicationStatus.SUBMITTED and application.check_due_at:
        # The check's clock, resumed after a request with the days that were left.
        return timezone.localtime(application.check_due_at).date()
    if application.status == ApplicationStatus.SUBMITTED and application.submitted_at:
        return timezone.localtime(application.submitted_at).date() + dt.timedelta(
            days=settings.APPLICATION_CHECK_DAYS
        )
    if application.status == ApplicationStatus.INFORMATION_REQUESTED:
        return application.answer_by
    return None


@require_POST
def campaign_move(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request.user)
    campaign = selectors.get_campaign_for(request.user, pk)
    target = request.POST.get("to", "")
    if target not in CAMPAIGN_TRANSITIONS:
        raise Http404
    with reported(request, f"Campagne « {CampaignStatus(target).label.lower()} »."):
        services.move_campaign(campaign, target, actor=actor_of(request))
    return HttpResponseRedirect(reverse("campagnes:detail", kwargs={"pk": pk}))


@require_POST
def criterion_add(request: HttpRequest, pk: int) -> HttpResponse:
    _staff_only(request.user)
    campaign = selectors.get_campaign_for(request.user, pk)
    with reported(request, "Le critère est ajouté à la grille."):
        try:
            max_score = int(request.POST.get("max_score", ""))
        except ValueError as bad:
            raise ValidationError("La note maximale doit être un nombre entier.") from bad
        services.add_criterion(
            campaign, label=request.POST.get("label", ""), max_score=max_score, actor=actor_of(request)
        )
    return HttpResponseRedirect(reverse("campagnes:detail", kwargs={"pk": pk}))


class CampaignsApp(Application):
    title = "Campagnes"
    icon = "campaign"
    app_name = "campagnes"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", campaign_list, name="index")
    create_path = path("nouvelle/", campaign_create, name="create")
    detail_path = path("<int:pk>/", campaign_detail, name="detail")
    move_path = path("<int:pk>/statut/", campaign_move, name="move")
    criterion_path = path("<int:pk>/criteres/", criterion_add, name="criterion")

    start_path = path("<int:pk>/candidater/", application_views.start, name="start_application")
    application_path = path("candidatures/<int:pk>/", application_views.summary, name="application")
    wizard = application_views.ApplicationWizard.as_view(url_name="application_step", done_step_name="fin")
    wizard_path = path("candidatures/<int:pk>/etape/", wizard, name="application_wizard")
    step_path = path("candidatures/<int:pk>/etape/<str:step>/", wizard, name="application_step")
    upload_path = path("candidatures/<int:pk>/pieces/", application_views.upload, name="application_upload")
    note_path = path("candidatures/<int:pk>/notes/", application_views.add_note, name="application_note")
    letter_path = path(
        "candidatures/<int:pk>/decision.pdf", application_views.decision_letter, name="application_letter"
    )
    document_path = path(
        "candidatures/pieces/<int:pk>/", application_views.document, name="application_document"
    )

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return has_role(user, *STAFF, Role.EVALUATOR_STAFF, Role.TRAINER_STAFF)
