"""Reminders computed each day by the scheduler: accreditations expiring in 6, 3 and 1 months, the 5-year
window of a candidate's file still acquiring ending in 6 and 3 months, jury convocations some days before
the session, the answer an organisation owes before its deadline, the pathway's overdue tasks (to whoever
must do them, then to the supervisors). Each reminder's key names its threshold: a sweep run twice, or on a
later day, reminds once."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from viewflow.workflow.status import STATUS

from accreditation.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationStatus,
    ApplicationStatus,
)
from backoffice.core.accounts.roles import Role, group_name
from casefiles.models import (
    CaseFile,
    CdcStatus,
    Certificate,
    CertificateStatus,
    JurySession,
    JurySessionStatus,
)
from casefiles.rules.transmission import deadline, reminded_if_awarded_before
from casefiles.selectors import still_acquiring
from workflows.flows import CandidatePathwayFlow
from workflows.pathway.selectors import step_due_on

from .rules import case_file_link, organisation_staff
from .services import Message, notify

ACCREDITATION_MONTHS = (6, 3, 1)
WINDOW_MONTHS = (6, 3)
CONVOCATION_DAYS = 14  # jury members are convened this many days before the session
ANSWER_REMINDER_DAYS = 3  # an organisation asked for information is reminded this many days before its date
ESCALATION_DAYS = 7  # a task still overdue this many days after its due date is signalled to the supervisors
REGIONAL_STEPS = {"ready_for_jury"}  # done by the region's case officers; the others by the organisation


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it has fewer days)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


def _due(today: dt.date, months: tuple[int, ...]) -> list[tuple[int, dt.date, dt.date]]:
    """For each threshold (largest first), the end dates it covers today: after the next threshold, up to
    itself — a date 5 months away is in the 6-month reminder's range, not yet in the 3-month one's."""
    bounds = [*months, 0]
    return [
        (m, add_months(today, bounds[i + 1]) + dt.timedelta(days=1), add_months(today, m))
        for i, m in enumerate(months)
    ]


def remind_accreditations(today: dt.date) -> int:
    written = 0
    for months, start, end in _due(today, ACCREDITATION_MONTHS):
        expiring = Accreditation.objects.filter(
            status=AccreditationStatus.ACTIVE, valid_to__range=(start, end)
        ).select_related("site__organisation", "certification")
        for accreditation in expiring:
            with transaction.atomic():
                written += notify(
                    Message(
                        f"accreditation:{accreditation.pk}:{accreditation.valid_to}:{months}m",
                        "accreditation_expiring",
                        f"Habilitation {accreditation.certification.name} : fin le "
                        f"{accreditation.valid_to:%d/%m/%Y}",
                        {
                            "site": accreditation.site.name,
                            "certification": accreditation.certification.name,
                            "valid_to": f"{accreditation.valid_to:%d/%m/%Y}",
                            "months": months,
                        },
                        link=reverse("annuaire:habilitations:index"),
                    ),
                    users=organisation_staff(accreditation.site.organisation_id),
                )
    return written


def remind_qualiopi(today: dt.date) -> int:
    """The Qualiopi certificate an organisation declared in its last decided application, ending in 6, 3 or
    1 months: without it, its accreditations cannot be renewed."""
    latest: dict[int, AccreditationApplication] = {}
    decided = AccreditationApplication.objects.filter(
        status=ApplicationStatus.DECIDED, organisation__isnull=False
    ).order_by("organisation_id", "submitted_at", "pk")
    for application in decided.only("pk", "organisation_id", "content", "submitted_at"):
        latest[application.organisation_id] = application  # type: ignore[index]
    written = 0
    for months, start, end in _due(today, ACCREDITATION_MONTHS):
        for organisation_id, application in latest.items():
            expires_on = _date((application.content or {}).get("qualiopi", {}).get("expires_on"))
            if expires_on is None or not start <= expires_on <= end:
                continue
            with transaction.atomic():
                written += notify(
                    Message(
                        f"qualiopi:{organisation_id}:{expires_on}:{months}m",
                        "qualiopi_expiring",
                        f"Certificat Qualiopi : fin le {expires_on:%d/%m/%Y}",
                        {"expires_on": f"{expires_on:%d/%m/%Y}", "months": months},
                        link=application.get_absolute_url(),
                    ),
                    users=organisation_staff(organisation_id),
                )
    return written


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def remind_windows(today: dt.date) -> int:
    written = 0
    for months, start, end in _due(today, WINDOW_MONTHS):
        # Only files still acquiring: one whose domains were all acquired in time does not lapse.
        ending = still_acquiring(CaseFile.objects.filter(expires_on__range=(start, end))).select_related(
            "candidate", "certification", "evaluation_site"
        )
        for case_file in ending.iterator(chunk_size=500):
            with transaction.atomic():
                written += notify(
                    Message(
                        f"window:{case_file.pk}:{case_file.expires_on}:{months}m",
                        "window_ending",
                        f"Acquis valables jusqu'au {case_file.expires_on:%d/%m/%Y} : {case_file}",
                        {
                            "file": str(case_file),
                            "reference": case_file.reference,
                            "expires_on": f"{case_file.expires_on:%d/%m/%Y}",
                            "months": months,
                        },
                        link=case_file_link(case_file.pk),
                    ),
                    users=organisation_staff(case_file.evaluation_site.organisation_id),
                )
    return written


def convene_juries(today: dt.date) -> int:
    """The members of each session held within `CONVOCATION_DAYS` receive its agenda, once."""
    written = 0
    sessions = JurySession.objects.filter(
        status=JurySessionStatus.PLANNED, held_on__range=(today, today + dt.timedelta(days=CONVOCATION_DAYS))
    ).select_related("region")
    for session in sessions:
        items = session.agenda.select_related("case_file__candidate", "case_file__certification")
        agenda = [str(item.case_file) for item in items]
        members: Any = get_user_model().objects.filter(pk__in=session.members.values("user_id"))
        with transaction.atomic():
            written += notify(
                Message(
                    f"convocation:{session.pk}:{session.held_on}",
                    "jury_convocation",
                    f"Convocation : jury du {session.held_on:%d/%m/%Y} ({session.region.name})",
                    {
                        "held_on": f"{session.held_on:%d/%m/%Y}",
                        "place": session.place,
                        "region": session.region.name,
                        "agenda": agenda,
                    },
                    link=session.get_absolute_url(),
                ),
                users=members,
            )
    return written


def remind_answers(today: dt.date) -> int:
    """The organisations asked for information whose answer date is near and who have not answered."""
    written = 0
    waiting = AccreditationApplication.objects.filter(
        status=ApplicationStatus.INFORMATION_REQUESTED,
        answer_by__range=(today, today + dt.timedelta(days=ANSWER_REMINDER_DAYS)),
    ).select_related("campaign", "organisation")
    for application in waiting:
        if application.organisation_id is None or application.answer_by is None:
            continue
        with transaction.atomic():
            written += notify(
                Message(
                    f"answer:{application.pk}:{application.answer_by}",
                    "answer_reminder",
                    f"Complément attendu avant le {application.answer_by:%d/%m/%Y}",
                    {
                        "campaign": str(application.campaign),
                        "answer_by": f"{application.answer_by:%d/%m/%Y}",
                        "message": application.request_message,
                    },
                    link=application.get_absolute_url(),
                ),
                users=organisation_staff(application.organisation_id),
            )
    return written


def remind_overdue_tasks(today: dt.date) -> int:
    """Each pathway task past its due date (`PATHWAY_STEP_DUE_DAYS`): once to the person it is assigned to,
    or to those who may take it; `ESCALATION_DAYS` later, once to the supervisors of the file's region."""
    written = 0
    for step, days in settings.PATHWAY_STEP_DUE_DAYS.items():
        for late_by, escalate in ((0, False), (ESCALATION_DAYS, True)):
            created_before = _start_of(today - dt.timedelta(days=days + late_by))
            tasks = (
                CandidatePathwayFlow.task_class.objects.filter(
                    flow_task=getattr(CandidatePathwayFlow, step),
                    status__in=[STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED],
                    created__lt=created_before,
                )
                .select_related("owner", "process__case_file__candidate", "process__case_file__certification")
                .select_related("process__case_file__evaluation_site")
            )
            for task in tasks.iterator(chunk_size=500):
                with transaction.atomic():
                    written += _overdue(task, step, days, escalate)
    return written


def _overdue(task: Any, step: str, days: int, escalate: bool) -> int:
    case_file = task.process.case_file
    due_on = step_due_on(task) or timezone.localdate(task.created) + dt.timedelta(days=days)
    if escalate:
        people: Any = supervisors_of(case_file.evaluation_site.region_id)
    elif task.owner_id:
        people = [task.owner]
    elif step in REGIONAL_STEPS:
        people = officers_of(case_file.evaluation_site.region_id)
    else:
        people = organisation_staff(case_file.evaluation_site.organisation_id)
    label = str(task.flow_task.task_title or step)
    return notify(
        Message(
            f"overdue:{task.pk}:{'supervisors' if escalate else 'assignee'}",
            "task_overdue_escalated" if escalate else "task_overdue",
            f"En retard depuis le {due_on:%d/%m/%Y} : {label} — {case_file}",
            {"step": label, "file": str(case_file), "due_on": f"{due_on:%d/%m/%Y}"},
            link=case_file_link(case_file.pk),
        ),
        users=people,
    )


def remind_transmissions(today: dt.date) -> int:
    """The holders of a jury day still never sent to the SI CPF 2 months after their award: once to the
    supervisors of the region (the legal deadline is 3 months)."""
    written = 0
    cohorts = (
        Certificate.objects.filter(
            status=CertificateStatus.ISSUED,
            cdc_status=CdcStatus.TO_SEND,
            awarded_on__lt=reminded_if_awarded_before(today),
        )
        .values("region_id", "region__name", "awarded_on")
        .annotate(count=Count("pk"))
        .order_by("region_id", "awarded_on")
    )
    for cohort in cohorts:
        awarded_on = cohort["awarded_on"]
        with transaction.atomic():
            written += notify(
                Message(
                    f"cdc-not-sent:{cohort['region_id']}:{awarded_on}",
                    "cdc_not_sent",
                    f"SI CPF : {cohort['count']} titulaire(s) du {awarded_on:%d/%m/%Y} non transmis "
                    f"({cohort['region__name']})",
                    {
                        "count": cohort["count"],
                        "region": cohort["region__name"],
                        "awarded_on": f"{awarded_on:%d/%m/%Y}",
                        "deadline": f"{deadline(awarded_on):%d/%m/%Y}",
                    },
                    link=reverse("certificats:index") + "?non_transmis=1",
                ),
                users=supervisors_of(cohort["region_id"]),
            )
    return written


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _with_role(role: Role) -> QuerySet:
    return get_user_model().objects.filter(groups__name=group_name(role), is_active=True)


def supervisors_of(region_id: int) -> QuerySet:
    return (
        _with_role(Role.SUPERVISOR).filter(Q(scope__national=True) | Q(scope__regions=region_id)).distinct()
    )


def officers_of(region_id: int) -> QuerySet:
    return _with_role(Role.CASE_OFFICER).filter(scope__regions=region_id).distinct()
