"""Every change of the fees: schedules (administrators), a period computed then frozen — its statements
numbered without gaps, immutable —, a statement paid (finance: national supervisors and administrators), a
statement's PDF. Each atomic, with its audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from accreditation.models import Certification, Site
from backoffice.core.accounts.roles import Role, has_role
from backoffice.core.accounts.types import Actor, SystemActor
from backoffice.core.audit.events import record, record_each
from backoffice.core.bulksql import insert_objects
from backoffice.core.worker import send_on_commit

from .acts import active_organisations
from .billing import Line, period_lines
from .events import FeeEvent
from .models import (
    FROZEN_MESSAGE,
    FeeKind,
    FeeLock,
    FeePeriod,
    FeeRate,
    FeeSchedule,
    PeriodStatus,
    Statement,
    StatementCounter,
    StatementLine,
    StatementStatus,
)
from .rules import Amounts, format_number, merged, postal_address, previous_quarter, totals
from .selectors import is_finance

LOCK_NAME = "redevances"
FROZEN_FIELDS = ("number", "status", "frozen_at")
IDENTITY_FIELDS = ("customer_name", "customer_siren", "customer_address")
FINANCE_ONLY = (
    "Les redevances sont gérées par les superviseur·es et les administrateur·rices de périmètre national."
)


def ensure_finance(actor: SystemActor) -> None:
    """The periodic job (no actor) or a person of finance; else refused, nothing changed."""
    if actor is not None and not is_finance(actor):
        raise PermissionDenied(FINANCE_ONLY)


def ensure_administrator(actor: SystemActor) -> None:
    if actor is not None and not has_role(actor, Role.ADMINISTRATOR):
        raise PermissionDenied("Seul·es les administrateur·rices modifient les barèmes de redevances.")


def _lock() -> None:
    """One computation, freeze or schedule change at a time (the row is held until the transaction ends)."""
    FeeLock.objects.bulk_create([FeeLock(name=LOCK_NAME)], ignore_conflicts=True)
    FeeLock.objects.select_for_update().get(name=LOCK_NAME)


# --- Schedules ----------------------------------------------------------------------------------------------

RateValues = Mapping[str, tuple[Decimal, Decimal, bool] | None]  # kind → (amount HT, VAT %, to confirm)


def issued_until() -> dt.date | None:
    """The last day covered by issued statements (a schedule may only start after it)."""
    return FeePeriod.objects.filter(status=PeriodStatus.FROZEN).aggregate(last=Max("end"))["last"]


@transaction.atomic
def save_schedule(
    schedule: FeeSchedule | None,
    *,
    certification: Certification,
    valid_from: dt.date,
    note: str = "",
    rates: RateValues,
    actor: SystemActor,
) -> FeeSchedule:
    """Create a schedule (`schedule` None) or change one. Once statements are issued, fees are never
    retroactive: a new schedule starts today or later, and one already in force no longer changes."""
    ensure_administrator(actor)
    _lock()
    last = issued_until()
    if last is not None:
        _refuse_retroactive(schedule, valid_from, rates, last)
    created = schedule is None
    schedule = schedule or FeeSchedule(created_by=actor)
    schedule.certification, schedule.valid_from, schedule.note = certification, valid_from, note.strip()
    schedule.full_clean()
    new_rates = _checked_rates(schedule, rates)
    schedule.save()
    FeeRate.objects.filter(schedule=schedule).delete()
    for rate in new_rates:
        rate.schedule = schedule
    FeeRate.objects.bulk_create(new_rates)
    record(
        FeeEvent.SCHEDULE_CREATED if created else FeeEvent.SCHEDULE_CHANGED,
        actor=actor,
        subject=schedule,
        summary=f"{schedule} : " + _rates_summary(new_rates),
        data={rate.kind: [str(rate.amount_ht), str(rate.vat_rate), rate.to_confirm] for rate in new_rates},
    )
    return schedule


def _refuse_retroactive(
    schedule: FeeSchedule | None, valid_from: dt.date, rates: RateValues, last: dt.date
) -> None:
    """Statements are issued (until `last`): no schedule takes effect in the past, none in force changes
    (its note aside): acts already done keep the price they had."""
    today = timezone.localdate()
    if (
        schedule is not None
        and schedule.valid_from <= today
        and (valid_from != schedule.valid_from or _rate_values(schedule) != _given(rates))
    ):
        raise ValidationError(
            {
                "valid_from": f"Ce barème est en vigueur depuis le {schedule.valid_from:%d/%m/%Y} et des "
                f"relevés sont émis (jusqu'au {last:%d/%m/%Y}) : ses tarifs et sa date ne se modifient "
                "plus. Créez un nouveau barème, en vigueur à partir d'aujourd'hui ou plus tard."
            }
        )
    if valid_from < today and (schedule is None or valid_from != schedule.valid_from):
        raise ValidationError(
            {
                "valid_from": f"Des relevés sont émis jusqu'au {last:%d/%m/%Y} : un barème prend effet "
                f"aujourd'hui ({today:%d/%m/%Y}) ou plus tard, jamais rétroactivement."
            }
        )


def _rate_values(schedule: FeeSchedule) -> dict[str, tuple[Decimal, Decimal, bool]]:
    return {r.kind: (r.amount_ht, r.vat_rate, r.to_confirm) for r in schedule.rates.all()}


def _given(rates: RateValues) -> dict[str, tuple[Decimal, Decimal, bool]]:
    return {
        kind: (Decimal(values[0]), Decimal(values[1]), bool(values[2]))
        for kind, values in rates.items()
        if values is not None
    }


def _checked_rates(schedule: FeeSchedule, rates: RateValues) -> list[FeeRate]:
    """The rates, each validated (French messages by kind); nothing is written if one is wrong."""
    checked, errors = [], {}
    for kind, values in rates.items():
        if values is None:
            continue
        amount, vat, to_confirm = values
        rate = FeeRate(kind=kind, amount_ht=amount, vat_rate=vat, to_confirm=to_confirm)
        try:
            rate.full_clean(exclude=["schedule"])
        except ValidationError as error:
            label = FeeKind(kind).label
            errors[kind] = [f"{label} : {message}" for message in error.messages]
        checked.append(rate)
    if errors:
        raise ValidationError(errors)
    return checked


def _rates_summary(rates: list[FeeRate]) -> str:
    shown = [f"{FeeKind(r.kind).label} {r.amount_ht} € HT (TVA {r.vat_rate} %)" for r in rates]
    return ", ".join(shown) or "aucun tarif (non tarifé)"


# --- Periods and statements ---------------------------------------------------------------------------------


@transaction.atomic
def compute_period(start: dt.date, end: dt.date, *, actor: SystemActor) -> FeePeriod:
    """Compute (or compute again) the draft statements of a period from the records; a period already
    frozen is returned unchanged. Refused when it overlaps a frozen period; a draft period it overlaps is a
    preview it replaces."""
    ensure_finance(actor)
    if end < start:
        raise ValidationError(
            "La date de fin de la période doit suivre sa date de début : rien n'a été calculé."
        )
    _lock()
    _refuse_overlap(start, end)
    period = FeePeriod.objects.filter(start=start, end=end).first()
    if period is not None and period.is_frozen:
        return period
    for preview in FeePeriod.objects.filter(status=PeriodStatus.DRAFT, start__lte=end, end__gte=start):
        if preview.start != start or preview.end != end:
            _delete_draft(preview)
    period = period or FeePeriod.objects.create(start=start, end=end)
    statements = _compute(period)
    record(
        FeeEvent.PERIOD_COMPUTED,
        actor=actor,
        subject=period,
        summary=f"Redevances calculées {period} : {len(statements)} relevé(s), "
        f"{sum((s.total_ht for s in statements), Decimal('0.00'))} € HT.",
    )
    return period


def _refuse_overlap(start: dt.date, end: dt.date) -> None:
    clash = (
        FeePeriod.objects.filter(status=PeriodStatus.FROZEN, start__lte=end, end__gte=start)
        .exclude(start=start, end=end)
        .first()
    )
    if clash is not None:
        raise ValidationError(
            f"La période du {start:%d/%m/%Y} au {end:%d/%m/%Y} chevauche celle {clash}, dont les relevés "
            "sont émis : rien n'a été calculé."
        )


def _delete_draft(period: FeePeriod) -> None:
    _delete_draft_lines(period)
    Statement.objects.filter(period=period).delete()
    period.delete()


def _delete_draft_lines(period: FeePeriod) -> None:
    """The lines of a draft period, in one statement: no line points to them (a credit reverses an issued
    line only), so the ORM's collector — which reads every line to look for one — is not needed."""
    if period.is_frozen:
        raise ValidationError(FROZEN_MESSAGE)
    lines, statements = StatementLine._meta.db_table, Statement._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {lines} WHERE statement_id IN "  # noqa: S608 (table names from the models)
            f"(SELECT id FROM {statements} WHERE period_id = %s)",
            [period.pk],
        )


def _compute(period: FeePeriod) -> list[Statement]:
    """Replace the draft statements of the period by what the records say now."""
    late = merged(
        FeePeriod.objects.filter(status=PeriodStatus.FROZEN, end__lt=period.start).values_list("start", "end")
    )
    lines = period_lines(period.start, period.end, late=late)
    concerned = active_organisations(period.start, period.end) | {organisation for organisation, _ in lines}
    _delete_draft_lines(period)
    Statement.objects.filter(period=period).exclude(organisation_id__in=concerned).delete()
    have = set(Statement.objects.filter(period=period).values_list("organisation_id", flat=True))
    Statement.objects.bulk_create(
        [Statement(period=period, organisation_id=organisation) for organisation in sorted(concerned - have)]
    )
    statements = {s.organisation_id: s for s in Statement.objects.filter(period=period)}
    for organisation, line in lines:
        line.statement = statements[organisation]
    _copy_sites([line for _, line in lines])
    insert_objects(StatementLine, [line for _, line in lines])  # COPY on PostgreSQL
    _set_totals(statements, lines)
    period.computed_at = timezone.now()
    period.save(update_fields=["computed_at"])
    return list(statements.values())


def _copy_sites(lines: list[StatementLine]) -> None:
    """Each line names its establishment as it stands now: the last computation, the issue's, is kept."""
    wanted = {line.site_id for line in lines if line.site_id is not None}
    sites = {
        pk: (siret, name)
        for pk, siret, name in Site.objects.filter(pk__in=wanted).values_list("pk", "siret", "name")
    }
    for line in lines:
        if line.site_id is not None:
            line.site_siret, line.site_name = sites[line.site_id]


def customer_addresses(organisation_ids: set[int]) -> dict[int, str]:
    """Each organisation's postal address: its first SIRET's (the organisation has none of its own)."""
    addresses: dict[int, str] = {}
    sites = Site.objects.filter(organisation_id__in=organisation_ids).order_by("organisation_id", "siret")
    for organisation_id, address, postcode, city in sites.values_list(
        "organisation_id", "address", "postcode", "city"
    ):
        addresses.setdefault(organisation_id, postal_address(address, postcode, city))
    return addresses


def _set_totals(statements: dict[int, Statement], lines: list[Line]) -> None:
    amounts: dict[int, list[Amounts | None]] = {organisation: [] for organisation in statements}
    for organisation, line in lines:
        amounts[organisation].append(
            Amounts(line.amount_ht, line.amount_vat, line.amount_ttc) if line.is_priced else None  # type: ignore[arg-type]
        )
    now = timezone.now()
    for organisation, statement in statements.items():
        total = totals(amounts[organisation])
        statement.total_ht, statement.total_vat, statement.total_ttc = total.ht, total.vat, total.ttc
        statement.unpriced = sum(1 for amount in amounts[organisation] if amount is None)
        statement.computed_at = now
    Statement.objects.bulk_update(
        list(statements.values()),
        ["total_ht", "total_vat", "total_ttc", "unpriced", "computed_at"],
        batch_size=500,
    )


@transaction.atomic
def freeze_period(period: FeePeriod, *, actor: SystemActor) -> FeePeriod:
    """Issue the period's statements: computed once more, numbered RDV-<year>-<n> without gaps (the year of
    issue), their lines immutable from now on; their PDFs rendered by the worker (or at first download)."""
    ensure_finance(actor)
    _lock()
    locked = FeePeriod.objects.select_for_update().get(pk=period.pk)
    if locked.is_frozen:
        raise ValidationError(f"Les relevés de la période {locked} sont déjà émis.")
    if locked.end >= timezone.localdate():
        raise ValidationError(
            f"La période {locked} n'est pas terminée : ses relevés s'émettent à partir du "
            f"{locked.end + dt.timedelta(days=1):%d/%m/%Y}."
        )
    _refuse_overlap(locked.start, locked.end)
    _compute(locked)
    statements = list(
        Statement.objects.filter(period=locked)
        .select_related("organisation")
        .order_by("organisation__legal_name", "organisation_id")
    )
    now = timezone.now()
    numbers = take_numbers(timezone.localdate(now).year, len(statements))
    addresses = customer_addresses({statement.organisation_id for statement in statements})
    for statement, number in zip(statements, numbers, strict=True):
        statement.number, statement.status, statement.frozen_at = number, StatementStatus.FROZEN, now
        # The customer as it is today, for good: a later rename does not change the statement.
        statement.customer_name = statement.organisation.legal_name
        statement.customer_siren = statement.organisation.siren
        statement.customer_address = addresses.get(statement.organisation_id, "")
        # The payment terms in force today, for good; nothing is due on a néant or a credit.
        owed = statement.total_ttc > 0
        statement.due_on = (
            timezone.localdate(now) + dt.timedelta(days=settings.FEES_PAYMENT_DAYS) if owed else None
        )
    Statement.objects.bulk_update(statements, [*FROZEN_FIELDS, *IDENTITY_FIELDS, "due_on"], batch_size=500)
    locked.status, locked.frozen_at = PeriodStatus.FROZEN, now
    locked.save(update_fields=["status", "frozen_at"])
    record_each(
        FeeEvent.STATEMENT_ISSUED,
        actor=actor,
        subjects=statements,
        summaries=[f"Relevé {s.number} émis ({locked}) : {s.total_ttc} € TTC." for s in statements],
    )
    record(
        FeeEvent.PERIOD_FROZEN,
        actor=actor,
        subject=locked,
        summary=f"Relevés émis {locked} : " + (f"{numbers[0]} à {numbers[-1]}." if numbers else "aucun."),
    )
    from .tasks import render_statement_pdfs  # the actors import this module

    send_on_commit(render_statement_pdfs.send, locked.pk)
    return locked


def take_numbers(year: int, count: int) -> list[str]:
    """The next `count` numbers of the year, under the counter's row lock: no gap, no duplicate; rolled back
    with the transaction, they are given again."""
    StatementCounter.objects.bulk_create([StatementCounter(year=year)], ignore_conflicts=True)
    counter = StatementCounter.objects.select_for_update().get(year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return [format_number(year, n) for n in range(first, first + count)]


@transaction.atomic
def mark_paid(statement: Statement, *, actor: Actor) -> Statement:
    """Record that an issued statement is paid (finance); one with nothing to pay (néant, or a credit
    only) is refused."""
    ensure_finance(actor)
    locked = Statement.objects.select_for_update().get(pk=statement.pk)
    if locked.status == StatementStatus.DRAFT:
        raise ValidationError("Un relevé en brouillon ne se paie pas : il doit d'abord être émis.")
    if locked.status == StatementStatus.PAID:
        raise ValidationError(f"Le relevé {locked.number} est déjà marqué comme payé.")
    if locked.total_ttc <= 0:
        what = "Relevé créditeur" if locked.total_ttc < 0 else "Relevé néant"
        raise ValidationError(
            f"{what} : rien à payer (le relevé {locked.number} s'élève à {locked.total_ttc} € TTC)."
        )
    locked.status, locked.paid_at = StatementStatus.PAID, timezone.now()
    locked.save(update_fields=["status", "paid_at"])
    record(
        FeeEvent.STATEMENT_PAID,
        actor=actor,
        subject=locked,
        summary=f"Relevé {locked.number} payé ({locked.total_ttc} € TTC).",
    )
    return locked


def render_statement_pdf(pk: int) -> bool:
    """Render, sign and store the PDF of an issued statement that has none; True if rendered now. Safe to run
    twice, from the worker or a request."""
    from .documents import render_statement, statement_seal  # WeasyPrint: only when a document is rendered

    with transaction.atomic():
        statement = Statement.objects.select_for_update().select_related("period", "organisation").get(pk=pk)
        if not statement.is_issued or statement.pdf:
            return False
        signed = statement_seal(statement).sign(render_statement(statement))
        statement.pdf.save(f"{statement.number}.pdf", ContentFile(signed), save=False)
        statement.save(update_fields=["pdf"])
    return True


def bill_previous_quarter(today: dt.date, *, actor: SystemActor = None, issue: bool = True) -> FeePeriod:
    """The quarterly job's work: the quarter before `today`'s computed, and issued unless `issue` is False
    (already issued: left). Refused (a period issued by hand overlaps it): the refusal is recorded on that
    period's timeline for finance to see, then raised."""
    start, end = previous_quarter(today)
    try:
        period = compute_period(start, end, actor=actor)
    except ValidationError as error:
        _record_not_billed(start, end, error, actor=actor)
        raise
    return period if period.is_frozen or not issue else freeze_period(period, actor=actor)


def _record_not_billed(start: dt.date, end: dt.date, error: ValidationError, *, actor: SystemActor) -> None:
    clash = FeePeriod.objects.filter(status=PeriodStatus.FROZEN, start__lte=end, end__gte=start).first()
    if clash is not None:
        record(
            FeeEvent.QUARTER_NOT_BILLED,
            actor=actor,
            subject=clash,
            summary=f"Trimestre du {start:%d/%m/%Y} au {end:%d/%m/%Y} non facturé : "
            + " ".join(error.messages),
            data={"start": start.isoformat(), "end": end.isoformat()},
        )
