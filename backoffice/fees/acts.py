"""The billable acts, read from the records themselves: positionings, certificates issued, duplicates,
applications submitted, SIRETs accredited — each with its date, its certification, the SIRET it is billed
to and the page that shows it. Labels name files by their number, never a person (docs/fees.md)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, Model, OuterRef, Q, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone

from accreditation.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationCampaign,
    AccreditationStatus,
    Certification,
    Site,
)
from backoffice.core.audit.events import RECOVERED_KEY
from backoffice.core.audit.models import AuditEvent
from backoffice.core.legacy.models import BatchStatus
from casefiles.events import CaseFileEvent, CertificateEvent
from casefiles.models import Assessment, AssessmentKind, CaseFile, Certificate, CertificateStatus

from .models import FeeKind, StatementLine, StatementStatus

Range = tuple[dt.date, dt.date]
ISSUED_STATUSES = (StatementStatus.FROZEN, StatementStatus.PAID)
# A migration batch still under review is undone as a whole: a statement line (PROTECT) would block it, and
# its records may vanish tomorrow: none is billed, nor makes an organisation active, until it is live.
UNDER_REVIEW = BatchStatus.OPEN


@dataclass(frozen=True)
class Act:
    """One billable act; (kind, act_id, part) names it for good: one line bills it, a credit reverses it."""

    kind: str
    act_id: int
    part: int
    day: dt.date
    certification_id: int
    organisation_id: int
    site_id: int | None
    subject: type[Model]
    subject_id: int
    label: str

    @property
    def key(self) -> tuple[str, int, int]:
        return (self.kind, self.act_id, self.part)


def acts_in(ranges: Sequence[Range]) -> list[Act]:
    """Every act dated within one of the `ranges` that no issued statement has billed yet."""
    if not ranges:
        return []
    return [
        *_positionings(ranges),
        *_certificates(ranges),
        *_duplicates(ranges),
        *_applications(ranges),
        *_accreditations(ranges),
    ]


def billed(kind: str) -> QuerySet[StatementLine]:
    """The lines of issued statements of one kind of act."""
    return StatementLine.objects.filter(kind=kind, statement__status__in=ISSUED_STATUSES)


def _days(field: str, ranges: Sequence[Range]) -> Q:
    condition = Q(pk__in=[])
    for start, end in ranges:
        condition |= Q(**{f"{field}__range": (start, end)})
    return condition


def _moments(field: str, ranges: Sequence[Range]) -> Q:
    """A datetime field within the days of `ranges`, in Paris time."""
    condition = Q(pk__in=[])
    for start, end in ranges:
        condition |= Q(
            **{f"{field}__gte": _midnight(start), f"{field}__lt": _midnight(end + dt.timedelta(1))}
        )
    return condition


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _unbilled(queryset: QuerySet[Any], kind: str) -> QuerySet[Any]:
    return queryset.exclude(Exists(billed(kind).filter(act_id=OuterRef("pk"))))


# Where a file's act is billed, and what the act's own row is read with.
_FILE = ("case_file__evaluation_site_id", "case_file__evaluation_site__organisation_id")


def _file_act(
    kind: str, act_id: int, day: dt.date, row: tuple[Any, ...], subject: type[Model], what: str
) -> Act:
    """An act of a case file; `row` = (file, certification, site, organisation, page's id)."""
    file_id, certification_id, site_id, organisation_id, subject_id = row
    label = f"{what} {day:%d/%m/%Y} — dossier n° {file_id}"
    return Act(kind, act_id, 0, day, certification_id, organisation_id, site_id, subject, subject_id, label)


def _positionings(ranges: Sequence[Range]) -> Iterable[Act]:
    # Taken over from the old system (recorded inside `recovered()`, its event marked): billed there, never
    # here. The file's batch is not enough: a file taken over in progress is positioned here afterwards.
    file_type = ContentType.objects.get_for_model(CaseFile, for_concrete_model=False)
    taken_over = AuditEvent.objects.annotate(assessment=KeyTextTransform("assessment", "data")).filter(
        verb=CaseFileEvent.POSITIONED,
        subject_type=file_type,
        subject_id=Cast(OuterRef("case_file_id"), CharField()),
        data__has_key=RECOVERED_KEY,
        assessment=Cast(OuterRef("pk"), CharField()),
    )
    assessments = (
        Assessment.objects.filter(_days("assessed_on", ranges), kind=AssessmentKind.POSITIONING)
        .exclude(case_file__legacy_batch__status=UNDER_REVIEW)
        .exclude(Exists(taken_over))
    )
    rows = _unbilled(assessments, FeeKind.POSITIONING).values_list(
        "pk", "assessed_on", "case_file_id", "case_file__certification_id", *_FILE
    )
    for pk, day, file_id, certification_id, site_id, organisation_id in rows.iterator(chunk_size=5000):
        row = (file_id, certification_id, site_id, organisation_id, file_id)
        yield _file_act(FeeKind.POSITIONING, pk, day, row, CaseFile, "Évaluation préalable du")


def _certificates(ranges: Sequence[Range]) -> Iterable[Act]:
    # Taken over from the old system (legacy batch): billed there, never here.
    certificates = Certificate.objects.filter(
        _moments("issued_at", ranges), status=CertificateStatus.ISSUED, legacy_batch__isnull=True
    ).exclude(case_file__legacy_batch__status=UNDER_REVIEW)
    rows = _unbilled(certificates, FeeKind.CERTIFICATE).values_list(
        "pk", "issued_at", "case_file_id", "certification_id", *_FILE
    )
    for pk, issued_at, *row in rows.iterator(chunk_size=5000):
        day = timezone.localdate(issued_at)
        yield _file_act(FeeKind.CERTIFICATE, pk, day, (*row, pk), Certificate, "Certificat délivré le")


def _duplicates(ranges: Sequence[Range]) -> Iterable[Act]:
    """A duplicate has no row of its own: its audit event is the act (one per duplicate delivered)."""
    file_type = ContentType.objects.get_for_model(CaseFile, for_concrete_model=False)
    events = AuditEvent.objects.filter(
        _moments("occurred_at", ranges), verb=CertificateEvent.REISSUED, subject_type=file_type
    ).exclude(data__has_key=RECOVERED_KEY)
    rows = list(_unbilled(events, FeeKind.DUPLICATE).values_list("pk", "occurred_at", "subject_id"))
    certificates = {
        row[0]: row
        for row in Certificate.objects.filter(case_file_id__in={int(subject_id) for _, _, subject_id in rows})
        .exclude(case_file__legacy_batch__status=UNDER_REVIEW)
        .exclude(legacy_batch__status=UNDER_REVIEW)
        .values_list("case_file_id", "certification_id", *_FILE, "pk")
    }
    for pk, occurred_at, subject_id in rows:
        if int(subject_id) in certificates:
            day = timezone.localdate(occurred_at)
            row = certificates[int(subject_id)]
            yield _file_act(FeeKind.DUPLICATE, pk, day, row, Certificate, "Duplicata délivré le")


def _applications(ranges: Sequence[Range]) -> Iterable[Act]:
    """One act per certification an application asks for, billed to the first of its SIRETs asking for it
    (else the organisation's first SIRET, else the organisation alone)."""
    applications = list(
        AccreditationApplication.objects.filter(_moments("submitted_at", ranges))
        .exclude(organisation__legacy_batch__status=UNDER_REVIEW)
        .values_list("pk", "submitted_at", "organisation_id", "campaign_id", "campaign__name", "content")
    )
    if not applications:
        return
    done = set(
        billed(FeeKind.APPLICATION)
        .filter(act_id__in=[row[0] for row in applications])
        .values_list("act_id", "act_part")
    )
    by_code = dict(Certification.objects.values_list("code", "pk"))
    sites = _sites_of({row[2] for row in applications})
    offered = _campaign_certifications({row[3] for row in applications})
    for pk, submitted_at, organisation_id, campaign_id, campaign, content in applications:
        day = timezone.localdate(submitted_at)
        asked = _asked(content, by_code) or {c: "" for c in offered.get(campaign_id, [])}
        for certification_id, siret in asked.items():
            if (pk, certification_id) in done:
                continue
            own = sites.get(organisation_id, {})
            site_id = own.get(siret) or next(iter(own.values()), None)
            yield Act(
                FeeKind.APPLICATION,
                pk,
                certification_id,
                day,
                certification_id,
                organisation_id,
                site_id,
                AccreditationApplication,
                pk,
                f"Dossier de candidature n° {pk} déposé le {day:%d/%m/%Y} — {campaign}"[:200],
            )


def _asked(content: Any, by_code: dict[str, int]) -> dict[int, str]:
    """The certifications an application asks for, each with the first SIRET asking for it."""
    asked: dict[int, str] = {}
    for site in (content or {}).get("sites", []):
        for scope in site.get("scopes", []):
            certification_id = by_code.get(scope.get("certification", ""))
            if certification_id is not None:
                asked.setdefault(certification_id, site.get("siret", ""))
    return asked


def _sites_of(organisation_ids: set[int]) -> dict[int, dict[str, int]]:
    """Each organisation's SIRETs → site ids, in SIRET order."""
    sites: dict[int, dict[str, int]] = {}
    rows = (
        Site.objects.filter(organisation_id__in=organisation_ids)
        .exclude(legacy_batch__status=UNDER_REVIEW)
        .order_by("siret")
    )
    for organisation_id, siret, pk in rows.values_list("organisation_id", "siret", "pk"):
        sites.setdefault(organisation_id, {})[siret] = pk
    return sites


def _campaign_certifications(campaign_ids: set[int]) -> dict[int, list[int]]:
    through = AccreditationCampaign.certifications.through
    offered: dict[int, list[int]] = {}
    rows = through.objects.filter(accreditationcampaign_id__in=campaign_ids).order_by("certification_id")
    for campaign_id, certification_id in rows.values_list("accreditationcampaign_id", "certification_id"):
        offered.setdefault(campaign_id, []).append(certification_id)
    return offered


def _accreditations(ranges: Sequence[Range]) -> Iterable[Act]:
    """A SIRET accredited for a certification from a date: one act, whatever the roles granted that day
    (evaluator and trainer together count once). Taken over from the old system: billed there."""
    same_grant = Accreditation.objects.filter(
        site_id=OuterRef("site_id"),
        certification_id=OuterRef("certification_id"),
        valid_from=OuterRef("valid_from"),
        pk__lt=OuterRef("pk"),
    )
    rows = (
        _unbilled(
            Accreditation.objects.filter(_days("valid_from", ranges), legacy_batch__isnull=True).exclude(
                _under_review("site__")
            ),
            FeeKind.SITE,
        )
        .exclude(Exists(same_grant))
        .values_list(
            "pk", "valid_from", "site_id", "site__siret", "certification_id", "site__organisation_id"
        )
    )
    for pk, day, site_id, siret, certification_id, organisation_id in rows:
        yield Act(
            FeeKind.SITE,
            pk,
            0,
            day,
            certification_id,
            organisation_id,
            site_id,
            Accreditation,
            pk,
            f"Habilitation du SIRET {siret} à compter du {day:%d/%m/%Y}",
        )


def active_organisations(start: dt.date, end: dt.date) -> set[int]:
    """Organisations holding an accreditation valid at some point of the period: each gets a statement,
    even without any act (« néant »)."""
    return set(
        Accreditation.objects.filter(valid_from__lte=end, valid_to__gte=start)
        .exclude(status=AccreditationStatus.WITHDRAWN, status_changed_on__lt=start)
        .exclude(legacy_batch__status=UNDER_REVIEW)
        .exclude(_under_review("site__"))
        .values_list("site__organisation_id", flat=True)
        .distinct()
    )


def _under_review(site: str) -> Q:
    """The site, or its organisation, written by a migration batch still under review."""
    return Q(**{f"{site}legacy_batch__status": UNDER_REVIEW}) | Q(
        **{f"{site}organisation__legacy_batch__status": UNDER_REVIEW}
    )
