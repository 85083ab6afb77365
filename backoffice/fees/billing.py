"""What a period's statements hold: its acts priced by the schedule in force on each act's date, the acts
recorded late for a period already issued, and the corrections of issued lines — a credit for an act
undone or revoked since, a new charge for a certificate reinstated after its credit. Reads only: the
services write."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, Max, OuterRef, QuerySet, Sum
from django.utils import timezone

from backoffice.core.audit.models import AuditEvent
from casefiles.events import CaseFileEvent, CertificateEvent
from casefiles.models import Assessment, CaseFile, Certificate, CertificateStatus

from .acts import Act, Range, acts_in, billed
from .models import FeeKind, FeeRate, FeeSchedule, StatementLine
from .rules import in_force, line_amounts

Line = tuple[int, StatementLine]  # the organisation billed, the line (its statement not yet set)
Key = tuple[str, int, int]


class Pricer:
    """The schedules, read once: the rate of a kind of act for a certification on a day, or None (« non
    tarifé »: no schedule in force, or none of its rates for that kind)."""

    def __init__(self) -> None:
        self.schedules: dict[int, list[FeeSchedule]] = defaultdict(list)
        self.rates: dict[int, dict[str, FeeRate]] = defaultdict(dict)
        for schedule in FeeSchedule.objects.order_by("valid_from"):
            self.schedules[schedule.certification_id].append(schedule)
        for rate in FeeRate.objects.all():
            self.rates[rate.schedule_id][rate.kind] = rate

    def rate(self, certification_id: int, kind: str, day: dt.date) -> FeeRate | None:
        schedule = in_force(self.schedules.get(certification_id, []), day)
        return None if schedule is None else self.rates[schedule.pk].get(kind)


def period_lines(start: dt.date, end: dt.date, *, late: Sequence[Range] = ()) -> list[Line]:
    """The lines of the period: its acts, the acts dated within `late` (periods already issued) that no
    statement billed yet, and the corrections of earlier statements."""
    pricer = Pricer()
    lines = [
        (act.organisation_id, charge(act, pricer, start=start)) for act in acts_in([(start, end), *late])
    ]
    return lines + corrections()


def charge(act: Act, pricer: Pricer, *, start: dt.date) -> StatementLine:
    rate = pricer.rate(act.certification_id, act.kind, act.day)
    late = f"Acte du {act.day:%d/%m/%Y} enregistré après l'émission des relevés de sa période"
    line = StatementLine(
        site_id=act.site_id,
        kind=act.kind,
        certification_id=act.certification_id,
        act_id=act.act_id,
        act_part=act.part,
        act_on=act.day,
        label=act.label[:200],
        subject_type=ContentType.objects.get_for_model(act.subject, for_concrete_model=False),
        subject_id=act.subject_id,
        unit_price_ht=rate.amount_ht if rate else None,
        vat_rate=rate.vat_rate if rate else None,
        reason=late if act.day < start else "",
    )
    return _priced(line)


def _priced(line: StatementLine) -> StatementLine:
    """The line's amounts from its unit price, VAT rate and quantity (none for an act « non tarifé »)."""
    if line.unit_price_ht is not None and line.vat_rate is not None:
        amounts = line_amounts(line.unit_price_ht, line.vat_rate, line.quantity)
        line.amount_ht, line.amount_vat, line.amount_ttc = amounts.ht, amounts.vat, amounts.ttc
    return line


# --- Corrections of issued statements ----------------------------------------------------------------------


def corrections() -> list[Line]:
    """Credits for the issued charges whose act is gone (a positioning undone, a certificate revoked), and a
    new charge for a certificate in force again after its credit (reinstated)."""
    gone_positionings = (
        billed(FeeKind.POSITIONING)
        .filter(quantity__gt=0)
        .exclude(Exists(Assessment.objects.filter(pk=OuterRef("act_id"))))
    )
    in_force_certificate = Certificate.objects.filter(pk=OuterRef("act_id"), status=CertificateStatus.ISSUED)
    revoked = billed(FeeKind.CERTIFICATE).filter(quantity__gt=0).exclude(Exists(in_force_certificate))
    reinstated = billed(FeeKind.CERTIFICATE).filter(quantity__lt=0).filter(Exists(in_force_certificate))
    to_credit = _keys(gone_positionings) | _keys(revoked)
    to_charge = _keys(reinstated)
    net = _net(to_credit | to_charge)
    credit_keys = {key for key in to_credit if net.get(key, 0) > 0}
    charge_keys = {key for key in to_charge if net.get(key, 0) <= 0}
    if not credit_keys and not charge_keys:
        return []
    latest = _latest_lines(credit_keys | charge_keys)
    reasons = _reasons(latest.values())
    lines = [_reverse(latest[key], -1, reasons.get(latest[key].pk, "")) for key in sorted(credit_keys)]
    lines += [_reverse(latest[key], 1, reasons.get(latest[key].pk, "")) for key in sorted(charge_keys)]
    return lines


def _keys(lines: QuerySet[StatementLine]) -> set[Key]:
    return set(lines.values_list("kind", "act_id", "act_part"))


def _net(keys: set[Key]) -> dict[Key, int]:
    """The quantity each act has been billed, over the issued statements (1 billed, 0 credited)."""
    if not keys:
        return {}
    rows = (
        StatementLine.objects.filter(
            statement__status__in=("frozen", "paid"), act_id__in={k[1] for k in keys}
        )
        .values_list("kind", "act_id", "act_part")
        .annotate(net=Sum("quantity"))
    )
    return {(kind, act_id, part): net for kind, act_id, part, net in rows if (kind, act_id, part) in keys}


def _latest_lines(keys: set[Key]) -> dict[Key, StatementLine]:
    """For each act, its latest issued line (the charge to credit, or the credit to charge again)."""
    latest = (
        StatementLine.objects.filter(
            statement__status__in=("frozen", "paid"), act_id__in={k[1] for k in keys}
        )
        .values("kind", "act_id", "act_part")
        .annotate(last=Max("pk"))
    )
    ids = [row["last"] for row in latest if (row["kind"], row["act_id"], row["act_part"]) in keys]
    lines = StatementLine.objects.filter(pk__in=ids).select_related("statement")
    return {(line.kind, line.act_id, line.act_part): line for line in lines}


# What a correction copies of the line it reverses: the same act, at the same price.
_SAME_ACT = (
    "site_id",
    "kind",
    "certification_id",
    "act_id",
    "act_part",
    "act_on",
    "subject_type_id",
    "subject_id",
    "unit_price_ht",
    "vat_rate",
)


def _reverse(line: StatementLine, quantity: int, reason: str) -> Line:
    """The opposite of `line` at its own price: a credit (-1) of a charge, or a charge (+1) after a credit."""
    copy = StatementLine(
        **{name: getattr(line, name) for name in _SAME_ACT},
        label=_label(line.label, quantity),
        quantity=quantity,
        credit_of=line if quantity < 0 else None,
        reason=reason[:300],
    )
    return line.statement.organisation_id, _priced(copy)


def _label(label: str, quantity: int) -> str:
    label = label.removeprefix("Avoir — ").removesuffix(" (de nouveau facturé)")
    return (f"Avoir — {label}" if quantity < 0 else f"{label} (de nouveau facturé)")[:200]


def _reasons(lines: Iterable[StatementLine]) -> dict[int, str]:
    """Why each act is corrected, in French, dated from the record or its audit trail (no free text: a
    revocation's reason may name a person)."""
    lines = list(lines)
    certificates = {
        c.pk: c
        for c in Certificate.objects.filter(
            pk__in=[line.act_id for line in lines if line.kind == FeeKind.CERTIFICATE]
        ).only("pk", "status", "revoked_at", "case_file_id")
    }
    undone = _last_event_days(
        CaseFileEvent.STEP_UNDONE,
        [line.subject_id for line in lines if line.kind == FeeKind.POSITIONING],
        step="positioning",  # not a training plan or a final evaluation undone since
    )
    reinstated = _last_event_days(
        CertificateEvent.REINSTATED, [c.case_file_id for c in certificates.values()]
    )
    reasons: dict[int, str] = {}
    for line in lines:
        if line.kind == FeeKind.POSITIONING:
            day = undone.get(line.subject_id)
            reasons[line.pk] = (
                f"Évaluation préalable annulée le {day:%d/%m/%Y}" if day else "Évaluation préalable supprimée"
            )
            continue
        certificate = certificates.get(line.act_id)
        if certificate is None:
            reasons[line.pk] = "Certificat supprimé"
        elif certificate.status == CertificateStatus.REVOKED and certificate.revoked_at:
            reasons[line.pk] = f"Certificat retiré le {timezone.localdate(certificate.revoked_at):%d/%m/%Y}"
        else:
            day = reinstated.get(certificate.case_file_id)
            reasons[line.pk] = (
                f"Certificat rétabli le {day:%d/%m/%Y}" if day else "Certificat de nouveau en vigueur"
            )
    return reasons


def _last_event_days(verb: str, file_ids: Iterable[int], *, step: str = "") -> dict[int, dt.date]:
    """The day of each file's last event of `verb` (of that undone `step`, if given)."""
    file_type = ContentType.objects.get_for_model(CaseFile, for_concrete_model=False)
    events = AuditEvent.objects.filter(
        verb=verb, subject_type=file_type, subject_id__in=[str(i) for i in file_ids]
    )
    rows = (
        (events.filter(data__step=step) if step else events)
        .values("subject_id")
        .annotate(last=Max("occurred_at"))
    )
    return {int(row["subject_id"]): timezone.localdate(row["last"]) for row in rows}
