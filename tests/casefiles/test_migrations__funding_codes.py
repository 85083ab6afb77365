"""Data migration 0015: the free-text fundings recorded before become codes of the list, and whatever the code
does not say (a funder it does not name, a text nobody recognises, then "other") is kept as written in the
funding note; every candidate gets the identity key the identity rule looks people up by. The alias table is
the migration's own frozen copy: a later change of casefiles/vocabulary.py does not change what it did."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

import casefiles.rules.vocabulary
from casefiles.models import Candidate, CaseFile
from casefiles.rules.identity import identity_key

pytestmark = pytest.mark.django_db

BEFORE = [("casefiles", "0014_candidate_identity_key_referrers_funding")]
TEXTS = {  # as typed in the files before the list -> (code, note)
    "Pôle emploi (AIF)": ("france_travail", ""),
    "cpf": ("cpf", ""),
    "Plan de dév. des compétences": ("employer_plan", ""),
    "OPCO EP": ("opco", "OPCO EP"),
    "CPF de transition": ("other", "CPF de transition"),
    "Agefiph": ("other", "Agefiph"),
    "Plan de formation 2021": ("employer_plan", "Plan de formation 2021"),
    "Chèque magique": ("other", "Chèque magique"),
}


def _migrate(targets):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _leaves():  # type: ignore[no-untyped-def]
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _files_with_fundings(case_file) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """One file per text (the copies abandoned: one open file per certification), as stored before 0015."""
    old = _migrate(BEFORE)
    OldCaseFile = old.get_model("casefiles", "CaseFile")
    ids = {}
    for number, text in enumerate(TEXTS):
        row = OldCaseFile.objects.get(pk=case_file.pk)
        if number:
            row.pk, row.state = None, "abandoned"
        row.funding, row.funding_note = text, ""
        row.save()
        ids[text] = row.pk
    old.get_model("casefiles", "Candidate").objects.update(identity_key="")
    return ids


def test_free_text_fundings_become_codes_keeping_what_the_code_does_not_say(case_file):
    leaves = _leaves()
    with connection.cursor() as cursor:  # the rows written below are checked as they come, not at the end
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ids = _files_with_fundings(case_file)

    _migrate(leaves)

    migrated = dict(CaseFile.objects.filter(pk__in=ids.values()).values_list("pk", "funding"))
    notes = dict(CaseFile.objects.filter(pk__in=ids.values()).values_list("pk", "funding_note"))
    assert {text: (migrated[pk], notes[pk]) for text, pk in ids.items()} == TEXTS
    person = Candidate.objects.get()
    assert person.identity_key == identity_key("Martin", "Léa", person.birth_date)


def test_the_migration_reads_fundings_with_its_own_frozen_alias_table(case_file, monkeypatch):
    leaves = _leaves()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    ids = _files_with_fundings(case_file)
    # Today's vocabulary changes (here: it recognises nothing): what the migration does must not.
    monkeypatch.setattr(casefiles.rules.vocabulary, "FUNDINGS", {})
    monkeypatch.setattr(casefiles.rules.vocabulary, "funding_from", lambda text: None)

    _migrate(leaves)

    assert CaseFile.objects.get(pk=ids["OPCO EP"]).funding == "opco"
    assert CaseFile.objects.get(pk=ids["Pôle emploi (AIF)"]).funding == "france_travail"
