"""The registry of personal data: every field of the candidate-related models is classified, as personal
(with a category, a French retention rule and what the retention job does) or explicitly not personal."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from casefiles.personal_data import (
    NOT_PERSONAL,
    PERSONAL,
    REGISTERED_APPS,
    REGISTERED_MODELS,
    AtExpiry,
    Category,
)


def registered_models() -> list[type[models.Model]]:
    found = [m for label in REGISTERED_APPS for m in apps.get_app_config(label).get_models()]
    return found + [apps.get_model(label) for label in REGISTERED_MODELS]


def field_keys() -> set[str]:
    """Every field a row of these models holds: columns and many-to-many, not the reverse relations."""
    return {
        f"{model._meta.label}.{field.name}"
        for model in registered_models()
        for field in model._meta.get_fields()
        if field.concrete or (field.many_to_many and not field.auto_created)
    }


def test_every_field_of_the_candidate_models_is_classified():
    unclassified = field_keys() - set(PERSONAL) - set(NOT_PERSONAL)
    assert not unclassified, f"Classez ces champs dans casefiles/personal_data.py : {sorted(unclassified)}"


def test_no_field_is_both_personal_and_not_personal():
    assert not set(PERSONAL) & set(NOT_PERSONAL)


def test_the_registry_names_no_field_that_does_not_exist():
    stale = (set(PERSONAL) | set(NOT_PERSONAL)) - field_keys()
    assert not stale


def test_the_walk_reaches_every_case_file_model_and_the_staff_accounts():
    labels = {model._meta.label for model in registered_models()}
    assert {"casefiles.Candidate", "casefiles.CaseFile", "casefiles.CaseFileDocument"} <= labels
    assert {"casefiles.AgendaItem", "casefiles.Certificate", "accounts.User", "audit.AuditEvent"} <= labels
    keys = field_keys()
    assert {"casefiles.TrainingPlan.domains", "accounts.User.groups", "casefiles.CaseFile.candidate"} <= keys
    assert not any(key.startswith("casefiles.Candidate.case_files") for key in keys)  # reverse relation


def test_identity_contact_birth_date_documents_and_free_texts_are_declared_personal():
    expected = {
        "casefiles.Candidate.last_name": Category.IDENTITY,
        "casefiles.Candidate.first_name": Category.IDENTITY,
        "casefiles.Candidate.email": Category.CONTACT,
        "casefiles.Candidate.phone": Category.CONTACT,
        "casefiles.Candidate.birth_date": Category.BIRTH,
        "casefiles.Candidate.sex": Category.PROFILE,
        "casefiles.CaseFileDocument.file": Category.DOCUMENT,
        "casefiles.CaseFile.closing_reason": Category.FREE_TEXT,
        "casefiles.CaseFile.funding_note": Category.FREE_TEXT,
        "casefiles.AgendaItem.reason": Category.DECISION,
        "accounts.User.email": Category.STAFF,
    }
    assert {key: PERSONAL[key].category for key in expected} == expected


def test_each_personal_field_has_a_french_retention_rule():
    for key, entry in PERSONAL.items():
        assert entry.retention.strip(), key
        assert any(word in entry.retention for word in ("ans", "durée", "limite", "session", "dossier")), key
    assert "5 ans après la clôture" in PERSONAL["casefiles.Candidate.email"].retention


def test_what_the_retention_job_keeps_is_what_the_statistics_count():
    kept = {key for key, entry in PERSONAL.items() if entry.at_expiry == AtExpiry.KEEP}
    assert {"casefiles.Candidate.sex", "casefiles.Candidate.status", "casefiles.Candidate.sector"} <= kept
    assert PERSONAL["casefiles.Candidate.birth_date"].at_expiry == AtExpiry.COARSEN
    assert PERSONAL["casefiles.Candidate.last_name"].at_expiry == AtExpiry.PSEUDONYMISE
    # The funding's code is counted; the funder typed beside it ("Agefiph") is a free text, erased.
    assert "casefiles.CaseFile.funding" in kept
    assert PERSONAL["casefiles.CaseFile.funding_note"].at_expiry == AtExpiry.ERASE
