"""« Devenir des certifié·es »: the figures of a survey's wave — invitations, deliveries, answers, response
rate — and each question's answers broken down by one statistical cell, with small cells suppressed.

Suppression (no one may be recognised):
1. primary: any count from 1 to 9 (a cell, a row's total, the « Ensemble » row) is shown « < 10 »;
2. complementary: a table is a set of sums (each row's cells add up to its total; each column's cells add
   up to its « Ensemble » cell; the totals add up to the grand total). When exactly one member of a sum is
   hidden, it could be computed back from the others: the smallest other non-zero member is hidden too.
   This is repeated until no sum has a single hidden member (it ends: cells only ever get hidden).
A share is shown only when both the cell and its row's total are shown. Zero is shown « — »: it is not a
person. Free comments are never shown. The 6 vs 12 months comparison is the same table, the waves as rows,
shown for a question only when both waves have at least 10 answers to it.

Scope: a national person sees everything; a regional one only the answers whose region cell is theirs and
the invitations of their regions (the certificate's region) — never anything else, totals included."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import CharField, Count, Exists, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat

from accreditation.models import Certification, Region
from backoffice.dashboards.filters import Filters
from backoffice.notifications.models import Channel, Notification, Status
from casefiles.models import CandidateStatus

from .models import Answer, Invitation, Survey, SurveyStatus

THRESHOLD = 10
SUPPRESSED = "< 10"
EMPTY = "—"
TOTAL = "Ensemble"
DIMENSIONS = {  # ?par= → the Answer's cell and its French name
    "region": ("region_code", "Région"),
    "certification": ("certification_code", "Certification"),
    "age": ("age_band", "Tranche d'âge"),
    "statut": ("status_at_entry", "Statut à l'entrée"),
}
COUNTED_KINDS = ("choice", "scale", "multi")


def french_percent(part: int, whole: int) -> str:
    """« 42 % » (rounded, with a non-breaking space), or « — » without a whole."""
    return f"{round(100 * part / whole)}\u00a0%" if whole else EMPTY


@dataclass
class Cell:
    count: int
    hidden: bool = False
    whole: int | None = None  # the row's total, when shown: the cell's share is shown with it

    @property
    def text(self) -> str:
        if self.hidden:
            return SUPPRESSED
        return str(self.count) if self.count else EMPTY

    @property
    def share(self) -> str:
        return "" if self.hidden or not self.whole else french_percent(self.count, self.whole)

    @property
    def width(self) -> int:
        """The bar's width in percent (0 when the share is not shown)."""
        return round(100 * self.count / self.whole) if self.whole and not self.hidden else 0

    @property
    def export(self) -> str | int:
        return SUPPRESSED if self.hidden else self.count


@dataclass
class Row:
    label: str
    cells: list[Cell]
    total: Cell


@dataclass
class Distribution:
    """One question's table: a row per value of the dimension (then « Ensemble »), a column per answer."""

    key: str
    label: str
    columns: list[str]
    rows: list[Row] = field(default_factory=list)


@dataclass
class Counts:
    sent: int
    no_email: int
    delivered: int
    answered: Cell

    @property
    def rate(self) -> str:
        return SUPPRESSED if self.answered.hidden else french_percent(self.answered.count, self.sent)


@dataclass
class Results:
    survey: Survey
    wave: int
    dimension: str
    counts: Counts
    distributions: list[Distribution]
    comparisons: list[Distribution]


# Selectors


def surveys_with_results() -> QuerySet[Survey]:
    """The surveys that may have results (started ones), newest first."""
    return Survey.objects.exclude(status=SurveyStatus.DRAFT).order_by("-created_at", "-pk")


def default_survey() -> Survey | None:
    """The latest running survey, else the latest started one."""
    surveys = surveys_with_results()
    return surveys.filter(status=SurveyStatus.RUNNING).first() or surveys.first()


def survey_results(survey: Survey, wave: int, dimension: str, filters: Filters) -> Results:
    """Everything the page and its export show for one survey, wave and dimension, within the filters."""
    answers = scoped_answers(survey, filters)
    rows = list(
        answers.filter(wave_months__in={wave, *survey.delays}).values_list(
            "wave_months", DIMENSIONS[dimension][0], "answers"
        )
    )
    mine = [(cell, data) for months, cell, data in rows if months == wave]
    questions = [q for q in survey.questionnaire.questions if q.get("kind") in COUNTED_KINDS]
    labels = dimension_labels(dimension)
    return Results(
        survey=survey,
        wave=wave,
        dimension=dimension,
        counts=invitation_counts(survey, wave, filters, answered=len(mine)),
        distributions=[distribution(q, mine, labels) for q in questions],
        comparisons=comparisons(questions, rows, survey.delays),
    )


def scoped_answers(survey: Survey, filters: Filters) -> QuerySet[Answer]:
    answers = Answer.objects.filter(survey=survey)
    if filters.region_ids is not None:
        codes = Region.objects.filter(pk__in=filters.region_ids).values("code")
        answers = answers.filter(region_code__in=codes)
    if filters.certification_id is not None:
        code = Certification.objects.filter(pk=filters.certification_id).values("code")
        answers = answers.filter(certification_code__in=code)
    return answers


def invitation_counts(survey: Survey, wave: int, filters: Filters, *, answered: int) -> Counts:
    """Sent (with an e-mail), without e-mail, delivered (the outbox row sent), in one query."""
    key = Concat(Value("survey-invitation-"), Cast(OuterRef("pk"), CharField()), Value(":"))
    delivered = Notification.objects.filter(channel=Channel.EMAIL, status=Status.SENT, key__startswith=key)
    invitations = Invitation.objects.filter(
        filters.regions_q("certificate__region"),
        filters.certification_q("certificate__certification"),
        survey=survey,
        wave_months=wave,
    )
    figures = invitations.aggregate(
        sent=Count("pk", filter=Q(no_email=False)),
        no_email=Count("pk", filter=Q(no_email=True)),
        delivered=Count("pk", filter=Q(Exists(delivered))),
    )
    return Counts(
        sent=figures["sent"],
        no_email=figures["no_email"],
        delivered=figures["delivered"],
        answered=Cell(answered, hidden=0 < answered < THRESHOLD),
    )


def dimension_labels(dimension: str) -> dict[str, str]:
    if dimension == "region":
        return dict(Region.objects.values_list("code", "name"))
    if dimension == "certification":
        return dict(Certification.objects.values_list("code", "name"))
    if dimension == "statut":
        return {str(value): str(label) for value, label in CandidateStatus.choices}
    return {}


# The tables


def _values(question: dict[str, Any], data: dict[str, Any]) -> list[str]:
    given = data.get(question["key"])
    values = given if isinstance(given, list) else [given]
    return [str(v) for v in values if v not in (None, "")]


def distribution(
    question: dict[str, Any], answers: list[tuple[str, dict[str, Any]]], labels: dict[str, str]
) -> Distribution:
    """The question's answers by the dimension's values, then « Ensemble », suppressed."""
    choices = [c["value"] for c in question.get("choices", [])]
    counts: dict[str, Counter[str]] = {}
    totals: Counter[str] = Counter()
    for cell, data in answers:
        values = _values(question, data)
        if values:
            totals[cell] += 1
            counts.setdefault(cell, Counter()).update(values)
    keys = sorted(counts, key=lambda k: labels.get(k, k or "~"))
    names = [labels.get(k, k) or "Non renseigné" for k in keys]
    table = _table(names, [[counts[k][c] for c in choices] for k in keys], [totals[k] for k in keys])
    return Distribution(
        key=question["key"],
        label=question["label"],
        columns=[c["label"] for c in question.get("choices", [])],
        rows=table,
    )


def comparisons(
    questions: list[dict[str, Any]], rows: list[tuple[int, str, dict[str, Any]]], delays: Iterable[int]
) -> list[Distribution]:
    """Per question, its answers at each wave of the same cohort, when every wave has ≥ 10 answers to it."""
    waves = sorted(set(delays))
    if len(waves) < 2:
        return []
    shown = []
    for question in questions:
        choices = [c["value"] for c in question.get("choices", [])]
        matrix, totals = [], []
        for wave in waves:
            given = [v for months, _, d in rows if months == wave and (v := _values(question, d))]
            totals.append(len(given))
            matrix.append([sum(c in values for values in given) for c in choices])
        if min(totals) < THRESHOLD:
            continue
        names = [f"À {wave} mois" for wave in waves]
        shown.append(
            Distribution(
                key=question["key"],
                label=question["label"],
                columns=[c["label"] for c in question.get("choices", [])],
                rows=_table(names, matrix, totals, overall=False),
            )
        )
    return shown


def _table(
    names: list[str], matrix: list[list[int]], totals: list[int], *, overall: bool = True
) -> list[Row]:
    """Rows of cells with their totals (and the « Ensemble » row), after both suppressions."""
    if not names:
        return []
    if overall:
        width = len(matrix[0])
        names = [*names, TOTAL]
        matrix = [*matrix, [sum(row[i] for row in matrix) for i in range(width)]]
        totals = [*totals, sum(totals)]
    grid = [[*row, total] for row, total in zip(matrix, totals, strict=True)]
    hidden = suppress(grid, has_margin_row=overall)
    rows = []
    for r, name in enumerate(names):
        total_hidden = hidden[r][-1]
        whole = None if total_hidden else totals[r]
        cells = [Cell(n, hidden=hidden[r][c], whole=whole) for c, n in enumerate(matrix[r])]
        rows.append(Row(name, cells, Cell(totals[r], hidden=total_hidden)))
    return rows


def suppress(grid: list[list[int]], *, has_margin_row: bool) -> list[list[bool]]:
    """Which cells to hide: primary (1 to 9) then complementary (see the module's docstring). The last
    column holds the rows' totals; with `has_margin_row`, the last row holds the columns' totals."""
    hidden = [[0 < n < THRESHOLD for n in row] for row in grid]
    if not grid:
        return hidden
    sums = [[(r, c) for c in range(len(grid[r]))] for r in range(len(grid))]  # each row with its total
    if has_margin_row:
        sums += [[(r, c) for r in range(len(grid))] for c in range(len(grid[0]))]
    changed = True
    while changed:
        changed = False
        for members in sums:
            if sum(hidden[r][c] for r, c in members) != 1:
                continue
            visible = [(grid[r][c], r, c) for r, c in members if not hidden[r][c] and grid[r][c]]
            if visible:
                _, r, c = min(visible)
                hidden[r][c] = changed = True
    return hidden


def export_rows(results: Results) -> tuple[list[str], list[list[Any]]]:
    """The distributions as one sheet: question, dimension value, answer, count (« < 10 ») and share."""
    headers = ["Question", DIMENSIONS[results.dimension][1], "Réponse", "Nombre", "Part"]
    rows: list[list[Any]] = []
    for table in results.distributions:
        for row in table.rows:
            for label, cell in zip(table.columns, row.cells, strict=True):
                rows.append([table.label, row.label, label, cell.export, cell.share])
            rows.append([table.label, row.label, "Total", row.total.export, ""])
    return headers, rows
