"""Everything held about one candidate (right of access, GDPR art. 15): identity, files, steps, results,
jury decisions, certificates, the list of documents and the audit events about them — as one dictionary,
rendered as JSON or as a PDF from the same data so both say the same."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

from backoffice.core.audit.models import AuditEvent
from casefiles.rules.holders import birthplace_shown

from .events import CandidateEvent, CaseFileEvent, CertificateEvent, JuryEvent
from .models import (
    AgendaItem,
    Assessment,
    Candidate,
    CaseFile,
    CaseFileDocument,
    Certificate,
    DomainAcquisition,
    TrainingPlan,
)

# Sections the layers above casefiles add about the person (surveys: invited, answered), registered by their
# AppConfig.ready(): casefiles never imports them.
EXTRA_SECTIONS: list[Callable[[Candidate], dict[str, Any]]] = []

EVENT_LABELS: dict[str, str] = {
    str(choice.value): str(choice.label)
    for events in (CaseFileEvent, JuryEvent, CertificateEvent, CandidateEvent)
    for choice in events
}


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _moment(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _person(user: Any) -> str | None:
    return str(user) if user is not None else None


def events_about(candidate: Candidate, case_file_ids: list[int]) -> Any:
    """The audit events whose subject is the candidate or one of their files, oldest first."""
    file_type = ContentType.objects.get_for_model(CaseFile, for_concrete_model=False)
    candidate_type = ContentType.objects.get_for_model(Candidate, for_concrete_model=False)
    condition = Q(subject_type=candidate_type, subject_id=str(candidate.pk)) | Q(
        subject_type=file_type, subject_id__in=[str(pk) for pk in case_file_ids]
    )
    return AuditEvent.objects.filter(condition).order_by("occurred_at", "id")


def subject_access_data(candidate: Candidate) -> dict[str, Any]:
    """What the back-office holds about `candidate`, in French keys, ready for JSON."""
    files = list(
        CaseFile.objects.filter(candidate=candidate)
        .select_related("certification", "evaluation_site", "framework_version")
        .order_by("opened_on", "pk")
    )
    ids = [f.pk for f in files]
    related = _related(ids)
    data = {
        "genere_le": _moment(timezone.now()),
        "candidat": _identity(candidate),
        "dossiers": [_case_file(f, related[f.pk]) for f in files],
        "evenements": [
            {
                "date": _moment(e.occurred_at),
                "evenement": EVENT_LABELS.get(e.verb, e.verb),
                "resume": e.summary,
                "auteur": e.actor_label,
            }
            for e in events_about(candidate, ids)
        ],
    }
    for section in EXTRA_SECTIONS:
        data.update(section(candidate))
    return data


def _identity(candidate: Candidate) -> dict[str, Any]:
    return {
        "numero": candidate.pk,
        "nom": candidate.last_name,
        "prenom": candidate.first_name,
        "nom_de_naissance": candidate.birth_name,
        "deuxieme_prenom": candidate.first_name_2,
        "troisieme_prenom": candidate.first_name_3,
        "date_naissance": _day(candidate.birth_date),
        "commune_de_naissance": birthplace_shown(
            commune_code=candidate.birth_commune_code, country_code="", birth_date=candidate.birth_date
        ),
        "pays_de_naissance": birthplace_shown(
            commune_code="", country_code=candidate.birth_country_code, birth_date=None
        ),
        "sexe": candidate.get_sex_display(),
        "email": candidate.email,
        "telephone": candidate.phone,
        "code_postal": candidate.postcode,
        "statut": candidate.get_status_display(),
        "secteur": candidate.sector,
        "cree_le": _moment(candidate.created_at),
        "anonymise_le": _day(candidate.anonymised_on),
    }


def _related(ids: list[int]) -> dict[int, dict[str, list[Any]]]:
    """The rows hanging from the files, read once for all of them (a query per kind, not per file)."""
    rows: dict[int, dict[str, list[Any]]] = {
        pk: {"grid": [], "assessments": [], "plans": [], "agenda": [], "certificates": [], "documents": []}
        for pk in ids
    }
    queries = {
        "grid": DomainAcquisition.objects.filter(case_file__in=ids).select_related("domain"),
        "assessments": Assessment.objects.filter(case_file__in=ids).select_related("assessor"),
        "plans": TrainingPlan.objects.filter(case_file__in=ids)
        .select_related("training_site", "trainer")
        .prefetch_related("domains"),
        "agenda": AgendaItem.objects.filter(case_file__in=ids).select_related("session", "session__region"),
        "certificates": Certificate.objects.filter(case_file__in=ids).select_related("session", "credential"),
        "documents": CaseFileDocument.objects.filter(case_file__in=ids).select_related("uploaded_by"),
    }
    for kind, queryset in queries.items():
        for row in queryset:
            rows[row.case_file_id][kind].append(row)  # type: ignore[attr-defined]
    return rows


def _case_file(case_file: CaseFile, rows: dict[str, list[Any]]) -> dict[str, Any]:
    return {
        "numero": case_file.pk,
        "certification": str(case_file.certification),
        "referentiel": case_file.framework_version.label,
        "organisme_evaluateur": case_file.evaluation_site.name,
        "reference_organisme": case_file.reference,
        "prescripteur": case_file.get_referrer_display(),
        "financement": case_file.get_funding_display(),
        "precision_du_financement": case_file.funding_note,
        "etat": case_file.get_state_display(),
        "ouvert_le": _day(case_file.opened_on),
        "evaluation_prealable_le": _day(case_file.positioned_on),
        "acquis_valables_jusqu_au": _day(case_file.expires_on),
        "pret_pour_le_jury_le": _day(case_file.ready_for_jury_on),
        "renvoye_le": _day(case_file.returned_on),
        "motif_du_renvoi": case_file.return_reason,
        "clos_le": _day(case_file.closed_on),
        "motif_de_cloture": case_file.closing_reason,
        "domaines": [
            {
                "domaine": f"{row.domain.code} {row.domain.label}",
                "statut": row.get_status_display(),
                "acquis_le": _day(row.acquired_on),
            }
            for row in sorted(rows["grid"], key=lambda row: row.domain.position)
        ],
        "evaluations": [_assessment(a) for a in sorted(rows["assessments"], key=lambda a: a.pk)],
        "plans_de_formation": [_plan(p) for p in sorted(rows["plans"], key=lambda p: p.number)],
        "jurys": [_agenda_item(i) for i in sorted(rows["agenda"], key=lambda i: i.pk)],
        "certificats": [_certificate(c) for c in rows["certificates"]],
        "pieces": [_document(d) for d in sorted(rows["documents"], key=lambda d: d.pk)],
    }


def _assessment(assessment: Assessment) -> dict[str, Any]:
    return {
        "type": assessment.get_kind_display(),
        "evalue_le": _day(assessment.assessed_on),
        "evaluateur": _person(assessment.assessor),
        "resultats_par_sous_domaine": assessment.results,
        "criteres": assessment.criteria,
    }


def _plan(plan: TrainingPlan) -> dict[str, Any]:
    return {
        "numero": plan.number,
        "organisme_de_formation": plan.training_site.name,
        "formateur": _person(plan.trainer),
        "domaines": sorted(d.code for d in plan.domains.all()),
        "heures": plan.hours,
        "debut": _day(plan.starts_on),
        "fin": _day(plan.ends_on),
    }


def _agenda_item(item: AgendaItem) -> dict[str, Any]:
    return {
        "session": str(item.session),
        "attribution_recommandee": item.recommended,
        "avis_de_l_instruction": item.officer_note,
        "decision": item.get_decision_display(),
        "motif": item.reason,
        "decide_le": _moment(item.decided_at),
    }


def _certificate(certificate: Certificate) -> dict[str, Any]:
    credential = getattr(certificate, "credential", None)
    return {
        "numero": certificate.number,
        "titulaire": certificate.holder,
        "attribue_le": _day(certificate.awarded_on),
        "statut": certificate.get_status_display(),
        "session": str(certificate.session),
        "retire_le": _moment(certificate.revoked_at),
        "motif_du_retrait": certificate.revocation_reason,
        # The data's recipient: the training-account system of the Caisse des Dépôts (SI CPF).
        "si_cpf": certificate.get_cdc_status_display(),
        "transmis_au_si_cpf_le": _moment(certificate.exported_at),
        "reponse_du_si_cpf_le": _moment(certificate.cdc_status_at) if certificate.exported_at else None,
        # The Open Badges credential: the person is named in it only by a salted hash of their e-mail.
        "attestation_numerique_emise_le": _moment(credential.issued_at) if credential else None,
    }


def _document(document: CaseFileDocument) -> dict[str, Any]:
    return {
        "categorie": document.get_category_display(),
        "nom_du_fichier": document.original_name,
        "type": document.content_type,
        "taille_octets": document.size,
        "depose_le": _moment(document.uploaded_at),
        "depose_par": _person(document.uploaded_by),
    }


def render_subject_access_pdf(data: dict[str, Any]) -> bytes:
    """The same data as the JSON export, as a French PDF to hand to the person."""
    from weasyprint import HTML  # heavy import: only when a document is asked for

    return HTML(string=render_to_string("casefiles/subject_access.html", {"data": data})).write_pdf()
