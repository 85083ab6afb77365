"""« Devenir des certifié·es »: the figures of a survey's wave — invitations, deliveries, answers, response
rate — and each question's answers broken down by one statistical cell, with small cells suppressed.

Suppression (no one may be recognised), over every count of the page at once:
1. primary: any count from 1 to 9 (a cell, a row's total, the « Ensemble » row, the number of answers) is
   shown « < 10 »;
2. between filters: a view filtered by region or certification, subtracted from the unfiltered view within
   the viewer's scope, must not give back a count from 1 to 9. The answers in the scope but outside the
   filters (the complement) are counted too, and every count whose complement, in the same cell, is from
   1 to 9 is hidden;
3. complementary: the counts are bound by sums — in each table, a row's cells add up to its total, a
   column's cells to its « Ensemble » cell; across tables, a conditional question asked of everyone who gave
   some answers to another (« contrat » of those « en emploi salarié ») has row totals equal to the sum of
   those cells of the other question; required questions asked of everyone have the same row totals, whose
   « Ensemble » is the number of answers. In every sum with a hidden count, its zeros are hidden too, at
   least two non-zero members are hidden, and the hidden members of a sum whose total is shown add up to at
   least 10 (the smallest shown member is hidden until they do, in whichever table it stands); then an
   audit bounds each hidden count by what the page still tells (« < 10 » and the sums) and hides more while
   one from 1 to 9 would be known exactly (`suppression`: the rules and their limits).
   Every wave's tables are in it (the 6 vs 12 months comparison is their « Ensemble » rows), so a count is
   hidden alike on each wave's page.
A share is shown only when both the cell and its row's total are shown. A zero is shown « — » unless hidden
with the counts of its sums (else every hidden count would be known to be at least 1). The 6 vs 12 months
comparison is shown for a question only when both waves have at least 10 answers to it. Rows are named in
French (`cells.labels_of`), never by a code.

Free comments are shown only to supervisors and administrators, on the view of their whole scope without
filters (the comments of two views compared would be those of the few answers between them), when the wave
has at least 10 answers there: shuffled, without any cell, never in the exports.

Scope: a national person sees everything; a regional one only the answers whose region cell is theirs and
the invitations of their regions (the certificate's region) — never anything else, totals included."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from django.db.models import (
    BooleanField,
    CharField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast, Concat

from accreditation.models import Certification, Region
from backoffice.dashboards.filters import Filters
from backoffice.notifications.models import Channel, Notification, Status

from .cells import labels_of, ordered
from .models import Answer, Invitation, Survey, SurveyStatus
from .suppression import THRESHOLD, Key, Sum, suppress_jointly, table_sums

SUPPRESSED = "< 10"
EMPTY = "—"
TOTAL = "Ensemble"
ALL = "*"  # the key of the « Ensemble » row and of a row's total column (no code nor choice is "*")
ANSWERED = "answered"  # the key of the number of answers: (ANSWERED, wave, ALL, ALL)
DIMENSIONS = {  # ?par= → the Answer's cell and its French name
    "region": ("region_code", "Région"),
    "certification": ("certification_code", "Certification"),
    "age": ("age_band", "Tranche d'âge"),
    "statut": ("status_at_entry", "Statut à l'entrée"),
    "sexe": ("sex", "Sexe"),
}
COUNTED_KINDS = ("choice", "scale", "multi")
SINGLE_KINDS = ("choice", "scale")  # one answer a person: a row's cells add up to its total


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
    comments: list[str] | None = None  # None: not for this person
    comments_withheld: str = ""  # why no comment is shown, when they are withheld


# Selectors


def surveys_with_results() -> QuerySet[Survey]:
    """The surveys that may have results (started ones), newest first."""
    return Survey.objects.exclude(status=SurveyStatus.DRAFT).order_by("-created_at", "-pk")


def default_survey() -> Survey | None:
    """The latest running survey, else the latest started one."""
    surveys = surveys_with_results()
    return surveys.filter(status=SurveyStatus.RUNNING).first() or surveys.first()


def survey_results(
    survey: Survey,
    wave: int,
    dimension: str,
    filters: Filters,
    *,
    scope: Filters | None = None,
    comments: bool = False,
) -> Results:
    """Everything the page and its export show for one survey, wave and dimension, within the filters;
    `scope`: the same person's view without filters (the complement is counted against it); `comments`:
    the person may read the free comments."""
    shown, complement = _answer_rows(survey, dimension, filters, scope or filters)
    questions = [q for q in survey.questionnaire.questions if q.get("kind") in COUNTED_KINDS]
    waves = sorted({wave, *survey.delays})
    counts = tally(questions, shown)
    outside = tally(questions, complement)
    sums = page_sums(questions, waves, counts)
    hidden = suppress_jointly(
        counts, sums, also=(key for key, n in counts.items() if n and 0 < outside[key] < THRESHOLD)
    )
    labels = labels_of(dimension)
    answered = counts[(ANSWERED, wave, ALL, ALL)]
    readable, withheld = _comments(survey, [d for m, _, d in shown if m == wave], filters, scope, comments)
    return Results(
        survey=survey,
        wave=wave,
        dimension=dimension,
        counts=invitation_counts(
            survey, wave, filters, answered=Cell(answered, hidden=(ANSWERED, wave, ALL, ALL) in hidden)
        ),
        distributions=[distribution(q, wave, counts, hidden, labels) for q in questions],
        comparisons=comparisons(questions, waves, counts, hidden),
        comments=readable,
        comments_withheld=withheld,
    )


COMMENTS_FILTERED = (
    "Les commentaires s'affichent sans filtre, sur tout votre périmètre : comparés d'un filtre à "
    "l'autre, ils désigneraient les quelques réponses qui les séparent."
)
COMMENTS_TOO_FEW = (
    "Les commentaires s'affichent quand la vague compte au moins 10 réponses dans votre périmètre."
)


def _comments(
    survey: Survey, answers: list[dict[str, Any]], filters: Filters, scope: Filters | None, allowed: bool
) -> tuple[list[str] | None, str]:
    """The comments the person reads (None: not for them) and why none are shown ("" when they are): only
    on the unfiltered view of their scope, with at least 10 answers there."""
    if not allowed:
        return None, ""
    if scope is not None and not _same_view(filters, scope):
        return [], COMMENTS_FILTERED
    if len(answers) < THRESHOLD:
        return [], COMMENTS_TOO_FEW
    return free_comments(survey, answers), ""


def _same_view(filters: Filters, scope: Filters) -> bool:
    """The filters show the whole scope (a regional person choosing their one region is not filtering)."""

    def regions(f: Filters) -> set[int] | None:
        return None if f.region_ids is None else set(f.region_ids)

    return regions(filters) == regions(scope) and filters.certification_id == scope.certification_id


def scoped_answers(survey: Survey, filters: Filters) -> QuerySet[Answer]:
    return Answer.objects.filter(_within(filters), survey=survey)


def _within(filters: Filters) -> Q:
    """The answers within the filters (their region and certification cells)."""
    condition = Q()
    if filters.region_ids is not None:
        condition &= Q(region_code__in=Region.objects.filter(pk__in=filters.region_ids).values("code"))
    if filters.certification_id is not None:
        code = Certification.objects.filter(pk=filters.certification_id).values("code")
        condition &= Q(certification_code__in=code)
    return condition


AnswerRow = tuple[int, str, dict[str, Any]]  # an answer's wave, dimension cell and answers


def _answer_rows(
    survey: Survey, dimension: str, filters: Filters, scope: Filters
) -> tuple[list[AnswerRow], list[AnswerRow]]:
    """The answers within the filters and those in the scope outside them (the complement), in one query."""
    within = _within(filters)
    answers = scoped_answers(survey, scope)
    if within:
        answers = answers.annotate(shown=ExpressionWrapper(within, output_field=BooleanField()))
    else:
        answers = answers.annotate(shown=Value(True, output_field=BooleanField()))
    shown: list[AnswerRow] = []
    complement: list[AnswerRow] = []
    for is_shown, months, cell, data in answers.values_list(
        "shown", "wave_months", DIMENSIONS[dimension][0], "answers"
    ):
        (shown if is_shown else complement).append((months, cell, data))
    return shown, complement


def invitation_counts(survey: Survey, wave: int, filters: Filters, *, answered: Cell) -> Counts:
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
        sent=figures["sent"], no_email=figures["no_email"], delivered=figures["delivered"], answered=answered
    )


# The counts and their sums


def _values(question: dict[str, Any], data: dict[str, Any]) -> list[str]:
    given = data.get(question["key"])
    values = given if isinstance(given, list) else [given]
    return [str(v) for v in values if v not in (None, "")]


def tally(questions: list[dict[str, Any]], answers: Iterable[AnswerRow]) -> Counter[Key]:
    """The counts keyed (question, wave, row, column): the row a value of the dimension or ALL (the
    « Ensemble » row), the column a choice or ALL (the row's people who answered); and the number of
    answers, (ANSWERED, wave, ALL, ALL)."""
    counts: Counter[Key] = Counter()
    for months, cell, data in answers:
        counts[(ANSWERED, months, ALL, ALL)] += 1
        for question in questions:
            values = _values(question, data)
            if not values:
                continue
            for row in (cell, ALL):
                counts[(question["key"], months, row, ALL)] += 1
                for value in values:
                    counts[(question["key"], months, row, value)] += 1
    return counts


def _rows(counts: Counter[Key], key: str, wave: int) -> set[str]:
    return {str(row) for q, w, row, column in counts if (q, w, column) == (key, wave, ALL) and row != ALL}


def page_sums(questions: list[dict[str, Any]], waves: list[int], counts: Counter[Key]) -> list[Sum]:
    """Every sum binding the page's counts, as (total, parts): each table's rows and columns, then across
    tables (see the module's docstring); two counts that are the same people are a total and its one part."""
    by_key = {q["key"]: q for q in questions}
    everyone = [q["key"] for q in questions if q.get("required") and not q.get("show_if")]
    sums: list[Sum] = []
    for wave in waves:
        rows = {ALL}
        for question in questions:
            mine = [*sorted(_rows(counts, question["key"], wave)), ALL]
            rows.update(mine)
            columns = [*(c["value"] for c in question.get("choices", [])), ALL]
            sums += table_sums((question["key"], wave), mine, columns)
        for row in sorted(rows):
            # Required questions asked of everyone: the same people, whose « Ensemble » is the answers.
            sums += [((a, wave, row, ALL), [(b, wave, row, ALL)]) for a, b in pairwise(everyone)]
            sums += [link for q in questions if (link := _conditional(q, by_key, wave, row))]
        if everyone:
            sums.append(((ANSWERED, wave, ALL, ALL), [(everyone[0], wave, ALL, ALL)]))
    return sums


def _conditional(
    question: dict[str, Any], by_key: dict[str, dict[str, Any]], wave: int, row: str
) -> Sum | None:
    """A required question asked of those who gave some answers to a single-answer question: its row's
    total is the sum of those cells of the other (None when the question is not such)."""
    condition = question.get("show_if")
    parent = by_key.get(condition["key"]) if condition else None
    if not (condition and parent and question.get("required") and parent.get("kind") in SINGLE_KINDS):
        return None
    return (question["key"], wave, row, ALL), [(parent["key"], wave, row, v) for v in condition["values"]]


# The tables


def distribution(
    question: dict[str, Any], wave: int, counts: Counter[Key], hidden: set[Key], labels: dict[str, str]
) -> Distribution:
    """The question's answers by the dimension's values, then « Ensemble », suppressed."""
    key = question["key"]
    rows = [(code, name) for code, name in ordered(_rows(counts, key, wave), labels)]
    table = [_row(name, (key, wave, code), question, counts, hidden) for code, name in rows]
    if table:
        table.append(_row(TOTAL, (key, wave, ALL), question, counts, hidden))
    return Distribution(
        key=key,
        label=question["label"],
        columns=[c["label"] for c in question.get("choices", [])],
        rows=table,
    )


def _row(name: str, prefix: Key, question: dict[str, Any], counts: Counter[Key], hidden: set[Key]) -> Row:
    total = Cell(counts[(*prefix, ALL)], hidden=(*prefix, ALL) in hidden)
    whole = None if total.hidden else total.count
    cells = [
        Cell(counts[(*prefix, c["value"])], hidden=(*prefix, c["value"]) in hidden, whole=whole)
        for c in question.get("choices", [])
    ]
    return Row(name, cells, total)


def comparisons(
    questions: list[dict[str, Any]], waves: list[int], counts: Counter[Key], hidden: set[Key]
) -> list[Distribution]:
    """Per question, its « Ensemble » row at each wave of the same cohort, when every wave has ≥ 10 answers
    to it."""
    if len(waves) < 2:
        return []
    return [
        Distribution(
            key=q["key"],
            label=q["label"],
            columns=[c["label"] for c in q.get("choices", [])],
            rows=[_row(f"À {wave} mois", (q["key"], wave, ALL), q, counts, hidden) for wave in waves],
        )
        for q in questions
        if min(counts[(q["key"], wave, ALL, ALL)] for wave in waves) >= THRESHOLD
    ]


def free_comments(survey: Survey, answers: list[dict[str, Any]]) -> list[str]:
    """The free comments of the wave's answers, when there are at least 10 answers, shuffled (never in the
    order they were read, which could name who wrote them), without any cell."""
    if len(answers) < THRESHOLD:
        return []
    keys = [q["key"] for q in survey.questionnaire.questions if q.get("kind") == "text"]
    found = [text for data in answers for key in keys if isinstance(text := data.get(key), str) and text]
    random.SystemRandom().shuffle(found)
    return found


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
