"""The accreditations file (`habilitations`): its columns, the codes its cells take, its checker."""

from __future__ import annotations

from typing import Any

from accreditation.models import (
    Accreditation,
    AccreditationRole,
    AccreditationStatus,
    AccreditationStatusChange,
)
from backoffice.core.audit.models import AuditEvent

from ..base import Checker, Column, Contract

MAX_ROWS = 100_000  # the whole file is read at once (see the package): split a larger one by organisation
ROLES = {
    "evaluateur": AccreditationRole.EVALUATOR,
    "evaluatrice": AccreditationRole.EVALUATOR,
    "evaluator": AccreditationRole.EVALUATOR,
    "formateur": AccreditationRole.TRAINER,
    "formatrice": AccreditationRole.TRAINER,
    "trainer": AccreditationRole.TRAINER,
}
REINSTATEMENTS = ("retablie", "retabli", "retablissement", "reactivee")  # always a change, never the grant
STATUSES = {
    **dict.fromkeys(("active", "actif", "accordee", "accorde"), AccreditationStatus.ACTIVE),
    **dict.fromkeys(REINSTATEMENTS, AccreditationStatus.ACTIVE),
    **dict.fromkeys(("suspendue", "suspendu", "suspension"), AccreditationStatus.SUSPENDED),
    **dict.fromkeys(("retiree", "retire", "retrait"), AccreditationStatus.WITHDRAWN),
    **dict.fromkeys(("expiree", "expire", "expiration", "echue"), AccreditationStatus.EXPIRED),
}
CERTIFICATIONS = "CLEA, CLEA_NUM ou CLEA_MGT"
STATUS_CODES = "active, suspendue, retablie, retiree ou expiree"
NEEDS_REASON = (AccreditationStatus.SUSPENDED, AccreditationStatus.WITHDRAWN)
# The old system did not always say why a suspension was lifted; the service wants a reason.
REINSTATED_WITHOUT_REASON = "Suspension levée (motif non indiqué dans l'ancien système)"
SAME_SCOPE = "pour le même établissement, la même certification et le même rôle"


class AccreditationsContract(Contract):
    key = "habilitations"
    label = "Habilitations (reprise de l'historique)"
    writes = (Accreditation, AccreditationStatusChange, AuditEvent)
    columns = (
        Column(
            "siret",
            True,
            "SIRET de l'établissement habilité (importé avant, par le fichier des organismes)",
            "73282932000074",
        ),
        Column("certification", True, CERTIFICATIONS, "CLEA"),
        Column("role", True, "evaluateur ou formateur", "evaluateur"),
        Column(
            "date_debut",
            True,
            "Début de validité, jj/mm/aaaa : avec le SIRET, la certification et le rôle, il désigne "
            "l'habilitation (une ligne par changement de statut)",
            "01/09/2019",
        ),
        Column(
            "date_fin",
            False,
            "Fin de validité (incluse), jj/mm/aaaa ; vide : la durée par défaut (3 ans) ; "
            "la même sur toutes les lignes de l'habilitation",
            "31/08/2022",
        ),
        Column(
            "statut",
            False,
            f"{STATUS_CODES} ; vide (ou active à la date de début) : la ligne de l'accord",
            "",
        ),
        Column("date_statut", False, "Date d'effet du changement de statut, jj/mm/aaaa", ""),
        Column(
            "motif",
            False,
            "Motif du changement (obligatoire pour une suspension ou un retrait), 500 caractères au plus",
            "",
        ),
    )

    def checker(self, job: Any, *, applying: bool) -> Checker:
        from .checker import AccreditationsChecker  # here: the checker reads the header through this contract

        return AccreditationsChecker(job, applying=applying)

    def template_rows(self) -> list[list[str]]:
        granted = ["73282932000074", "CLEA", "evaluateur", "01/09/2019", "31/08/2022"]
        return [
            [*granted, "", "", ""],
            [*granted, "suspendue", "15/03/2021", "Contrôle qualité : dossiers incomplets"],
            [*granted, "retablie", "10/05/2021", "Dossiers complétés"],
        ]
