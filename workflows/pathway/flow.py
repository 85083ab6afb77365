"""The candidate pathway: positioning → training plan ⇄ final evaluation → ready for jury."""

from __future__ import annotations

import datetime as dt
from typing import Any

from viewflow import this
from viewflow.workflow import flow, lock

from casefiles.models import CaseFile, CaseFileState
from casefiles.selectors import expiry_moment
from casefiles.services import attach_process, expire_case_file
from workflows.models import CandidatePathwayProcess, CandidatePathwayTask
from workflows.pathway import views
from workflows.pathway.nodes import CaseFileStep, JuryStep


class CandidatePathwayFlow(flow.Flow):
    process_class = CandidatePathwayProcess
    task_class = CandidatePathwayTask
    lock_impl = lock.select_for_update_lock
    process_title = "Parcours candidat"
    process_description = "Du premier accueil du candidat à la transmission de son dossier au jury."

    open_file = (
        flow.Start(views.OpenCaseFileView.as_view())
        .Annotation(title="Ouvrir un dossier candidat")
        .Permission(auto_create=True)
        .Next(this.positioning)
    )
    start_from_code = (
        flow.StartHandle(this.attach_case_file).Annotation(title="Dossier importé").Next(this.positioning)
    )
    positioning = (
        CaseFileStep(views.PositioningView.as_view())
        .Annotation(title="Évaluation préalable", description="Résultats par sous-domaine ou par critère")
        .Permission(auto_create=True)
        .Next(this.all_domains_acquired)
    )
    all_domains_acquired = (
        flow.If(this.is_ready_for_jury)
        .Annotation(title="Tous les domaines acquis ?")
        .Then(this.ready_for_jury)
        .Else(this.training_plan)
    )
    training_plan = (
        CaseFileStep(views.TrainingPlanView.as_view())
        .Annotation(title="Plan de formation")
        .Permission(auto_create=True)
        .OnTimeout(this.end_of_window, this.lapse, title="5 ans")
        .Next(this.final_evaluation)
    )
    final_evaluation = (
        CaseFileStep(views.FinalEvaluationView.as_view())
        .Annotation(title="Évaluation finale")
        .Permission(auto_create=True)
        .OnTimeout(this.end_of_window, this.lapse, title="5 ans")
        .Next(this.all_domains_acquired)
    )
    # Waits until a regional jury session decides on the file (`workflows.pathway.commands.return_from_jury`).
    # No 5-year timer here nor on the return: every domain was acquired within the window, and the window is
    # about acquiring, not the jury's calendar (`casefiles.selectors.still_acquiring`).
    ready_for_jury = JuryStep().Annotation(title="Prêt pour le jury").Next(this.jury_outcome)
    jury_outcome = (
        flow.Switch()
        .Annotation(title="Décision du jury")
        .Case(this.jury_return, this.is_returned)
        .Case(this.certificate_issued, this.is_certified)
        .Default(this.refused)
    )
    jury_return = (
        CaseFileStep(views.JuryReturnView.as_view())
        .Annotation(
            title="Reprise après renvoi du jury",
            description="Compléter le dossier, ou rouvrir les domaines mis en cause par le jury",
        )
        .Permission(auto_create=True)
        .Next(this.all_domains_acquired)
    )
    # Waits for the Dramatiq job that renders the certificate's PDF
    # (`workflows.pathway.tasks.issue_certificate_job`).
    certificate_issued = JuryStep().Annotation(title="Délivrance du certificat").Next(this.end)
    refused = flow.End().Annotation(title="Certificat refusé")
    # Fired by Viewflow's timers (the worker's `fire_workflow_timers`) when the 5-year window ends on a step
    # still acquiring (plan, final evaluation).
    lapse = flow.Function(this.lapse_case_file).Annotation(title="Acquis caducs").Next(this.lapsed)
    end = flow.End()
    lapsed = flow.End().Annotation(title="Dossier expiré")

    def attach_case_file(self, activation: Any, case_file: CaseFile) -> Any:
        activation.process.save()
        attach_process(case_file, activation.process)
        return activation.process

    def end_of_window(self, activation: Any) -> dt.datetime:
        return expiry_moment(activation.process.case_file)

    def lapse_case_file(self, activation: Any) -> None:
        expire_case_file(activation.process.case_file.pk)

    def is_returned(self, activation: Any) -> bool:
        return activation.process.case_file.state == CaseFileState.RETURNED

    def is_certified(self, activation: Any) -> bool:
        return activation.process.case_file.state == CaseFileState.CERTIFIED

    def is_ready_for_jury(self, activation: Any) -> bool:
        return activation.process.case_file.state == CaseFileState.READY_FOR_JURY
