"""Audit event types of case files; their rows form each file's timeline."""

from __future__ import annotations

from django.db import models


class CaseFileEvent(models.TextChoices):
    OPENED = "casefile.opened", "Dossier ouvert"
    UPDATED = "casefile.updated", "Données du dossier mises à jour"
    POSITIONED = "casefile.positioned", "Évaluation préalable enregistrée"
    TRAINING_PLANNED = "casefile.training_planned", "Plan de formation établi"
    FINAL_EVALUATED = "casefile.final_evaluated", "Évaluation finale enregistrée"
    READY_FOR_JURY = "casefile.ready_for_jury", "Dossier prêt pour le jury"
    RETURNED_BY_JURY = "casefile.returned_by_jury", "Dossier renvoyé par le jury"
    RETURN_ANSWERED = "casefile.return_answered", "Dossier repris après renvoi du jury"
    DOCUMENT_ADDED = "casefile.document_added", "Pièce ajoutée au dossier"
    DOCUMENT_REMOVED = "casefile.document_removed", "Pièce retirée du dossier"
    ABANDONED = "casefile.abandoned", "Dossier abandonné"
    TRANSFERRED = "casefile.transferred", "Dossier transféré"
    EXPIRED = "casefile.expired", "Acquis caducs (5 ans)"
    STEP_UNDONE = "casefile.step_undone", "Étape annulée par un·e superviseur·e"
    VIEWED = "casefile.viewed", "Dossier consulté"


class JuryEvent(models.TextChoices):
    PLANNED = "jury.planned", "Session de jury planifiée"
    RULE_CHANGED = "jury.rule_changed", "Règle de jury régionale modifiée"
    AGENDA_CHANGED = "jury.agenda_changed", "Ordre du jour modifié"
    FILE_CHECKED = "casefile.jury_checked", "Dossier instruit avant le jury"
    OPENED = "jury.opened", "Session de jury ouverte"
    DECLARED = "casefile.jury_declared", "Déclaration d'un membre du jury"
    DECIDED = "casefile.jury_decided", "Décision du jury"
    NO_MAJORITY = "casefile.jury_no_majority", "Vote du jury sans majorité"
    ADJOURNED = "casefile.jury_adjourned", "Dossier ajourné par le jury"
    CLOSED = "jury.closed", "Session de jury close"
    MINUTES = "casefile.jury_minutes", "Procès-verbal du jury"
    REFUSED = "casefile.refused", "Certificat refusé par le jury"


class CertificateEvent(models.TextChoices):
    AWARDED = "casefile.certificate_awarded", "Certificat attribué"
    ISSUED = "casefile.certificate_issued", "Certificat délivré"
    REISSUED = "casefile.certificate_reissued", "Duplicata délivré"
    REVOKED = "casefile.certificate_revoked", "Certificat retiré"
    REINSTATED = "casefile.certificate_reinstated", "Certificat rétabli"
    CREDENTIAL_ISSUED = "casefile.credential_issued", "Attestation numérique (Open Badges) émise"
    HOLDER_LINK_SENT = "casefile.holder_link_sent", "Lien de la page du titulaire envoyé"
    HOLDER_LINK_SHOWN = "casefile.holder_link_shown", "Lien de la page du titulaire affiché (support)"
    EXPORTED = "certificates.exported", "Titulaires transmis (accrochage certificateur)"
    CDC_SENT = "casefile.cdc_sent", "Titulaire transmis au SI CPF"
    CDC_ACCEPTED = "casefile.cdc_accepted", "Titulaire accepté par le SI CPF"
    CDC_REJECTED = "casefile.cdc_rejected", "Titulaire rejeté par le SI CPF"
    CDC_REQUEUED = "casefile.cdc_requeued", "Identité corrigée : titulaire à transmettre de nouveau"
    CDC_REMOVED = "casefile.cdc_removed", "Certificat retiré du SI CPF"


class TransmissionEvent(models.TextChoices):
    """A transmission of holders to the training-account system (its own timeline)."""

    REQUESTED = "transmission.requested", "Transmission demandée"
    BUILT = "transmission.built", "Fichier XML prêt et conforme au schéma"
    FAILED = "transmission.failed", "Fichier XML non conforme : non proposé"
    DEPOSITED = "transmission.deposited", "Fichier déposé sur le portail de la CDC"
    RECEIPT = "transmission.receipt", "Accusé de traitement de la CDC enregistré"
    ABANDONED = "transmission.abandoned", "Transmission abandonnée"


class CandidateEvent(models.TextChoices):
    """Personal data of a candidate (their rows join the timeline of each of the candidate's files)."""

    RECTIFIED = "candidate.rectified", "Données personnelles rectifiées"
    EXPORTED = "candidate.exported", "Données personnelles exportées (droit d'accès)"
    ANONYMISED = "candidate.anonymised", "Données personnelles anonymisées (durée de conservation échue)"


# Events that record a look at a file or its candidate, not a change: they never make a file « modified »
# (the API's `modifie_le`, its ETags).
READS: tuple[str, ...] = (
    CaseFileEvent.VIEWED,
    CertificateEvent.HOLDER_LINK_SHOWN,
    CandidateEvent.EXPORTED,
)
