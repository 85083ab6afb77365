"""Read queries of the fees, scoped: finance (national supervisors and administrators) sees every statement;
an organisation's staff see their organisation's issued statements; anyone else, none (a 404)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404
from django.urls import reverse

from accreditation.models import Accreditation, AccreditationApplication, Site
from accreditation.scoping import scope_of
from accreditation.selectors import accreditations_for, applications_for
from backoffice.core.accounts.roles import Role, has_role
from casefiles.models import CaseFile, Certificate
from casefiles.selectors import case_files_for, certificates_for

from .models import FeePeriod, FeeSchedule, Statement, StatementLine, StatementStatus

ORGANISATION_STAFF = (Role.EVALUATOR_STAFF, Role.TRAINER_STAFF)


def is_finance(user: Any) -> bool:
    """Finance: national supervisors and administrators — they compute, issue, export and mark as paid."""
    return has_role(user, Role.SUPERVISOR, Role.ADMINISTRATOR) and scope_of(user).national


def may_see_fees(user: Any) -> bool:
    """Finance, or the staff of an organisation (their own statements)."""
    return is_finance(user) or _own_organisation(user) is not None


def _own_organisation(user: Any) -> int | None:
    organisation_id = scope_of(user).organisation_id
    return organisation_id if organisation_id and has_role(user, *ORGANISATION_STAFF) else None


def statements_for(user: Any) -> QuerySet[Statement]:
    """Every statement for finance; the issued statements of their organisation for its staff; else none."""
    statements = Statement.objects.select_related("period", "organisation")
    if is_finance(user):
        return statements
    organisation_id = _own_organisation(user)
    if organisation_id is None:
        return statements.none()
    return statements.filter(organisation_id=organisation_id).exclude(status=StatementStatus.DRAFT)


def get_statement_for(user: Any, pk: int) -> Statement:
    """One statement in the user's scope, else 404."""
    return get_object_or_404(statements_for(user), pk=pk)


def lines_for(user: Any) -> QuerySet[StatementLine]:
    """The lines of the statements the user may see."""
    return StatementLine.objects.filter(statement__in=statements_for(user))


def filter_statements(statements: QuerySet[Statement], query: Mapping[str, Any]) -> QuerySet[Statement]:
    """The list's filters: a period (`periode`), a status (`statut`), an organisation by name or SIREN
    (`organisme`); newest period first, then by organisation."""
    period = str(query.get("periode", ""))
    if period.isdigit():
        statements = statements.filter(period_id=int(period))
    if query.get("statut") in StatementStatus.values:
        statements = statements.filter(status=query["statut"])
    search = str(query.get("organisme", "")).strip()
    if search:
        statements = statements.filter(
            Q(organisation__legal_name__icontains=search) | Q(organisation__siren=search.replace(" ", ""))
        )
    return statements.order_by("-period__start", "organisation__legal_name", "pk")


def periods_for(user: Any) -> QuerySet[FeePeriod]:
    """The periods computed, with their statements' count and totals: finance only."""
    if not is_finance(user):
        return FeePeriod.objects.none()
    return FeePeriod.objects.annotate(
        statements_count=Count("statements"),
        total_ht=Sum("statements__total_ht"),
        total_ttc=Sum("statements__total_ttc"),
        paid=Count("statements", filter=Q(statements__status=StatementStatus.PAID)),
    ).order_by("-start", "-end")


def get_period_for(user: Any, pk: int) -> FeePeriod:
    """One period, for finance; else 404."""
    return get_object_or_404(periods_for(user), pk=pk)


def schedules() -> QuerySet[FeeSchedule]:
    """Every schedule with its rates, by certification, the latest first."""
    return FeeSchedule.objects.select_related("certification", "created_by").prefetch_related("rates")


@dataclass
class SiteGroup:
    """The lines of one SIRET (or of the organisation alone), with their subtotals."""

    site: Site | None
    lines: list[StatementLine] = field(default_factory=list)

    @property
    def siret(self) -> str:
        """The establishment's SIRET as copied onto its lines (as it stood at issue)."""
        return self.lines[0].site_siret if self.lines else ""

    @property
    def name(self) -> str:
        return self.lines[0].site_name if self.lines else ""

    @property
    def total_ht(self) -> Decimal:
        return sum((line.amount_ht for line in self.lines if line.amount_ht is not None), Decimal("0.00"))

    @property
    def total_ttc(self) -> Decimal:
        return sum((line.amount_ttc for line in self.lines if line.amount_ttc is not None), Decimal("0.00"))


def lines_by_site(statement: Statement) -> list[SiteGroup]:
    """A statement's lines grouped by establishment (in the order of the SIRETs copied onto them; lines
    without a SIRET last)."""
    groups: dict[int | None, SiteGroup] = {}
    lines = (
        StatementLine.objects.filter(statement=statement)
        .select_related("site", "certification", "credit_of__statement")
        .order_by("site__siret", "act_on", "kind", "pk")
    )
    for line in lines:
        groups.setdefault(line.site_id, SiteGroup(site=line.site)).lines.append(line)
    return sorted(groups.values(), key=lambda group: (group.site is None, group.siret))


# Where each kind of act is shown, and who may open it: the domain's own scoped selector.
_PAGES: dict[type, tuple[Any, str]] = {
    CaseFile: (case_files_for, "candidats:dossiers:detail"),
    Certificate: (certificates_for, "certificats:detail"),
    AccreditationApplication: (applications_for, "campagnes:application"),
    Accreditation: (accreditations_for, "annuaire:habilitations:detail"),
}


def act_links(user: Any, lines: list[StatementLine]) -> dict[int, str]:
    """For each line whose act the user may open, the link to its page (one query per kind of page)."""
    wanted: dict[type, set[int]] = {}
    for line in lines:
        model = ContentType.objects.get_for_id(line.subject_type_id).model_class()
        if model in _PAGES:
            wanted.setdefault(model, set()).add(line.subject_id)
    visible: dict[type, set[int]] = {}
    for model, ids in wanted.items():
        selector, _ = _PAGES[model]
        visible[model] = set(selector(user).filter(pk__in=ids).values_list("pk", flat=True))
    links = {}
    for line in lines:
        model = ContentType.objects.get_for_id(line.subject_type_id).model_class()
        if model is not None and line.subject_id in visible.get(model, set()):
            links[line.pk] = reverse(_PAGES[model][1], kwargs={"pk": line.subject_id})
    return links
