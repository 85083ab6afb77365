"""The case files list and the file page, read through scoped selectors (404 outside scope)."""

from __future__ import annotations

import hashlib
from typing import Any

from django import forms
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.text import slugify
from django.views.decorators.http import require_GET, require_POST
from viewflow.urls import Application

from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import actor_of
from backoffice.core.audit.models import AuditEvent
from backoffice.core.exports.kinds import ExportKind
from backoffice.core.exports.lists import ExportableListView
from backoffice.core.feedback import reported
from backoffice.core.signing.models import SignedDocument, SignedKind
from backoffice.core.signing.stored import Seal
from backoffice.core.uploads import serve_stored_file
from backoffice.core.viewsets import ScopedDetailView, ScopedReadonlyViewset
from casefiles import selectors, services
from casefiles.documents import render_statement_of_acquisitions, statement_html
from casefiles.models import CaseFile, DocumentCategory
from casefiles.rules.holders import transmission_gaps
from casefiles.views import privacy as privacy_views


def _case_files(user: Any) -> QuerySet[CaseFile]:
    return selectors.case_files_for(user).order_by("-opened_on", "-id")


class CaseFileDetailView(ScopedDetailView):
    template_name = "casefiles/casefile_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        case_file = self.object
        context.update(
            grid=selectors.domain_grid(case_file),
            plans=selectors.training_plans_of(case_file),
            assessments=selectors.assessments_of(case_file),
            events=self._timeline(case_file),
            documents=selectors.documents_of(case_file),
            document_form=DocumentForm()
            if selectors.can_manage_documents(self.request.user, case_file)
            else None,
            expiry_warning=selectors.expiry_warning(case_file),
            transfer_sites=selectors.transfer_destinations(case_file) if case_file.is_open else [],
            may_export=has_role(self.request.user, *selectors.EXPORTING_ROLES),
            may_rectify=case_file.candidate.anonymised_on is None
            and has_role(self.request.user, *selectors.RECTIFYING_ROLES),
            # What the training-account system would miss to match the person, once certified.
            holder_gaps=[] if case_file.candidate.anonymised_on else transmission_gaps(case_file.candidate),
        )
        return context

    def _timeline(self, case_file: CaseFile) -> list[AuditEvent]:
        """The file's events and its candidate's (rectification, export, anonymisation), oldest first; the
        visit is recorded from them (once a day per person), so it costs no query but its own insert."""
        events = selectors.timeline_of(case_file)
        viewed = services.record_consultation(case_file, actor=actor_of(self.request), seen=events)
        return [*events, viewed] if viewed is not None else events


@require_GET
def statement_of_acquisitions(request: HttpRequest, pk: int) -> HttpResponse:
    """The attestation des acquis, as soon as the positioning is recorded; 404 outside scope."""
    case_file = selectors.get_case_file_for(request.user, pk)
    if case_file.positioned_on is None:
        raise Http404("L'évaluation préalable n'est pas encore enregistrée.")
    # Rendered from the file as it is (the positioning may be corrected), signed once per content and day:
    # the signed PDF is kept in the cache under the digest of what it says (no signature, no row of the
    # register, no call to the timestamp authority at each view).
    html = statement_html(case_file)
    key = f"statement:{case_file.pk}:{hashlib.sha256(html.encode()).hexdigest()}"
    signed = cache.get(key)
    if (
        signed is None
        or not SignedDocument.objects.filter(sha256=hashlib.sha256(signed).hexdigest()).exists()
    ):
        label = f"Attestation des acquis, dossier n° {case_file.pk}"
        signed = Seal(SignedKind.STATEMENT, str(case_file.pk), label).sign(
            render_statement_of_acquisitions(case_file, html)
        )
        cache.set(key, signed, timeout=24 * 60 * 60)
    response = HttpResponse(signed, content_type="application/pdf")
    name = slugify(f"attestation-acquis-{case_file.candidate.last_name}-{case_file.pk}")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


class DocumentForm(forms.Form):
    category = forms.ChoiceField(label="Catégorie", choices=DocumentCategory.choices)
    file = forms.FileField(label="Fichier (PDF, PNG ou JPEG)")


def _back_to_file(pk: int) -> HttpResponse:
    return HttpResponseRedirect(reverse("candidats:dossiers:detail", kwargs={"pk": pk}) + "#documents")


@require_POST
def upload_document(request: HttpRequest, pk: int) -> HttpResponse:
    """Join a document to a file of the user's scope (404 outside it); refusals come back as messages."""
    case_file = selectors.get_case_file_for(request.user, pk)
    form = DocumentForm(request.POST, request.FILES)
    with reported(request, "La pièce est ajoutée au dossier."):
        if not form.is_valid():
            raise ValidationError("Choisissez une catégorie et un fichier.")
        services.attach_document(
            case_file,
            upload=form.cleaned_data["file"],
            category=form.cleaned_data["category"],
            actor=actor_of(request),
        )
    return _back_to_file(pk)


@require_GET
def download_document(request: HttpRequest, pk: int) -> FileResponse:
    """A document of a file in the user's scope, else 404; never served from a public URL."""
    document = selectors.get_document_for(request.user, pk)
    extension = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}.get(
        document.content_type, "bin"
    )
    name = f"{slugify(document.original_name.rsplit('.', 1)[0]) or 'document'}.{extension}"
    # The type was read from the content at upload (PDF, PNG or JPEG): never HTML, never sniffed.
    return serve_stored_file(
        document.file,
        filename=name,
        content_type=document.content_type,
        missing="Le fichier de cette pièce est introuvable.",
    )


@require_POST
def delete_document(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.get_document_for(request.user, pk)
    with reported(request, "La pièce est retirée du dossier."):
        services.remove_document(document, actor=actor_of(request))
    return _back_to_file(document.case_file_id)


class CaseFileListView(ExportableListView):
    export_kinds = (ExportKind.CASE_FILES, ExportKind.ASSESSMENT_RESULTS)
    empty_message = "Aucun dossier."

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        if has_role(self.request.user, Role.EVALUATOR_STAFF, Role.ADMINISTRATOR):
            # The pathway's start and the imports are pages of upper floors: reached by name.
            context["empty_actions"] = [
                ("Ouvrez un dossier candidat", reverse("parcours:open_file:execute")),
                ("importez un fichier", reverse("imports:index")),
            ]
        return context


class CaseFileViewset(ScopedReadonlyViewset):
    model = CaseFile
    app_name = "dossiers"
    title = "Dossiers candidats"
    icon = "folder_shared"
    selector = _case_files
    list_columns = ("candidate", "certification", "evaluation_site", "state", "opened_on", "expires_on")
    list_search_fields = ("candidate__last_name", "candidate__first_name", "reference")
    list_filter_fields = ("state", "certification")
    list_view_class = CaseFileListView
    detail_view_class = CaseFileDetailView


class CaseFilesApp(Application):
    title = "Dossiers"
    icon = "folder_shared"
    app_name = "candidats"
    permission = "workflows.view_candidatepathwayprocess"
    base_template_name = "backoffice/base_page.html"
    viewsets = [CaseFileViewset()]

    # A candidate's personal data (casefiles/personal_data.py): /candidats/personnes/<id>/…
    personal_data_json_path = path(
        "personnes/<int:pk>/donnees-personnelles.json", privacy_views.export_json, name="personal_data_json"
    )
    personal_data_pdf_path = path(
        "personnes/<int:pk>/donnees-personnelles.pdf", privacy_views.export_pdf, name="personal_data_pdf"
    )
    rectify_path = path("personnes/<int:pk>/rectifier/", privacy_views.rectify, name="rectify_candidate")
