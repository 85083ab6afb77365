"""Who learns what: each audit event recorded one by one (the services' `record`) may write notifications
in the same transaction. Bulk imports record their events in bulk and notify nobody per row: the person
who imports sees the import's result page.

The scheduled reminders (expiries, overdue tasks, jury convocations) are in `reminders.py`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import F
from django.urls import reverse

from accreditation.events import ApplicationEvent
from accreditation.models import AccreditationApplication
from backoffice.core.accounts.roles import Role, group_name
from backoffice.core.accounts.service_accounts import people_only
from backoffice.core.audit.models import AuditEvent
from casefiles.events import CaseFileEvent, CertificateEvent, JuryEvent
from casefiles.models import CaseFile, Certificate, JurySession

from .services import CONTEXT_BUILDERS, Message, notify, notify_many

Rule = Callable[[AuditEvent], None]
RULES: dict[str, Rule] = {}


def rule(*verbs: str) -> Callable[[Rule], Rule]:
    def register(handler: Rule) -> Rule:
        for verb in verbs:
            RULES[verb] = handler
        return handler

    return register


def on_event(event: AuditEvent) -> None:
    handler = RULES.get(event.verb)
    if handler is not None:
        handler(event)


def organisation_staff(organisation_id: int) -> Any:
    """The active accounts of an organisation (its evaluators and trainers; not its API keys')."""
    return people_only(
        get_user_model().objects.filter(scope__organisation_id=organisation_id, is_active=True)
    )


def organisations_staff(organisation_ids: set[int]) -> dict[int, list[Any]]:
    """The active accounts of each organisation (`organisation_staff` of many), in one query."""
    people: dict[int, list[Any]] = {}
    users = people_only(
        get_user_model().objects.filter(scope__organisation_id__in=organisation_ids, is_active=True)
    )
    for user in users.annotate(organisation=F("scope__organisation_id")):
        people.setdefault(user.organisation, []).append(user)
    return people


def _key(event: AuditEvent) -> str:
    return f"event:{event.pk}"


def case_file_link(pk: Any) -> str:
    return reverse("candidats:dossiers:detail", kwargs={"pk": pk})


# Accreditation applications: the organisation's people follow their application.

APPLICATION_MESSAGES = {
    ApplicationEvent.SUBMITTED: ("application_received", "Votre candidature à l'habilitation est bien reçue"),
    ApplicationEvent.INFORMATION_REQUESTED: (
        "information_requested",
        "Un complément est demandé pour votre candidature",
    ),
    ApplicationEvent.DECIDED: ("application_decided", "La décision sur votre candidature est rendue"),
}


@rule(*APPLICATION_MESSAGES)
def application_changed(event: AuditEvent) -> None:
    application = AccreditationApplication.objects.select_related("organisation", "campaign").get(
        pk=event.subject_id
    )
    template, subject = APPLICATION_MESSAGES[ApplicationEvent(event.verb)]
    context = {
        "organisation": str(application.organisation) if application.organisation_id else "",
        "campaign": str(application.campaign),
        "summary": event.summary,
        "answer_by": application.answer_by.strftime("%d/%m/%Y") if application.answer_by else "",
    }
    notify(
        Message(_key(event), template, subject, context, link=application.get_absolute_url()),
        users=organisation_staff(application.organisation_id) if application.organisation_id else (),
    )


# Candidate files: the evaluation organisation follows its files; the candidate learns of the certificate.

FILE_MESSAGES = {
    CaseFileEvent.OPENED: ("file_opened", "Dossier ouvert : {file}"),
    CaseFileEvent.READY_FOR_JURY: ("file_ready_for_jury", "Dossier prêt pour le jury : {file}"),
    CaseFileEvent.RETURNED_BY_JURY: ("file_returned", "Dossier renvoyé par le jury : {file}"),
    CertificateEvent.ISSUED: ("certificate_issued", "Certificat délivré : {file}"),
}


@rule(*FILE_MESSAGES)
def case_file_changed(event: AuditEvent) -> None:
    case_files_changed([event])


def case_files_changed(events: list[AuditEvent]) -> None:
    """The organisation's staff (and the candidate, of a certificate) told of each event, in a few queries
    whatever the number of events (`on_events`)."""
    files = CaseFile.objects.select_related("candidate", "certification", "evaluation_site").in_bulk(
        [int(event.subject_id) for event in events]
    )
    staff = organisations_staff({f.evaluation_site.organisation_id for f in files.values()})
    items: list[tuple[Message, Any, list[str]]] = []
    for event in events:
        case_file = files[int(event.subject_id)]
        template, subject = FILE_MESSAGES[event.verb]  # type: ignore[index]
        context = {
            "file": str(case_file),
            "reference": case_file.reference,
            "certification": case_file.certification.name,
            "site": case_file.evaluation_site.name,
            "summary": event.summary,
        }
        link = case_file_link(case_file.pk)
        message = Message(_key(event), template, subject.format(file=str(case_file)), context, link=link)
        items.append((message, staff.get(case_file.evaluation_site.organisation_id, []), []))
        if event.verb == CertificateEvent.ISSUED and case_file.candidate.email:
            candidate_message = Message(
                _key(event),
                "certificate_issued_candidate",
                f"Votre certificat {case_file.certification.name} est délivré",
                {
                    **context,
                    "first_name": case_file.candidate.first_name,
                    "holder_certificate": (event.data or {}).get("certificate"),
                },
            )
            items.append((candidate_message, [], [case_file.candidate.email]))
    notify_many(items)


def on_events(events: list[AuditEvent]) -> None:
    """The events a service recorded together (`record_each`): told as `on_event` tells one, the files'
    in a few queries."""
    about_files = [event for event in events if event.verb in FILE_MESSAGES]
    if about_files:
        case_files_changed(about_files)
    for event in events:
        if event.verb not in FILE_MESSAGES:
            on_event(event)


@rule(CertificateEvent.CDC_REJECTED)
def holder_rejected(event: AuditEvent) -> None:
    """The case officers of the certificate's region, for each holder the CDC rejected: they correct the
    identity, and the holder is sent again."""
    certificate = Certificate.objects.select_related("case_file").get(pk=event.data["certificate"])
    officers = get_user_model().objects.filter(
        groups__name=group_name(Role.CASE_OFFICER), is_active=True, scope__regions=certificate.region_id
    )
    notify(
        Message(
            _key(event),
            "cdc_rejected",
            f"Titulaire rejeté par le SI CPF : {certificate.case_file}",
            {
                "file": str(certificate.case_file),
                "number": certificate.number,
                "message": certificate.cdc_message,
            },
            link=case_file_link(certificate.case_file_id),
        ),
        users=officers.distinct(),
    )


@rule(JuryEvent.CLOSED)
def jury_closed(event: AuditEvent) -> None:
    session = JurySession.objects.select_related("region").get(pk=event.subject_id)
    members = get_user_model().objects.filter(pk__in=session.members.values("user_id"))
    notify(
        Message(
            _key(event),
            "jury_closed",
            f"Session de jury du {session.held_on:%d/%m/%Y} close",
            {"session": str(session), "region": session.region.name},
            link=session.get_absolute_url(),
        ),
        users=members,
    )


@rule(CertificateEvent.HOLDER_LINK_SENT)
def holder_link_sent(event: AuditEvent) -> None:
    """The holder's new private link, to their e-mail (the link itself is made when the e-mail is sent)."""
    certificate = Certificate.objects.select_related("case_file__candidate", "certification").get(
        pk=event.data["certificate"]
    )
    candidate = certificate.case_file.candidate
    notify(
        Message(
            _key(event),
            "holder_link",
            f"Votre certificat {certificate.certification.name} : votre page personnelle",
            {
                "first_name": candidate.first_name,
                "certification": certificate.certification.name,
                "number": certificate.number,
                "holder_certificate": certificate.pk,
            },
        ),
        emails=[candidate.email],
    )


def holder_page_context(context: dict[str, Any]) -> dict[str, Any]:
    """The holder's private link, made when the e-mail is sent: never kept in the outbox row."""
    from casefiles.credentials.holder import holder_url

    certificate = Certificate.objects.filter(pk=context.get("holder_certificate") or 0).first()
    return {"holder_url": holder_url(certificate) if certificate is not None else ""}


CONTEXT_BUILDERS.update(certificate_issued_candidate=holder_page_context, holder_link=holder_page_context)
