"""The results checker's writing: the checked rows written as the form writes them (in bulk where it can,
through the services one by one otherwise), a migration batch's rows at their own historical day."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError

from accreditation.scoping import scope_of
from backoffice.core.accounts.types import Actor
from casefiles.models import AssessmentKind
from casefiles.services import record_final_evaluation, record_positioning, record_training_plan
from workflows.pathway.bulk import (
    FinalEvaluationChecks,
    FinalEvaluationEntry,
    Positioning,
    PositioningChecks,
    TrainingPlanChecks,
    TrainingPlanEntry,
    record_final_evaluations,
    record_positionings,
    record_training_plans,
)
from workflows.pathway.commands import complete_step

from ..base import INVALID, NEW, Checker, Row
from ..takeover import acting_on, acts_by_day
from .contract import STEPS
from .plans import PLAN


class ResultsWriting(Checker):
    """Writes the rows `ResultsChecker` found new, with what the checker set up when it started."""

    actor: Actor
    batch: int | None
    checks: PositioningChecks
    final_checks: FinalEvaluationChecks
    plan_checks: TrainingPlanChecks

    def apply(self, batch: list[Row]) -> None:
        """Write the new rows; a migration batch's rows at their own date (`acts_by_day`)."""
        new = [row for row in batch if row.action == NEW]
        for day, rows in acts_by_day(new, batch=self.batch, day=lambda row: row.data["assessed_on"]):
            with acting_on(day, batch=self.batch):
                self._write(rows)

    def _write(self, rows: list[Row]) -> None:
        """Positionings and plans in bulk (the form's rows, tests compare them); final evaluations in bulk
        when taken over (the one-by-one path dates its tasks now), one by one otherwise (as the form, which
        tells the organisation a file is ready for jury); what the bulk paths leave, one by one."""
        left = self._position([row for row in rows if row.data["kind"] == AssessmentKind.POSITIONING])
        left |= self._plan([row for row in rows if row.data["kind"] == PLAN])
        finals = [row for row in rows if row.data["kind"] == AssessmentKind.FINAL]
        left |= self._final(finals) if self.batch is not None else {row.line for row in finals}
        for row in rows:
            if row.line in left:
                self._record(row)

    def _position(self, rows: list[Row]) -> set[int]:
        left = record_positionings(
            [
                Positioning(
                    case_file_id=row.data["case_file"].pk,
                    process_id=row.data["case_file"].process_id,
                    assessed_on=row.data["assessed_on"],
                    assessor=row.data["assessor"],
                    user=self._user(row),
                    results=row.data["results"],
                    outcome=row.data.get("outcome"),
                    key=row.line,
                    actor=self.actor,
                )
                for row in rows
            ],
            checks=self.checks,
        )
        return {entry.key for entry in left}

    def _plan(self, rows: list[Row]) -> set[int]:
        left = record_training_plans(
            [
                TrainingPlanEntry(
                    case_file_id=row.data["case_file"].pk,
                    process_id=row.data["case_file"].process_id,
                    user=self._user(row),
                    training_site=row.data["plan"]["training_site"],
                    trainer=row.data["plan"]["trainer"],
                    domains=row.data["plan"]["domains"],
                    hours=row.data["plan"]["hours"],
                    starts_on=row.data["plan"]["starts_on"],
                    ends_on=row.data["plan"]["ends_on"],
                    key=row.line,
                )
                for row in rows
            ],
            checks=self.plan_checks,
        )
        return {entry.key for entry in left}

    def _final(self, rows: list[Row]) -> set[int]:
        left = record_final_evaluations(
            [
                FinalEvaluationEntry(
                    case_file_id=row.data["case_file"].pk,
                    process_id=row.data["case_file"].process_id,
                    assessed_on=row.data["assessed_on"],
                    assessor=row.data["assessor"],
                    user=self._user(row),
                    results=row.data["results"],
                    key=row.line,
                    actor=self.actor,
                )
                for row in rows
            ],
            checks=self.final_checks,
        )
        return {entry.key for entry in left}

    def _user(self, row: Row) -> Any:
        # The person who sent the file completes the task when they belong to the organisation; for staff who
        # import on its behalf the assessor does (the step is theirs), and the staff member is the actor (a
        # plan has no "on behalf": the evaluator named in the row draws it up).
        organisation_id = row.data["case_file"].evaluation_site.organisation_id
        return self.actor if scope_of(self.actor).organisation_id == organisation_id else row.data["assessor"]

    def _record(self, row: Row) -> None:
        data, case_file = row.data, row.data["case_file"]
        user = self._user(row)
        try:
            complete_step(case_file, STEPS[data["kind"]], user=user, run=lambda: self._service(row, user))
        except (ValidationError, PermissionDenied) as error:
            # The file changed since the check: its savepoint is rolled back, the row counts as an error.
            row.fail("", " ".join(getattr(error, "messages", [str(error)])))
            row.action = INVALID

    def _service(self, row: Row, user: Any) -> Any:
        data, case_file = row.data, row.data["case_file"]
        if data["kind"] == PLAN:
            plan = data["plan"]
            return record_training_plan(
                case_file,
                training_site=plan["training_site"],
                trainer=plan["trainer"],
                domains=plan["domains"],
                hours=plan["hours"],
                starts_on=plan["starts_on"],
                ends_on=plan["ends_on"],
                actor=user,
            )
        service = (
            record_positioning if data["kind"] == AssessmentKind.POSITIONING else record_final_evaluation
        )
        return service(
            case_file,
            assessed_on=data["assessed_on"],
            assessor=data["assessor"],
            results=data["results"],
            actor=self.actor,
        )
