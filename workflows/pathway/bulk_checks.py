"""The checks of `complete_step` and of each step's service, for many entries at once (the bulk paths of
`workflows.pathway.bulk`): anything refused goes one by one, to fail with the form's message. Each person,
site and day is checked once per batch."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError

from accreditation.models import Site
from casefiles.models import CaseFile, TrainingPlan
from casefiles.rules.dates import check_date
from casefiles.rules.plans import PlanFacts, plan_errors
from casefiles.services.access import ensure_evaluator, ensure_may_enter
from casefiles.services.assessments import check_final_evaluation
from casefiles.services.plans import planned_on, trainer_belongs, trainer_site_accredited
from workflows.models import CandidatePathwayTask
from workflows.pathway.flow import CandidatePathwayFlow

if TYPE_CHECKING:
    from workflows.pathway.bulk import AssessmentEntry, TrainingPlanEntry


class StepChecks:
    """What `complete_step` and the services check of the people, on each file (each person, site and day
    checked once): anything refused goes one by one, to fail with the form's message."""

    node_name = ""

    def __init__(self) -> None:
        self.people: dict[tuple[Any, ...], bool] = {}
        self.behalf: dict[tuple[Any, ...], str | None] = {}

    def _may(self, person: Any, case_file: CaseFile, day: dt.date) -> bool:
        """`ensure_evaluator`: the organisation's evaluator staff, its site accredited on the day."""
        if person is None:
            return False
        key = (person.pk, case_file.evaluation_site_id, case_file.certification_id, day)
        if key not in self.people:
            try:
                ensure_evaluator(person, case_file.evaluation_site, case_file.certification, day, what="")
                self.people[key] = True
            except (ValidationError, PermissionDenied):
                self.people[key] = False
        return self.people[key]

    def _may_take(self, user: Any, task: int) -> bool:
        """The node's permission (`complete_step`): the same for every task waiting at the node."""
        key = ("assign", self.node_name, user.pk)
        if key not in self.people:
            waiting = CandidatePathwayTask.objects.get(pk=task)
            node = getattr(CandidatePathwayFlow, self.node_name)
            self.people[key] = bool(node.can_assign(user, waiting))
        return self.people[key]


class PositioningChecks(StepChecks):
    """The checks of a positioning (`record_positioning`'s and `complete_step`'s)."""

    node_name = "positioning"

    def __call__(self, entry: AssessmentEntry, task: int, case_file: CaseFile) -> bool:
        try:
            check_date(entry.assessed_on, not_before=case_file.opened_on, label="", previous="")
        except ValidationError:
            return False
        return self._people_may(entry, case_file) and self._may_take(entry.user, task)

    def _people_may(self, entry: AssessmentEntry, case_file: CaseFile) -> bool:
        """`check_people`: the one entering may, the assessor is the organisation's evaluator; and the task's
        user works for the organisation."""
        return all(
            self._may(person, case_file, entry.assessed_on) for person in (entry.user, entry.assessor)
        ) and (entry.actor is None or self.on_behalf(entry, case_file) is not None)

    def on_behalf(self, entry: AssessmentEntry, case_file: CaseFile) -> str | None:
        """The organisation the entry is entered for ("" for its own staff); None when the one entering may
        not (`ensure_may_enter`, the service's rule)."""
        site, certification = case_file.evaluation_site_id, case_file.certification_id
        key: tuple[Any, ...] = ("enter", entry.entering.pk, site, certification, entry.assessed_on)
        if key not in self.behalf:
            try:
                self.behalf[key] = ensure_may_enter(
                    entry.entering,
                    case_file.evaluation_site,
                    case_file.certification,
                    entry.assessed_on,
                    what="",
                )
            except (ValidationError, PermissionDenied):
                self.behalf[key] = None
        return self.behalf[key]


class FinalEvaluationChecks(PositioningChecks):
    """The checks of a final evaluation (`record_final_evaluation`'s and `complete_step`'s)."""

    node_name = "final_evaluation"

    def __call__(  # type: ignore[override]
        self, entry: AssessmentEntry, task: int, case_file: CaseFile, plan: TrainingPlan
    ) -> bool:
        try:
            check_final_evaluation(case_file, plan, entry.assessor, entry.assessed_on)
        except ValidationError:
            return False
        return self._people_may(entry, case_file) and self._may_take(entry.user, task)


class TrainingPlanChecks(StepChecks):
    """The checks of a training plan (`record_training_plan`'s and `complete_step`'s): the plan's rules
    (`casefiles.rules.plans.plan_errors`) on facts read once per trainer, site and dates."""

    node_name = "training_plan"

    def __init__(self) -> None:
        super().__init__()
        self.trainers: dict[tuple[Any, int], bool] = {}
        self.accredited: dict[tuple[Any, ...], bool | None] = {}

    def __call__(
        self,
        entry: TrainingPlanEntry,
        task: int,
        case_file: CaseFile,
        to_train: frozenset[int],
        last_assessed_on: dt.date | None,
    ) -> bool:
        if not self._may(entry.user, case_file, planned_on(entry.starts_on)):
            return False
        facts = PlanFacts(
            to_train=to_train,
            expires_on=case_file.expires_on,
            last_assessed_on=last_assessed_on,
            trainer_belongs=self._belongs(entry.trainer, entry.training_site),
            accredited_throughout=self._accredited(entry, case_file),
        )
        errors = plan_errors(
            facts,
            list(entry.domains),
            entry.hours,
            entry.starts_on,
            entry.ends_on,
            site_name=entry.training_site.name,
            certification=case_file.certification,
        )
        return not errors and self._may_take(entry.user, task)

    def _belongs(self, trainer: Any, site: Site) -> bool:
        key = (getattr(trainer, "pk", None), site.pk)
        if key not in self.trainers:
            self.trainers[key] = trainer_belongs(trainer, site)
        return self.trainers[key]

    def _accredited(self, entry: TrainingPlanEntry, case_file: CaseFile) -> bool | None:
        key = (entry.training_site.pk, case_file.certification_id, entry.starts_on, entry.ends_on)
        if key not in self.accredited:
            self.accredited[key] = trainer_site_accredited(
                entry.training_site, case_file.certification, entry.starts_on, entry.ends_on
            )
        return self.accredited[key]
