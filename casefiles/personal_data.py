"""The registry of personal data held about candidates (and the staff who handle their files): for every
field, its category, how long it is kept and what the retention job does with it once that time is over.

Every field of the models listed in `REGISTERED_MODELS` is either declared here as personal (`PERSONAL`)
or explicitly as not personal (`NOT_PERSONAL`, with why): a test walks the models and fails on a field in
neither, so a new field must be classified before it ships. docs/personal-data.md is the prose version."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models

# The models walked by the registry's test: every model of the case files app, the accounts and the trail.
# (The surveys' models are named by label only: casefiles never imports the surveys.)
REGISTERED_APPS = ("casefiles", "surveys", "api")
REGISTERED_MODELS = ("accounts.User", "audit.AuditEvent")


class Category(models.TextChoices):
    IDENTITY = "identite", "Identité"
    CONTACT = "contact", "Coordonnées"
    BIRTH = "naissance", "Date et lieu de naissance"
    PROFILE = "profil", "Situation et profil (statistiques)"
    PATHWAY = "parcours", "Parcours et résultats"
    FREE_TEXT = "texte_libre", "Texte libre (notes, motifs)"
    DOCUMENT = "piece", "Pièces jointes"
    DECISION = "decision", "Décisions du jury"
    CERTIFICATE = "certificat", "Certificat délivré"
    STAFF = "personnel", "Personnel (comptes utilisateurs)"
    AUDIT = "audit", "Journal d'audit"


class AtExpiry(models.TextChoices):
    """What the retention job (`anonymise_candidate`) does with the field once the period is over."""

    PSEUDONYMISE = "remplace", "remplacé par « ANONYMISÉ·E » et le numéro du·de la candidat·e"
    ERASE = "efface", "effacé (vidé)"
    COARSEN = "degrade", "dégradé (précision réduite à ce que les statistiques utilisent)"
    DELETE = "supprime", "supprimé (fichier stocké et ligne)"
    KEEP = "conserve", "conservé (n'identifie plus personne une fois l'identité effacée, ou registre)"


# Retention rules, in French: what the privacy notice tells candidates and staff.
CANDIDATE_FILES = "5 ans après la clôture du dernier dossier du·de la candidat·e (CANDIDATE_RETENTION_YEARS)"
STATISTICS = "sans limite, sans l'identité : les tableaux de bord en ont besoin"
CERTIFICATE_REGISTER = "sans limite : registre des certificats délivrés (vérification publique du numéro)"
JURY_ARCHIVE = "avec la session de jury : archive de la décision (procès-verbal)"
STAFF_ACCOUNT = "durée du compte, puis 1 an après sa désactivation"
STAFF_TRACE = "avec le dossier : qui a évalué, formé, instruit ou décidé (traçabilité)"
TRANSMISSION_FILES = (
    "durée du traitement par la CDC : fichier XML des titulaires supprimé 1 an après son accusé de "
    "traitement (purge mensuelle) ; les comptes et le résultat de chaque titulaire restent"
)
API_REPLAYS = "durée de 24 heures : la réponse gardée pour un nouvel envoi (Idempotency-Key), puis purgée"
API_LOTS = "durée du lot de l'API et de l'import qui l'a traité (résultat par élément : référence et motif)"
AUDIT_TRAIL = (
    "événements gardés sans limite ; nom et e-mail du·de la candidat·e effacés à son anonymisation "
    "(voir docs/personal-data.md)"
)


@dataclass(frozen=True)
class Personal:
    category: Category
    retention: str
    at_expiry: AtExpiry = AtExpiry.KEEP


def _candidate(category: Category, at_expiry: AtExpiry) -> Personal:
    return Personal(category, CANDIDATE_FILES, at_expiry)


def _kept(category: Category) -> Personal:
    return Personal(category, STATISTICS, AtExpiry.KEEP)


_STAFF_TRACE = Personal(Category.STAFF, STAFF_TRACE)

PERSONAL: dict[str, Personal] = {
    # The candidate: identity and contact go, what the outcome statistics count stays.
    "casefiles.Candidate.last_name": _candidate(Category.IDENTITY, AtExpiry.PSEUDONYMISE),
    "casefiles.Candidate.first_name": _candidate(Category.IDENTITY, AtExpiry.PSEUDONYMISE),
    "casefiles.Candidate.birth_date": _candidate(Category.BIRTH, AtExpiry.COARSEN),
    # Derived from the three above (casefiles/identity.py): recomputed from the anonymous name.
    "casefiles.Candidate.identity_key": _candidate(Category.IDENTITY, AtExpiry.PSEUDONYMISE),
    # What the training-account system (CDC) matches a holder on, besides the above: sent within 3 months of
    # the award, of no use to any statistic afterwards — erased. The country of birth too: it says the
    # person's origin, and with the coarse birth date and the department it could still single them out.
    "casefiles.Candidate.birth_name": _candidate(Category.IDENTITY, AtExpiry.ERASE),
    "casefiles.Candidate.first_name_2": _candidate(Category.IDENTITY, AtExpiry.ERASE),
    "casefiles.Candidate.first_name_3": _candidate(Category.IDENTITY, AtExpiry.ERASE),
    "casefiles.Candidate.birth_commune_code": _candidate(Category.BIRTH, AtExpiry.ERASE),
    "casefiles.Candidate.birth_country_code": _candidate(Category.BIRTH, AtExpiry.ERASE),
    "casefiles.Candidate.email": _candidate(Category.CONTACT, AtExpiry.ERASE),
    "casefiles.Candidate.phone": _candidate(Category.CONTACT, AtExpiry.ERASE),
    "casefiles.Candidate.postcode": _candidate(Category.CONTACT, AtExpiry.COARSEN),
    "casefiles.Candidate.sex": _kept(Category.PROFILE),
    "casefiles.Candidate.status": _kept(Category.PROFILE),
    "casefiles.Candidate.sector": _kept(Category.PROFILE),
    # The file: the organisation's own reference identifies the person in its tools; free texts may name them.
    "casefiles.CaseFile.reference": _candidate(Category.IDENTITY, AtExpiry.ERASE),
    "casefiles.CaseFile.funding": _kept(Category.PATHWAY),  # a code from a list: counted by the outcomes
    # Typed by people ("OPCO EP", "Agefiph" — a disability funder says something of the person): erased.
    "casefiles.CaseFile.funding_note": _candidate(Category.FREE_TEXT, AtExpiry.ERASE),
    "casefiles.CaseFile.closing_reason": _candidate(Category.FREE_TEXT, AtExpiry.ERASE),
    "casefiles.CaseFile.return_reason": _candidate(Category.FREE_TEXT, AtExpiry.ERASE),
    "casefiles.CaseFile.referrer": _kept(Category.PATHWAY),
    "casefiles.CaseFile.state": _kept(Category.PATHWAY),
    "casefiles.CaseFile.opened_on": _kept(Category.PATHWAY),
    "casefiles.CaseFile.status_at_opening": _kept(Category.PROFILE),  # the surveys' status at entry
    "casefiles.CaseFile.positioned_on": _kept(Category.PATHWAY),
    "casefiles.CaseFile.expires_on": _kept(Category.PATHWAY),
    "casefiles.CaseFile.ready_for_jury_on": _kept(Category.PATHWAY),
    "casefiles.CaseFile.closed_on": _kept(Category.PATHWAY),
    "casefiles.CaseFile.returned_on": _kept(Category.PATHWAY),
    # Assessments, grid and training: results without a name.
    "casefiles.Assessment.kind": _kept(Category.PATHWAY),
    "casefiles.Assessment.assessed_on": _kept(Category.PATHWAY),
    "casefiles.Assessment.results": _kept(Category.PATHWAY),
    "casefiles.Assessment.criteria": _kept(Category.PATHWAY),
    "casefiles.Assessment.decided_by_criteria": _kept(Category.PATHWAY),
    "casefiles.Assessment.assessor": _STAFF_TRACE,
    "casefiles.DomainAcquisition.status": _kept(Category.PATHWAY),
    "casefiles.DomainAcquisition.acquired_on": _kept(Category.PATHWAY),
    "casefiles.TrainingPlan.domains": _kept(Category.PATHWAY),
    "casefiles.TrainingPlan.hours": _kept(Category.PATHWAY),
    "casefiles.TrainingPlan.starts_on": _kept(Category.PATHWAY),
    "casefiles.TrainingPlan.ends_on": _kept(Category.PATHWAY),
    "casefiles.TrainingPlan.trainer": _STAFF_TRACE,
    # Documents: scanned reports and attendance sheets name the person; the job deletes them.
    "casefiles.CaseFileDocument.file": _candidate(Category.DOCUMENT, AtExpiry.DELETE),
    "casefiles.CaseFileDocument.original_name": _candidate(Category.DOCUMENT, AtExpiry.DELETE),
    "casefiles.CaseFileDocument.sha256": _candidate(Category.DOCUMENT, AtExpiry.DELETE),
    "casefiles.CaseFileDocument.uploaded_by": Personal(Category.STAFF, CANDIDATE_FILES, AtExpiry.DELETE),
    # Juries: the decision stays (statistics), the texts about the person go; the minutes are the archive.
    "casefiles.AgendaItem.officer_note": _candidate(Category.FREE_TEXT, AtExpiry.ERASE),
    "casefiles.AgendaItem.reason": _candidate(Category.DECISION, AtExpiry.ERASE),
    "casefiles.AgendaItem.adjournment_reason": _candidate(Category.DECISION, AtExpiry.ERASE),
    "casefiles.AgendaItem.decision": _kept(Category.DECISION),
    "casefiles.AgendaItem.recommended": _kept(Category.DECISION),
    "casefiles.AgendaItem.checked_by": _STAFF_TRACE,
    "casefiles.AgendaItem.decided_by": _STAFF_TRACE,
    "casefiles.AgendaItem.adjourned_by": _STAFF_TRACE,
    "casefiles.JurySession.minutes": Personal(Category.DECISION, JURY_ARCHIVE),
    "casefiles.JuryMember.user": Personal(Category.STAFF, JURY_ARCHIVE),
    "casefiles.ConflictDeclaration.recused": Personal(Category.STAFF, JURY_ARCHIVE),
    "casefiles.Vote.choice": Personal(Category.DECISION, JURY_ARCHIVE),
    # Certificates: a copy of the holder's name, so the certificate stays verifiable after the anonymisation.
    "casefiles.Certificate.holder_last_name": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    "casefiles.Certificate.holder_first_name": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    "casefiles.Certificate.number": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    "casefiles.Certificate.awarded_on": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    "casefiles.Certificate.status": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    "casefiles.Certificate.pdf": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    "casefiles.Certificate.revocation_reason": Personal(Category.FREE_TEXT, CERTIFICATE_REGISTER),
    # The Open Badges credential (casefiles/credentials): the certificate's facts, and the holder named only
    # by a salted hash of their e-mail (or printed name) — kept with the certificate it proves, never edited.
    "casefiles.Credential.jwt": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    # Staff accounts (Certif'Pro, juries, organisations).
    "accounts.User.username": Personal(Category.STAFF, STAFF_ACCOUNT),
    "accounts.User.first_name": Personal(Category.STAFF, STAFF_ACCOUNT),
    "accounts.User.last_name": Personal(Category.STAFF, STAFF_ACCOUNT),
    "accounts.User.email": Personal(Category.STAFF, STAFF_ACCOUNT),
    "accounts.User.password": Personal(Category.STAFF, STAFF_ACCOUNT),
    "accounts.User.last_login": Personal(Category.STAFF, STAFF_ACCOUNT),
    "accounts.User.date_joined": Personal(Category.STAFF, STAFF_ACCOUNT),
    # The trail names the person acting and, in its labels and summaries, the candidate of the file.
    "audit.AuditEvent.actor_label": Personal(Category.AUDIT, AUDIT_TRAIL),
    "audit.AuditEvent.subject_label": Personal(Category.AUDIT, AUDIT_TRAIL),
    # The SI CPF: the XML file holds each holder's identity (as sent); the CDC's answer joins the register.
    "casefiles.Transmission.file": Personal(Category.IDENTITY, TRANSMISSION_FILES, AtExpiry.DELETE),
    "casefiles.Transmission.problems": Personal(Category.FREE_TEXT, TRANSMISSION_FILES, AtExpiry.ERASE),
    "casefiles.Transmission.created_by": _STAFF_TRACE,
    "casefiles.Transmission.deposited_by": _STAFF_TRACE,
    "casefiles.Passage.id_technique": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    "casefiles.Passage.message": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    # A fingerprint of the identity sent (to tell a corrected holder): erased with the identity.
    "casefiles.Passage.identity": _candidate(Category.IDENTITY, AtExpiry.ERASE),
    "casefiles.Certificate.cdc_message": Personal(Category.CERTIFICATE, CERTIFICATE_REGISTER),
    # The organisations' API (backoffice/api, docs/api.md): a replayed call's answer holds the file it created
    # (identity), a lot's result the references and refusal messages of its items.
    "api.IdempotentRequest.response_body": Personal(Category.IDENTITY, API_REPLAYS, AtExpiry.DELETE),
    "api.BulkSubmission.results": Personal(Category.PATHWAY, API_LOTS),
    "api.ApiKey.created_by": Personal(Category.STAFF, STAFF_ACCOUNT),
    "api.ApiKey.revoked_by": Personal(Category.STAFF, STAFF_ACCOUNT),
    # Surveys of the holders' outcome (backoffice/surveys, docs/survey.md): the invitation names the person
    # and is erased with them; the answer names nobody (its cells are the statistics' own).
    "surveys.Invitation.candidate": _candidate(Category.IDENTITY, AtExpiry.DELETE),
    "surveys.Invitation.certificate": _candidate(Category.CERTIFICATE, AtExpiry.DELETE),
    "surveys.Invitation.token_hash": _candidate(Category.CONTACT, AtExpiry.DELETE),
    "surveys.Invitation.opt_out_hash": _candidate(Category.CONTACT, AtExpiry.DELETE),
    "surveys.Invitation.nonce": _candidate(Category.CONTACT, AtExpiry.DELETE),
    "surveys.Invitation.sent_at": _candidate(Category.CONTACT, AtExpiry.DELETE),
    "surveys.Invitation.answered": _candidate(Category.PROFILE, AtExpiry.DELETE),  # yes/no, never when
    "surveys.OptOut.candidate": _candidate(Category.CONTACT, AtExpiry.DELETE),
    "surveys.Answer.answers": _kept(Category.PROFILE),
    "surveys.Answer.age_band": _kept(Category.PROFILE),
    "surveys.Answer.status_at_entry": _kept(Category.PROFILE),
    "surveys.Answer.sex": _kept(Category.PROFILE),
    "surveys.Survey.created_by": _STAFF_TRACE,
    "audit.AuditEvent.summary": Personal(Category.AUDIT, AUDIT_TRAIL),
    "audit.AuditEvent.data": Personal(Category.AUDIT, AUDIT_TRAIL),
}

TECHNICAL = "identifiant ou date technique"
LINK = "lien vers une autre ligne (classée pour elle-même)"
REFERENCE = "donnée de référence ou d'organisation, pas d'une personne"
LEGACY = "lot de reprise qui a repris la ligne de l'ancien système (vide sinon)"

NOT_PERSONAL: dict[str, str] = {
    "casefiles.Candidate.id": TECHNICAL,
    "casefiles.Candidate.created_at": TECHNICAL,
    "casefiles.Candidate.anonymised_on": "date à laquelle le job a anonymisé la ligne",
    "casefiles.Candidate.legacy_batch": LEGACY,
    "casefiles.CaseFile.id": TECHNICAL,
    "casefiles.CaseFile.candidate": LINK,
    "casefiles.CaseFile.certification": REFERENCE,
    "casefiles.CaseFile.framework_version": REFERENCE,
    "casefiles.CaseFile.evaluation_site": REFERENCE,
    "casefiles.CaseFile.process": LINK,
    "casefiles.CaseFile.legacy_batch": LEGACY,
    "casefiles.Assessment.id": TECHNICAL,
    "casefiles.Assessment.case_file": LINK,
    "casefiles.Assessment.training_plan": LINK,
    "casefiles.Assessment.recorded_at": TECHNICAL,
    "casefiles.DomainAcquisition.id": TECHNICAL,
    "casefiles.DomainAcquisition.case_file": LINK,
    "casefiles.DomainAcquisition.domain": REFERENCE,
    "casefiles.DomainAcquisition.source": LINK,
    "casefiles.TrainingPlan.id": TECHNICAL,
    "casefiles.TrainingPlan.case_file": LINK,
    "casefiles.TrainingPlan.number": TECHNICAL,
    "casefiles.TrainingPlan.training_site": REFERENCE,
    "casefiles.TrainingPlan.created_at": TECHNICAL,
    "casefiles.CaseFileDocument.id": TECHNICAL,
    "casefiles.CaseFileDocument.case_file": LINK,
    "casefiles.CaseFileDocument.category": "catégorie de pièce (liste fermée)",
    "casefiles.CaseFileDocument.content_type": "type de fichier (PDF, PNG, JPEG)",
    "casefiles.CaseFileDocument.size": TECHNICAL,
    "casefiles.CaseFileDocument.uploaded_at": TECHNICAL,
    "casefiles.JuryRule.id": TECHNICAL,
    "casefiles.JuryRule.region": REFERENCE,
    "casefiles.JuryRule.min_present": REFERENCE,
    "casefiles.JuryRule.min_per_college": REFERENCE,
    "casefiles.JuryRule.cutoff_working_days": REFERENCE,
    "casefiles.JuryRule.majority": REFERENCE,
    "casefiles.JuryRule.president_casting_vote": REFERENCE,
    "casefiles.JurySession.id": TECHNICAL,
    "casefiles.JurySession.region": REFERENCE,
    "casefiles.JurySession.held_on": "date de la session (pas d'une personne)",
    "casefiles.JurySession.place": "lieu de la session (pas d'une personne)",
    "casefiles.JurySession.remote": REFERENCE,
    "casefiles.JurySession.status": REFERENCE,
    "casefiles.JurySession.cutoff_on": REFERENCE,
    "casefiles.JurySession.opened_at": TECHNICAL,
    "casefiles.JurySession.closed_at": TECHNICAL,
    "casefiles.JurySession.created_at": TECHNICAL,
    "casefiles.JurySession.legacy_batch": LEGACY,
    "casefiles.JuryMember.id": TECHNICAL,
    "casefiles.JuryMember.session": LINK,
    "casefiles.JuryMember.college": "collège du siège (employeurs ou salariés)",
    "casefiles.JuryMember.is_president": "rôle dans la session",
    "casefiles.JuryMember.present": "présence à la session (quorum)",
    "casefiles.AgendaItem.id": TECHNICAL,
    "casefiles.AgendaItem.session": LINK,
    "casefiles.AgendaItem.case_file": LINK,
    "casefiles.AgendaItem.decided_at": TECHNICAL,
    "casefiles.AgendaItem.adjourned_at": TECHNICAL,
    "casefiles.ConflictDeclaration.id": TECHNICAL,
    "casefiles.ConflictDeclaration.item": LINK,
    "casefiles.ConflictDeclaration.member": LINK,
    "casefiles.ConflictDeclaration.declared_at": TECHNICAL,
    "casefiles.Vote.id": TECHNICAL,
    "casefiles.Vote.item": LINK,
    "casefiles.Vote.member": LINK,
    "casefiles.Vote.round": "tour de vote (sans majorité, le jury vote à nouveau)",
    "casefiles.CertificateCounter.id": TECHNICAL,
    "casefiles.CertificateCounter.prefix": REFERENCE,
    "casefiles.CertificateCounter.year": REFERENCE,
    "casefiles.CertificateCounter.region_code": REFERENCE,
    "casefiles.CertificateCounter.last_number": TECHNICAL,
    "casefiles.Certificate.id": TECHNICAL,
    "casefiles.Certificate.case_file": LINK,
    "casefiles.Certificate.certification": REFERENCE,
    "casefiles.Certificate.region": REFERENCE,
    "casefiles.Certificate.session": LINK,
    "casefiles.Certificate.issued_at": TECHNICAL,
    "casefiles.Certificate.duplicates": TECHNICAL,
    "casefiles.Certificate.revoked_at": TECHNICAL,
    "casefiles.Certificate.exported_at": TECHNICAL,
    "casefiles.Certificate.created_at": TECHNICAL,
    "casefiles.Certificate.legacy_batch": LEGACY,
    "casefiles.Certificate.cdc_status": "état de la transmission au SI CPF (liste fermée)",
    "casefiles.Certificate.cdc_status_at": TECHNICAL,
    "casefiles.Certificate.cdc_removed_at": TECHNICAL,
    "casefiles.Certificate.holder_link_nonce": "aléa du lien privé du·de la titulaire (lien non stocké)",
    "api.ApiKey.id": TECHNICAL,
    "api.ApiKey.organisation": REFERENCE,
    "api.ApiKey.name": "nom donné à la clé par l'organisme (son logiciel)",
    "api.ApiKey.prefix": "partie publique de la clé",
    "api.ApiKey.secret_hash": "empreinte du secret de la clé (pas d'une personne)",
    "api.ApiKey.scope": REFERENCE,
    "api.ApiKey.created_at": TECHNICAL,
    "api.ApiKey.revoked_at": TECHNICAL,
    "api.ApiKey.last_used_at": TECHNICAL,
    "api.ApiKey.service_user": "compte technique de la clé (pas une personne)",
    "api.IdempotentRequest.id": TECHNICAL,
    "api.IdempotentRequest.api_key": LINK,
    "api.IdempotentRequest.key": "clé d'idempotence choisie par le logiciel",
    "api.IdempotentRequest.method": TECHNICAL,
    "api.IdempotentRequest.path": "chemin de l'appel (référence du dossier de l'organisme)",
    "api.IdempotentRequest.body_sha256": TECHNICAL,
    "api.IdempotentRequest.status": TECHNICAL,
    "api.IdempotentRequest.location": TECHNICAL,
    "api.IdempotentRequest.created_at": TECHNICAL,
    "api.BulkSubmission.id": TECHNICAL,
    "api.BulkSubmission.api_key": LINK,
    "api.BulkSubmission.kind": REFERENCE,
    "api.BulkSubmission.import_job": LINK,
    "api.BulkSubmission.items": TECHNICAL,
    "api.BulkSubmission.set_aside": TECHNICAL,
    "api.BulkSubmission.failure": "motif technique de l'échec d'un lot",
    "api.BulkSubmission.created_at": TECHNICAL,
    "api.BulkSubmission.finished_at": TECHNICAL,
    "casefiles.Credential.id": TECHNICAL,
    "casefiles.Credential.certificate": LINK,
    "casefiles.Credential.uuid": "identifiant de l'attestation (urn:uuid), tiré au hasard",
    "casefiles.Credential.status_list": LINK,
    "casefiles.Credential.status_index": "entrée de la liste de révocation (au hasard, jamais redonnée)",
    "casefiles.Credential.key_id": REFERENCE,
    "casefiles.Credential.issued_at": TECHNICAL,
    "casefiles.StatusList.id": TECHNICAL,
    "casefiles.StatusList.certification": REFERENCE,
    "casefiles.StatusList.number": REFERENCE,
    "casefiles.StatusList.size": TECHNICAL,
    "casefiles.StatusList.multiplier": TECHNICAL,
    "casefiles.StatusList.offset": TECHNICAL,
    "casefiles.StatusList.allocated": TECHNICAL,
    "casefiles.StatusList.jwt": "liste de révocation publiée : des bits, aucun nom",
    "casefiles.StatusList.published_at": TECHNICAL,
    "casefiles.StatusList.stale": TECHNICAL,
    "casefiles.Transmission.id": TECHNICAL,
    "casefiles.Transmission.id_flux": TECHNICAL,
    "casefiles.Transmission.status": "état de la transmission (liste fermée)",
    "casefiles.Transmission.schema_version": REFERENCE,
    "casefiles.Transmission.file_name": TECHNICAL,
    "casefiles.Transmission.passages": "nombre de titulaires",
    "casefiles.Transmission.written": "nombre de titulaires",
    "casefiles.Transmission.accepted": "nombre de titulaires",
    "casefiles.Transmission.rejected": "nombre de titulaires",
    "casefiles.Transmission.created_at": TECHNICAL,
    "casefiles.Transmission.built_at": TECHNICAL,
    "casefiles.Transmission.deposited_at": TECHNICAL,
    "casefiles.Transmission.receipt_at": TECHNICAL,
    "casefiles.Transmission.receipt_name": "nom du fichier d'accusé de la CDC",
    "casefiles.Passage.id": TECHNICAL,
    "casefiles.Passage.transmission": LINK,
    "casefiles.Passage.certificate": LINK,
    "casefiles.Passage.outcome": "réponse de la CDC (liste fermée)",
    "casefiles.Passage.code": "code de la réponse de la CDC",
    "casefiles.Passage.decided_at": TECHNICAL,
    "surveys.Questionnaire.id": TECHNICAL,
    "surveys.Questionnaire.version": REFERENCE,
    "surveys.Questionnaire.title": REFERENCE,
    "surveys.Questionnaire.questions": REFERENCE,
    "surveys.Questionnaire.created_at": TECHNICAL,
    "surveys.Survey.id": TECHNICAL,
    "surveys.Survey.title": REFERENCE,
    "surveys.Survey.questionnaire": REFERENCE,
    "surveys.Survey.awarded_from": REFERENCE,
    "surveys.Survey.awarded_to": REFERENCE,
    "surveys.Survey.delays": REFERENCE,
    "surveys.Survey.status": REFERENCE,
    "surveys.Survey.created_at": TECHNICAL,
    "surveys.Survey.certifications": REFERENCE,
    "surveys.Survey.regions": REFERENCE,
    "surveys.Invitation.id": TECHNICAL,
    "surveys.Invitation.survey": LINK,
    "surveys.Invitation.wave_months": "vague (6 ou 12 mois)",
    "surveys.Invitation.expires_at": TECHNICAL,
    "surveys.Invitation.reminders": TECHNICAL,
    "surveys.Invitation.last_reminded_at": TECHNICAL,
    "surveys.Invitation.no_email": TECHNICAL,
    "surveys.Invitation.created_at": TECHNICAL,
    "surveys.OptOut.id": TECHNICAL,
    "surveys.OptOut.at": TECHNICAL,
    "surveys.Answer.id": "identifiant aléatoire (sans ordre)",
    "surveys.Answer.survey": LINK,
    "surveys.Answer.wave_months": "vague (6 ou 12 mois)",
    "surveys.Answer.questionnaire": REFERENCE,
    "surveys.Answer.certification_code": REFERENCE,
    "surveys.Answer.region_code": REFERENCE,
    "surveys.Answer.created_on": "mois de la réponse (sans jour)",
    "accounts.User.id": TECHNICAL,
    "accounts.User.is_superuser": "droit d'accès",
    "accounts.User.is_staff": "droit d'accès",
    "accounts.User.is_active": "état du compte",
    "accounts.User.groups": "rôles (droits d'accès)",
    "accounts.User.user_permissions": "droits d'accès",
    "audit.AuditEvent.id": TECHNICAL,
    "audit.AuditEvent.occurred_at": TECHNICAL,
    "audit.AuditEvent.actor": LINK,
    "audit.AuditEvent.verb": "type d'événement (liste fermée)",
    "audit.AuditEvent.subject_type": TECHNICAL,
    "audit.AuditEvent.subject_id": TECHNICAL,
}


def fields_at_expiry(model: type[models.Model], treatment: AtExpiry) -> list[str]:
    """The names of `model`'s fields the registry says the retention job treats this way."""
    prefix = f"{model._meta.label}."
    return [
        key.removeprefix(prefix)
        for key, entry in PERSONAL.items()
        if key.startswith(prefix) and entry.at_expiry == treatment
    ]
