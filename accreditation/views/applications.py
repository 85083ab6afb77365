"""The organisations' application wizard (django-formtools, one step per page, the draft kept in the database)
and the application's summary page, where documents are joined and the application is submitted."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from formtools.wizard.storage.base import BaseStorage
from formtools.wizard.views import NamedUrlWizardView

from accreditation import rules, selectors, services
from accreditation.events import ApplicationEvent
from accreditation.forms.applications import SECTION_OF_STEP, STEPS, content_from
from accreditation.models import (
    AccreditationApplication,
    ApplicationDocumentCategory,
    ApplicationStatus,
)
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import actor_of
from backoffice.core.audit.events import timeline
from backoffice.core.feedback import reported
from backoffice.core.uploads import serve_stored_file


class ApplicationDraftStorage(BaseStorage):
    """The wizard's state lives in the application's `draft`: it survives the session, on any device."""

    def __init__(self, prefix: str, request: Any = None, file_storage: Any = None) -> None:
        super().__init__(prefix, request, file_storage)
        self.application: AccreditationApplication = request.wizard_application
        self._data = dict(self.application.draft or {})
        if not self._data:
            self.init_data()

    def _get_data(self) -> dict[str, Any]:
        return self._data

    def _set_data(self, value: dict[str, Any]) -> None:
        self._data = value

    data = property(_get_data, _set_data)

    def reset(self) -> None:  # formtools resets after `done`: the content is saved, the draft stays for edits
        pass

    def update_response(self, response: Any) -> None:
        super().update_response(response)
        if self.request.method == "POST":
            services.save_draft(self.application, draft=self._data, actor=actor_of(self.request))


class ApplicationWizard(NamedUrlWizardView):
    form_list = [(name, form) for name, form, _ in STEPS]
    storage_name = "accreditation.views.applications.ApplicationDraftStorage"
    template_name = "accreditation/applications/wizard.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        application = selectors.get_application_for(request.user, kwargs["pk"])
        try:
            services.ensure_organisation_staff(actor_of(request), application.organisation)
        except PermissionDenied as outsider:
            raise Http404 from outsider
        if application.status not in (ApplicationStatus.DRAFT, ApplicationStatus.INFORMATION_REQUESTED):
            return HttpResponseRedirect(application.get_absolute_url())
        self.editable = rules.editable_sections(application)
        if not self.editable:
            messages.error(request, FROZEN)
            return HttpResponseRedirect(application.get_absolute_url())
        request.wizard_application = application  # type: ignore[attr-defined]
        self.application = application
        return super().dispatch(request, *args, **kwargs)

    def get_form_list(self) -> Any:
        """After the deadline, only the steps whose section the request reopens (the service checks it)."""
        steps = super().get_form_list()
        for step in [s for s in steps if SECTION_OF_STEP[s] not in self.editable]:
            del steps[step]
        return steps

    def get(self, *args: Any, **kwargs: Any) -> HttpResponse:
        self._keep_to_editable_steps()
        return super().get(*args, **kwargs)

    def _keep_to_editable_steps(self) -> None:
        # The draft may stand at a step that the deadline has frozen since.
        if self.storage.current_step not in self.get_form_list():
            self.storage.current_step = self.steps.first

    def get_prefix(self, request: HttpRequest, *args: Any, **kwargs: Any) -> str:
        return f"application_{kwargs['pk']}"

    def get_step_url(self, step: str) -> str:
        return reverse("campagnes:application_step", kwargs={"pk": self.application.pk, "step": step})

    def get_form_kwargs(self, step: str | None = None) -> dict[str, Any]:
        context = {"organisation": self.application.organisation, "campaign": self.application.campaign}
        form_class = self.get_form_list()[step or self.steps.current]
        return {"form_kwargs": context} if hasattr(form_class, "management_form") else context

    def get_form_initial(self, step: str) -> Any:
        if step == "etablissements":  # the organisation's known establishments, to keep or correct
            sites = self.application.organisation.sites.select_related("department").order_by("siret")
            return [
                {
                    "siret": site.siret,
                    "name": site.name,
                    "address": site.address,
                    "postcode": site.postcode,
                    "city": site.city,
                    "departments": site.department.code,
                }
                for site in sites
            ] or None
        return super().get_form_initial(step)

    def get_context_data(self, form: Any, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(form=form, **kwargs)
        titles = {name: title for name, _, title in STEPS}
        context.update(
            application=self.application,
            step_title=titles[self.steps.current],
            step_titles=[(name, titles[name]) for name in self.get_form_list()],
            is_formset=hasattr(form, "management_form"),
        )
        return context

    def post(self, *args: Any, **kwargs: Any) -> HttpResponse:
        self._keep_to_editable_steps()
        posted_step = self.request.POST.get(f"{self.prefix}-current_step", "")
        if posted_step in SECTION_OF_STEP and posted_step not in self.get_form_list():
            messages.error(self.request, FROZEN)
            return HttpResponseRedirect(self.application.get_absolute_url())
        if "add_row" in self.request.POST:  # one more site or person, without JavaScript
            data = self.request.POST.copy()
            total = f"{self.get_form_prefix()}-TOTAL_FORMS"
            rows = data.get(total, "1")
            data[total] = str(min(int(rows) if rows.isdecimal() else 1, 49) + 1)
            return self.render(self.get_form(data=data))
        return super().post(*args, **kwargs)

    def done(self, form_list: Any, form_dict: dict[str, Any], **kwargs: Any) -> HttpResponse:
        content = content_from(form_dict, base=self.application.content)
        with reported(self.request, "Le dossier est enregistré."):
            services.save_content(self.application, content=content, actor=actor_of(self.request))
        return HttpResponseRedirect(self.application.get_absolute_url())


FROZEN = (
    "La date limite de dépôt est passée : seules les pièces, réponses et parties du dossier que la demande "
    "de complément nomme peuvent être fournies."
)


@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    """Start (or resume) the organisation's application to an open campaign."""
    campaign = selectors.get_campaign_for(request.user, pk)
    with reported(request, "Votre dossier de candidature est ouvert : il est enregistré à chaque étape."):
        application = services.start_application(campaign, actor=actor_of(request))
        return HttpResponseRedirect(reverse("campagnes:application_wizard", kwargs={"pk": application.pk}))
    return HttpResponseRedirect(reverse("campagnes:detail", kwargs={"pk": pk}))


@require_GET
def summary(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for(request.user, pk)
    is_draft = application.status == ApplicationStatus.DRAFT
    reopened = application.status == ApplicationStatus.INFORMATION_REQUESTED
    own = _is_own_staff(request.user, application)
    allowed = rules.requested_documents(application)
    return render(
        request,
        "accreditation/applications/summary.html",
        {
            "application": application,
            "content": application.content,
            "documents": application.documents.select_related("uploaded_by"),
            "categories": [(c, label) for c, label in ApplicationDocumentCategory.choices if c in allowed],
            "problems": selectors.submission_problems(application) if is_draft else [],
            "editable": (is_draft or reopened) and own,
            "is_staff": has_role(request.user, *STAFF),
            "checks": selectors.checklist(application) if has_role(request.user, *STAFF) else [],
            "notes": application.notes.select_related("author") if has_role(request.user, *STAFF) else [],
            "events": timeline(application)
            if has_role(request.user, *STAFF)
            else timeline(application).filter(verb__in=ORGANISATION_EVENTS),
            "answerable": reopened and own,
            "content_editable": bool(rules.editable_sections(application)),
            "frozen": rules.is_frozen(application),
            "requested_items": rules.requested_labels(application.requested) if reopened else [],
            "questions": application.requested.get("questions", []) if reopened else [],
        },
    )


@require_GET
def decision_letter(request: HttpRequest, pk: int) -> FileResponse:
    """The board's decision letter, rendered now if the worker has not yet done it."""
    application = selectors.get_application_for(request.user, pk)
    if application.status != ApplicationStatus.DECIDED:
        raise Http404("La décision n'est pas encore prise.")
    if not application.decision_letter:  # rendered by this request, or by the job in the meantime
        services.store_decision_letter(application.pk)
        application.refresh_from_db(fields=["decision_letter"])
    return serve_stored_file(
        application.decision_letter,
        filename=f"decision-{application.siren}-{application.campaign_id}.pdf",
        content_type="application/pdf",
        missing="La lettre de décision est introuvable.",
    )


def _is_own_staff(user: Any, application: AccreditationApplication) -> bool:
    try:
        services.ensure_organisation_staff(user, application.organisation)
    except PermissionDenied:
        return False
    return True


@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for(request.user, pk)
    with reported(request, "La pièce est ajoutée au dossier."):
        services.attach_application_document(
            application,
            upload=request.FILES.get("file"),
            category=request.POST.get("category", ""),
            actor=actor_of(request),
        )
    return HttpResponseRedirect(application.get_absolute_url() + "#documents")


STAFF = (Role.CASE_OFFICER, Role.SUPERVISOR, Role.ADMINISTRATOR)
# What the organisation is told; the internal review (scores, proposal, notes) stays with Certif'Pro.
ORGANISATION_EVENTS = [
    ApplicationEvent.STARTED,
    ApplicationEvent.COMPLETED,
    ApplicationEvent.DOCUMENT_ADDED,
    ApplicationEvent.SUBMITTED,
    ApplicationEvent.INFORMATION_REQUESTED,
    ApplicationEvent.INFORMATION_PROVIDED,
    ApplicationEvent.REQUEST_EXPIRED,
    ApplicationEvent.DECIDED,
]


@require_POST
def add_note(request: HttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for(request.user, pk)
    if not has_role(request.user, *STAFF):
        raise Http404
    with reported(request, "La note interne est enregistrée."):
        services.add_internal_note(application, text=request.POST.get("text", ""), actor=actor_of(request))
    return HttpResponseRedirect(application.get_absolute_url() + "#notes")


@require_GET
def document(request: HttpRequest, pk: int) -> FileResponse:
    """A document of an application the user may see (their organisation's, or any for staff), else 404."""
    document = selectors.get_application_document_for(request.user, pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("Le fichier de cette pièce est introuvable.") from missing
    response = FileResponse(handle, content_type=document.content_type, filename=document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
