"""Holders at the training-account system (SI CPF, Caisse des Dépôts), per region and certification: to send
(and how many of those cannot be yet, their identity incomplete), sent and waiting for the CDC's receipt,
accepted, rejected (by the CDC's message), late — awarded over 3 months ago and not accepted — and the oldest
award not accepted. The certificates of the person's scope, within the filters; the period is the award's."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from casefiles.models import Certificate
from casefiles.selectors import TransmissionLine, certificates_for, transmission_overview, transmission_totals

from .filters import Filters, today
from .tables import Table

ROUTE = "tableaux-de-bord:cpf"
HEADERS = [
    "Région",
    "Certification",
    "À transmettre",
    "dont identité incomplète",
    "En attente d'accusé",
    "Acceptés",
    "Rejetés",
    "En retard (+ 3 mois)",
    "Plus ancienne obtention non acceptée",
]
REASON_HEADERS = ["Motif du rejet (message de la CDC)", "Région", "Certification", "Rejetés"]


def scoped_certificates(user: Any, filters: Filters) -> QuerySet[Certificate]:
    """The certificates of the person's scope, within the region, certification and award period chosen."""
    return certificates_for(user).filter(
        filters.regions_q("region"),
        filters.certification_q("certification"),
        filters.period_q("awarded_on"),
    )


def _row(line: TransmissionLine) -> list[Any]:
    return [
        line.region,
        line.certification,
        line.to_send,
        line.incomplete,
        line.sent,
        line.accepted,
        line.rejected,
        line.late,
        line.oldest,
    ]


def cpf_tables(user: Any, filters: Filters) -> list[Table]:
    """The holders by where they stand with the SI CPF (with a total line), then the rejections by reason."""
    lines = transmission_overview(scoped_certificates(user, filters), today=today())
    rows = [_row(line) for line in lines]
    if len(lines) > 1:
        rows.append(_row(transmission_totals(lines)))
    reasons = [
        [reason, line.region, line.certification, n]
        for line in lines
        for reason, n in sorted(line.reasons.items(), key=lambda item: (-item[1], item[0]))
    ]
    return [
        Table(key="titulaires", title="Titulaires au SI CPF", headers=HEADERS, rows=rows),
        Table(key="rejets", title="Rejets par motif de la CDC", headers=REASON_HEADERS, rows=reasons),
    ]
