"""Audit event types of the accreditation app."""

from __future__ import annotations

from django.db import models


class AccreditationEvent(models.TextChoices):
    ORGANISATION_REGISTERED = "organisation.registered", "Organisme enregistré"
    ORGANISATION_UPDATED = "organisation.updated", "Organisme modifié"
    SITE_ADDED = "site.added", "Établissement ajouté"
    SITE_UPDATED = "site.updated", "Établissement modifié"
    ACCREDITATION_GRANTED = "accreditation.granted", "Habilitation accordée"
    ACCREDITATION_SUSPENDED = "accreditation.suspended", "Habilitation suspendue"
    ACCREDITATION_REINSTATED = "accreditation.reinstated", "Habilitation rétablie"
    ACCREDITATION_WITHDRAWN = "accreditation.withdrawn", "Habilitation retirée"
    ACCREDITATION_EXPIRED = "accreditation.expired", "Habilitation expirée"
    FRAMEWORK_DRAFTED = "framework.drafted", "Brouillon de référentiel créé"
    FRAMEWORK_PUBLISHED = "framework.published", "Référentiel publié"
    SCOPE_CHANGED = "scope.changed", "Périmètre modifié"


class CampaignEvent(models.TextChoices):
    CREATED = "campaign.created", "Campagne préparée"
    OPENED = "campaign.opened", "Campagne ouverte"
    CLOSED = "campaign.closed", "Campagne close aux dépôts"
    REVIEW_STARTED = "campaign.review_started", "Instruction de la campagne commencée"
    DECIDED = "campaign.decided", "Campagne décidée"
    ARCHIVED = "campaign.archived", "Campagne archivée"


class ApplicationEvent(models.TextChoices):
    STARTED = "application.started", "Dossier de candidature commencé"
    COMPLETED = "application.completed", "Dossier de candidature complété"
    DOCUMENT_ADDED = "application.document_added", "Pièce ajoutée au dossier de candidature"
    SUBMITTED = "application.submitted", "Dossier de candidature déposé"
    COMPLETE = "application.complete", "Dossier complet"
    INFORMATION_REQUESTED = "application.information_requested", "Complément demandé"
    INFORMATION_PROVIDED = "application.information_provided", "Complément fourni"
    REQUEST_EXPIRED = "application.request_expired", "Dossier clos faute de complément"
    REVIEWED = "application.reviewed", "Dossier instruit"
    PROPOSED = "application.proposed", "Décision proposée au conseil"
    DECIDED = "application.decided", "Décision du conseil"
    ESCALATED = "application.escalated", "Échéance dépassée : escaladé aux superviseurs"
    NOTE_ADDED = "application.note_added", "Note interne ajoutée"
