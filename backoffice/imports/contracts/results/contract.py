"""The results file: its columns (the published frameworks' sub-domains and criteria, the plan's), the
kinds of row and the values its cells take, its checker."""

from __future__ import annotations

from typing import Any

from accreditation.models import Criterion, SubDomain
from backoffice.core.audit.models import AuditEvent
from casefiles.models import (
    Assessment,
    AssessmentKind,
    CaseFile,
    CaseFileState,
    DomainAcquisition,
    TrainingPlan,
)
from workflows.models import CandidatePathwayTask

from ..base import Checker, Column, Contract
from .plans import PLAN, PLAN_COLUMNS

KINDS = {"prealable": AssessmentKind.POSITIONING, "finale": AssessmentKind.FINAL, "plan": PLAN}
WAITING = {
    AssessmentKind.POSITIONING: CaseFileState.POSITIONING,
    PLAN: CaseFileState.TRAINING,
    AssessmentKind.FINAL: CaseFileState.FINAL_EVALUATION,
}
STEPS = {
    AssessmentKind.POSITIONING: "positioning",
    PLAN: "training_plan",
    AssessmentKind.FINAL: "final_evaluation",
}
AWAITED = {
    AssessmentKind.POSITIONING: "une évaluation préalable",
    PLAN: "un plan de formation",
    AssessmentKind.FINAL: "une évaluation finale",
}
# Acquired or not, as people type it (compared lower case, without accents, spaces as underscores).
VALUES = {
    **dict.fromkeys(("a", "acquis", "1", "oui", "o", "satisfait", "vrai"), True),
    **dict.fromkeys(("na", "non_acquis", "0", "non", "n", "non_satisfait", "faux"), False),
}


def criterion_codes() -> list[str]:
    """Every criterion code of the published frameworks, in framework order (D1.1.1 …): optional columns."""
    return list(
        Criterion.objects.filter(subdomain__domain__framework_version__status="published")
        .order_by(
            "subdomain__domain__framework_version__certification__code",
            "subdomain__domain__position",
            "subdomain__position",
            "position",
        )
        .values_list("code", flat=True)
    )


def subdomain_codes() -> list[str]:
    """Every sub-domain code of the published frameworks, in framework order (D1.1 … D7.4, N1.1 …)."""
    return list(
        SubDomain.objects.filter(domain__framework_version__status="published")
        .order_by("domain__framework_version__certification__code", "domain__position", "position")
        .values_list("code", flat=True)
    )


class ResultsContract(Contract):
    key = "results"
    label = "Résultats d'évaluation"
    writes = (
        Assessment,
        DomainAcquisition,
        TrainingPlan,
        TrainingPlan.domains.through,
        CaseFile,
        CandidatePathwayTask,
        CandidatePathwayTask.previous.through,
        AuditEvent,
    )
    base_columns = (
        Column("reference", True, "Référence du dossier chez l'organisme", "DOS-2026-0001"),
        Column("siret_evaluateur", True, "SIRET de l'établissement évaluateur du dossier", "12345678900012"),
        Column(
            "type",
            True,
            "prealable (évaluation préalable), plan (plan de formation) ou finale (évaluation finale)",
            "prealable",
        ),
        Column(
            "date_evaluation",
            True,
            "jj/mm/aaaa : date de l'évaluation (d'établissement du plan)",
            "20/11/2026",
        ),
        Column(
            "evaluateur",
            True,
            "Adresse e-mail de l'évaluateur·rice (compte du back-office)",
            "eval@example.org",
        ),
    )

    @property
    def columns(self) -> tuple[Column, ...]:  # type: ignore[override]
        codes = subdomain_codes()
        return (
            self.base_columns
            + tuple(
                Column(code.lower(), False, f"Sous-domaine {code} : A, NA ou vide", "A") for code in codes
            )
            + tuple(
                Column(code.lower(), False, f"Critère {code} : A, NA ou vide (au lieu du sous-domaine)", "A")
                for code in criterion_codes()
            )
            + PLAN_COLUMNS
        )

    def template_header(self) -> list[str]:
        plan = [column.name for column in PLAN_COLUMNS]
        return [column.name for column in self.base_columns] + subdomain_codes() + plan

    def checker(self, job: Any, *, applying: bool) -> Checker:
        from .checker import ResultsChecker  # here: the checker reads the kinds and values declared above

        return ResultsChecker(job.uploaded_by, source={"import": job.pk}, batch=job.legacy_batch_id)
