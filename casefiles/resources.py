"""Columns of the exports of case files, assessment results, certificates and jury decisions.

Values stay typed (dates, numbers): the CSV and XLSX writers format them. Personal data: only what the
lists show their users (the candidate's name, never the birth date, address, e-mail or phone).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.text import slugify
from import_export import fields, resources, widgets

from .models import AgendaItem, Assessment, Decision

DATE = widgets.DateWidget(coerce_to_string=False)
DATETIME = widgets.DateTimeWidget(coerce_to_string=False)
INTEGER = widgets.IntegerWidget(coerce_to_string=False)


def column(attribute: str, name: str, widget: widgets.Widget | None = None) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, widget=widget, readonly=True)


class CaseFileExportResource(resources.Resource):
    """One row per case file of the list."""

    dossier = column("pk", "dossier", INTEGER)
    reference_organisme = column("reference", "reference_organisme")
    nom = column("candidate__last_name", "nom")
    prenom = column("candidate__first_name", "prenom")
    code_certification = column("certification__code", "code_certification")
    certification = column("certification__name", "certification")
    organisme_evaluateur = column("evaluation_site__organisation__legal_name", "organisme_evaluateur")
    etablissement_evaluateur = column("evaluation_site__name", "etablissement_evaluateur")
    siret_etablissement = column("evaluation_site__siret", "siret_etablissement")
    region = column("evaluation_site__region__name", "region")
    etat = column("get_state_display", "etat")
    ouvert_le = column("opened_on", "ouvert_le", DATE)
    evaluation_prealable_le = column("positioned_on", "evaluation_prealable_le", DATE)
    acquis_valables_jusqu_au = column("expires_on", "acquis_valables_jusqu_au", DATE)
    pret_pour_jury_le = column("ready_for_jury_on", "pret_pour_jury_le", DATE)
    clos_le = column("closed_on", "clos_le", DATE)


def subdomain_column(code: str) -> str:
    """'D1.1' → 'sous_domaine_d1_1'."""
    return "sous_domaine_" + slugify(code.replace(".", "_")).replace("-", "_")


class AssessmentResultResource(resources.Resource):
    """One row per assessment (positioning or final) of the listed files, with one column per sub-domain:
    "acquis", "non acquis", or empty when the assessment did not cover it."""

    dossier = column("case_file_id", "dossier", INTEGER)
    reference_organisme = column("case_file__reference", "reference_organisme")
    nom = column("case_file__candidate__last_name", "nom")
    prenom = column("case_file__candidate__first_name", "prenom")
    code_certification = column("case_file__certification__code", "code_certification")
    version_referentiel = column("case_file__framework_version__version", "version_referentiel")
    etablissement_evaluateur = column("case_file__evaluation_site__name", "etablissement_evaluateur")
    siret_etablissement = column("case_file__evaluation_site__siret", "siret_etablissement")
    region = column("case_file__evaluation_site__region__name", "region")
    evaluation = column("get_kind_display", "evaluation")
    evalue_le = column("assessed_on", "evalue_le", DATE)
    sous_domaines_evalues = fields.Field(column_name="sous_domaines_evalues", widget=INTEGER, readonly=True)
    sous_domaines_acquis = fields.Field(column_name="sous_domaines_acquis", widget=INTEGER, readonly=True)

    def __init__(self, subdomain_codes: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for code in subdomain_codes:
            self.fields[subdomain_column(code)] = fields.Field(
                column_name=subdomain_column(code),
                dehydrate_method=lambda assessment, code=code: self._result(assessment, code),
                readonly=True,
            )

    @staticmethod
    def _results(assessment: Assessment) -> dict[str, bool]:
        return assessment.results

    def _result(self, assessment: Assessment, code: str) -> str:
        acquired = self._results(assessment).get(code)
        return "" if acquired is None else ("acquis" if acquired else "non acquis")

    def dehydrate_sous_domaines_evalues(self, assessment: Assessment) -> int:
        return len(self._results(assessment))

    def dehydrate_sous_domaines_acquis(self, assessment: Assessment) -> int:
        return sum(self._results(assessment).values())


class CertificateExportResource(resources.Resource):
    """One row per certificate of the list (the columns of the list, and the jury's date)."""

    numero_certificat = column("number", "numero_certificat")
    code_certification = column("certification__code", "code_certification")
    intitule_certification = column("certification__name", "intitule_certification")
    nom = column("holder_last_name", "nom")
    prenom = column("holder_first_name", "prenom")
    region = column("region__name", "region")
    date_obtention = column("awarded_on", "date_obtention", DATE)
    statut = column("get_status_display", "statut")
    date_session_jury = column("session__held_on", "date_session_jury", DATE)
    transmis_le = column("exported_at", "transmis_le", DATETIME)
    duplicatas = column("duplicates", "duplicatas", INTEGER)


class JuryDecisionResource(resources.Resource):
    """One row per decided file on the agenda of a session the user sees (as on the session's page)."""

    date_session = column("session__held_on", "date_session", DATE)
    region = column("session__region__name", "region")
    lieu = fields.Field(column_name="lieu", readonly=True)
    dossier = column("case_file_id", "dossier", INTEGER)
    nom = column("case_file__candidate__last_name", "nom")
    prenom = column("case_file__candidate__first_name", "prenom")
    code_certification = column("case_file__certification__code", "code_certification")
    etablissement_evaluateur = column("case_file__evaluation_site__name", "etablissement_evaluateur")
    siret_etablissement = column("case_file__evaluation_site__siret", "siret_etablissement")
    decision = column("get_decision_display", "decision")
    motif = column("reason", "motif")
    decide_le = column("decided_at", "decide_le", DATETIME)
    numero_certificat = fields.Field(column_name="numero_certificat", readonly=True)

    def dehydrate_lieu(self, item: AgendaItem) -> str:
        return "À distance" if item.session.remote else item.session.place

    def dehydrate_numero_certificat(self, item: AgendaItem) -> str:
        # The certificate hangs on the file (select_related): no query per row.
        certificate = getattr(item.case_file, "certificate", None)
        return certificate.number if certificate is not None and item.decision == Decision.AWARD else ""
