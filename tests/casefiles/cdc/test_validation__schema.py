"""A file the CDC would reject whole is caught before it is deposited, in French, with its line."""

from __future__ import annotations

import pytest

from casefiles.cdc import load_schema, validate_flux
from tests.casefiles.cdc.builders import a_passage, write


@pytest.fixture
def written(tmp_path):
    path = tmp_path / "flux.xml"
    write(path, [a_passage(1), a_passage(2), a_passage(3)])
    return path


def test_a_commune_code_of_six_characters_is_named_with_its_line_and_passage(tmp_path):
    path = tmp_path / "flux.xml"
    bad = a_passage(2)
    object.__setattr__(bad, "birth_commune_code", "751156")  # past the dataclass's own check
    write(path, [a_passage(1), bad, a_passage(3)])

    messages = validate_flux(path)

    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "751156" in text)
    assert (
        messages[0]
        == f"Ligne {line} (passage « CLEA-2025-000002 ») : « codeInsee » : 6 caractères au lieu de 5."
    )
    assert all("CLEA-2025-000002" in message for message in messages)


def test_a_missing_required_element_in_a_hand_edited_file_is_named(written):
    written.write_text(written.read_text().replace("<sexe>F</sexe>", "", 1))

    [message] = validate_flux(written)

    assert message.startswith("Ligne 17 (passage « CLEA-2025-000001 ») : ")
    assert "« sexe » est attendu" in message


def test_a_value_outside_an_enumeration_lists_the_allowed_ones(written):
    written.write_text(written.read_text().replace("<sexe>F</sexe>", "<sexe>X</sexe>"))

    messages = validate_flux(written)

    assert len(messages) == 3
    assert "« sexe » : « X » n'est pas une valeur permise (valeurs permises : M, F)." in messages[0]


def test_an_error_in_the_header_is_said_once(written):
    written.write_text(
        written.read_text().replace("<idContrat>CTR-2021-42</idContrat>", "<idContrat></idContrat>")
    )

    assert validate_flux(written) == [
        "Ligne 10 : « idContrat » : 0 caractère(s), 1 au moins (l'élément est vide ?)."
    ]


def test_a_nil_where_the_schema_forbids_it_is_named(written):
    written.write_text(written.read_text().replace("<sexe>F</sexe>", '<sexe xsi:nil="true"/>', 1))

    assert "« sexe » ne peut pas être vide (xsi:nil interdit)." in validate_flux(written)[0]


def test_a_timestamp_with_milliseconds_is_refused(written):
    written.write_text(written.read_text().replace("09:30:12+01:00", "09:30:12.345+01:00"))

    assert validate_flux(written)[0].startswith(
        "Ligne 4 : « horodatage » : la valeur « 2025-03-01T09:30:12.345+01:00 »"
    )


def test_a_truncated_file_says_where_it_stops(written):
    content = written.read_bytes()
    written.write_bytes(content[: content.index(b"<sexe>")])

    [message] = validate_flux(written)

    assert message.startswith("Ligne 17 : le fichier n'est pas un XML complet et bien formé")


def test_another_root_is_not_taken_for_a_flux(tmp_path):
    path = tmp_path / "flux.xml"
    path.write_text('<?xml version="1.0"?><accuseTraitement xmlns="urn:cdc:cpf:pc5:schema:1.0.0"/>')

    [message] = validate_flux(path)

    assert "l'élément racine « accuseTraitement » n'est pas celui du format attendu" in message


def test_an_unknown_schema_version_is_refused_in_french():
    with pytest.raises(ValueError, match=r"Schéma accrochage 9\.9\.9 introuvable"):
        load_schema("9.9.9")


def test_the_schema_is_parsed_once():
    assert load_schema("1.1.2") is load_schema("1.1.2")
