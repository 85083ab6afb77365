"""Import pages: upload, progress, preview and confirmation, result, error report, history, templates."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST
from viewflow.urls import Application

from backoffice.core.accounts.types import actor_of
from backoffice.core.feedback import reported
from backoffice.core.legacy.models import BatchStatus, LegacyBatch
from backoffice.core.sorting import sorted_by
from backoffice.core.uploads import serve_stored_file

from . import legacy, selectors, services
from .contracts import CONTRACTS, contract_for
from .models import LEGACY_CONTRACTS, Contract, ImportStatus

PAGE_SIZE = 50


# The history's sortable columns: the name in `?tri=` → the field.
IMPORT_COLUMNS = {
    "numero": "pk",
    "uploaded_at": "uploaded_at",
    "original_name": "original_name",
    "invalid_rows": "invalid_rows",
}


def _may_import(user: Any) -> bool:
    return bool(services.contracts_for(user))


@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """The upload form (the kinds of file this person may send) and the history of their scope."""
    allowed = services.contracts_for(request.user)
    jobs = sorted_by(selectors.imports_for(request.user), request.GET, IMPORT_COLUMNS, default="-uploaded_at")
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "contracts": [(key, Contract(key).label, CONTRACTS[key]) for key in allowed if key in CONTRACTS],
        "page": page,
        "selected": request.GET.get("type", ""),
        "legacy": legacy_may_run(request.user),
        "open_batches": selectors.batches_for(request.user).filter(status=BatchStatus.OPEN),
    }
    return TemplateResponse(request, "backoffice/imports/list.html", context)


@require_POST
def upload(request: HttpRequest) -> HttpResponse:
    contract = request.POST.get("contract", "")
    try:
        with transaction.atomic():  # a new batch for a refused file is not kept
            job = services.create_import(
                contract=contract,
                upload=request.FILES.get("file"),
                actor=actor_of(request),
                legacy_batch=_chosen_batch(request),
            )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        index = reverse("imports:index")
        return redirect(f"{index}?type={contract}" if contract in Contract.values else index)
    return redirect("imports:detail", pk=job.pk)


def _chosen_batch(request: HttpRequest) -> LegacyBatch | None:
    """The migration batch a supervisor sends the file into (files in progress come through the candidates and
    results imports of a batch): an open batch of theirs, a new one, or none (an ordinary import)."""
    chosen = request.POST.get("legacy_batch", "")
    if not chosen:
        return None
    if chosen == "nouveau":
        return legacy.open_batch(
            label=request.POST.get("batch_label", "") or "Reprise", actor=actor_of(request)
        )
    batch = selectors.batches_for(request.user).filter(
        status=BatchStatus.OPEN, pk=chosen if chosen.isdigit() else 0
    )
    found = batch.first()
    if found is None:
        raise ValidationError("Ce lot de reprise n'existe pas ou n'est plus ouvert.")
    return found


@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress while a worker runs; then the preview (counts, every error) or the result."""
    job = selectors.get_import_for(request.user, pk)
    errors = Paginator(job.row_errors.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "job": job,
        "progress": services.progress_of(job),
        "errors": errors,
        "nothing_to_do": job.status == ImportStatus.VALIDATED and job.new_rows + job.updated_rows == 0,
        "earlier": selectors.imports_for(request.user)
        .filter(sha256=job.sha256, status=ImportStatus.APPLIED, contract=job.contract)
        .exclude(pk=job.pk)
        .first(),
    }
    return TemplateResponse(request, "backoffice/imports/detail.html", context)


@require_GET
def import_state(request: HttpRequest, pk: int) -> JsonResponse:
    """Polled by the progress bar."""
    job = selectors.get_import_for(request.user, pk)
    return JsonResponse(
        {
            "status": job.status,
            "label": job.get_status_display(),
            "progress": services.progress_of(job),
            "running": job.is_running,
        }
    )


@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_import_for(request.user, pk)
    with reported(request, "Import confirmé : il s'applique en arrière-plan."):
        services.confirm_import(
            job, skip_invalid=request.POST.get("skip_invalid") == "1", actor=actor_of(request)
        )
    return redirect("imports:detail", pk=pk)


@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = selectors.get_import_for(request.user, pk)
    with reported(request, "Import abandonné : rien n'a été écrit."):
        services.cancel_import(job, actor=actor_of(request))
    return redirect("imports:detail", pk=pk)


@require_GET
def error_report(request: HttpRequest, pk: int) -> FileResponse:
    """The rejected rows as sent, with a reason column: fix them and upload the file again."""
    job = selectors.get_import_for(request.user, pk)
    if not job.error_report:
        raise Http404("Aucune ligne en erreur.")
    return serve_stored_file(
        job.error_report,
        filename=f"erreurs-import-{job.pk}.csv",
        content_type="text/csv; charset=utf-8",
        missing="Le rapport d'erreurs est introuvable.",
    )


@require_GET
def template_file(request: HttpRequest, contract: str, extension: str) -> HttpResponse:
    """An empty file with the contract's columns and one example row."""
    if contract not in services.contracts_for(request.user) or contract not in CONTRACTS:
        raise Http404
    if extension not in ("csv", "xlsx"):
        raise Http404
    spec = contract_for(contract)
    rows = [spec.template_header(), *spec.template_rows()]
    if extension == "xlsx":
        return _xlsx_response(rows, f"modele-{contract}.xlsx")
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows(rows)
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="modele-{contract}.csv"'
    return response


def _xlsx_response(rows: list[list[str]], filename: str) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("import")
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def batch_list(request: HttpRequest) -> HttpResponse:
    """The migration batches (supervisors): what each wrote, its files, whether it is live."""
    batches = selectors.batches_for(request.user)
    if not legacy_may_run(request.user):
        raise PermissionDenied
    rows = [(batch, legacy.batch_counts(batch)) for batch in batches[:PAGE_SIZE]]
    return TemplateResponse(request, "backoffice/imports/batches.html", {"rows": rows})


@require_GET
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)
    context = {
        "batch": batch,
        "counts": legacy.batch_counts(batch),
        "jobs": selectors.imports_of_batch(batch),
    }
    return TemplateResponse(request, "backoffice/imports/batch_detail.html", context)


@require_POST
def batch_undo(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)
    with reported(request, "Lot de reprise annulé : tout ce qu'il avait écrit est supprimé."):
        _ensure_confirmed(request)
        legacy.undo_batch(batch, actor=actor_of(request))
    return redirect("imports:batch", pk=pk)


@require_POST
def batch_live(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.get_batch_for(request.user, pk)
    with reported(request, "Lot de reprise mis en service : il ne peut plus être annulé."):
        _ensure_confirmed(request)
        legacy.declare_live(batch, actor=actor_of(request))
    return redirect("imports:batch", pk=pk)


def _ensure_confirmed(request: HttpRequest) -> None:
    if request.POST.get("confirm") != "1":
        raise ValidationError("Cochez la case de confirmation : rien n'a été fait.")


def legacy_may_run(user: Any) -> bool:
    return any(contract in LEGACY_CONTRACTS for contract in services.contracts_for(user))


class ImportsApp(Application):
    title = "Imports"
    icon = "upload_file"
    app_name = "imports"
    menu_template_name = None
    base_template_name = "backoffice/base_page.html"

    index_path = path("", import_list, name="index")
    upload_path = path("deposer/", upload, name="upload")
    template_path = path("modele/<str:contract>.<str:extension>", template_file, name="template")
    detail_path = path("<int:pk>/", import_detail, name="detail")
    state_path = path("<int:pk>/etat/", import_state, name="state")
    confirm_path = path("<int:pk>/confirmer/", confirm, name="confirm")
    cancel_path = path("<int:pk>/abandonner/", cancel, name="cancel")
    report_path = path("<int:pk>/erreurs.csv", error_report, name="report")
    batches_path = path("reprise/", batch_list, name="batches")
    batch_path = path("reprise/<int:pk>/", batch_detail, name="batch")
    batch_undo_path = path("reprise/<int:pk>/annuler/", batch_undo, name="batch_undo")
    batch_live_path = path("reprise/<int:pk>/mettre-en-service/", batch_live, name="batch_live")

    def has_view_permission(self, user: Any, obj: Any = None) -> bool:
        return _may_import(user)
