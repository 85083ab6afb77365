"""The "accrochage" file as written: valid against the schema, nil where the CDC wants nil, names intact."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from casefiles.cdc import CertificationRef, FluxError, FluxHeader, validate_flux, write_flux
from tests.casefiles.cdc.builders import CLEA, HEADER, a_passage, is_nil, passages_of, text_of, write


def test_a_written_file_is_valid_against_the_schema(tmp_path):
    path = tmp_path / "flux.xml"

    written = write(path, [a_passage(1), a_passage(2, birth_country_code="134", birth_commune_code="")])

    assert written == 2
    assert validate_flux(path) == []


def test_every_value_without_content_is_nil(tmp_path):
    path = tmp_path / "flux.xml"
    write(path, [a_passage(birth_date_precision="year")])

    [passage] = passages_of(path)

    for name in ("dateFinValidite", "scoring", "mentionValidee", "nomUsage", "modaliteAcces"):
        assert is_nil(passage, name), name
    assert is_nil(passage, "moisNaissance") and is_nil(passage, "jourNaissance")
    assert text_of(passage, "anneeNaissance") == "1990"


def test_the_values_given_are_written_where_the_cdc_reads_them(tmp_path):
    path = tmp_path / "flux.xml"
    write(path, [a_passage(usual_name="Dupont", access_mode="VAE", exam_started_on=dt.date(2024, 12, 1))])

    [passage] = passages_of(path)

    assert text_of(passage, "nomUsage") == "Dupont"
    assert text_of(passage, "modaliteAcces") == "VAE"
    assert text_of(passage, "codeInsee") == "75115"
    assert text_of(passage, "dateDebutValidite") == "2025-01-02"
    assert text_of(passage, "dateDebutExamen") == "2024-12-01"
    assert (text_of(passage, "moisNaissance"), text_of(passage, "jourNaissance")) == ("05", "06")


def test_the_timestamp_has_its_offset_and_no_fraction_of_a_second(tmp_path):
    path = tmp_path / "flux.xml"
    write(path, [a_passage()])

    assert "<horodatage>2025-03-01T09:30:12+01:00</horodatage>" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "name",
    [
        "Nguyễn",
        "Łukasz",
        "Ørsted",
        "Zoë",
        "N'Diaye",
        "D’Arc",
        "Le Goff-Kerouac",
        "Øyvind Åsmund",
        "Ἀλέξανδρος",
    ],
)
def test_names_of_any_script_come_back_as_written(tmp_path, name):
    path = tmp_path / "flux.xml"
    write(path, [a_passage(birth_name=name, first_names=(name, "Zoë"), usual_name=name)])

    [passage] = passages_of(path)

    assert (text_of(passage, "nomNaissance"), text_of(passage, "prenom1"), text_of(passage, "nomUsage")) == (
        name,
        name,
        name,
    )
    assert validate_flux(path) == []


def test_runs_of_spaces_in_a_name_are_made_one(tmp_path):
    path = tmp_path / "flux.xml"
    write(path, [a_passage(birth_name="  Le   Goff ")])

    assert text_of(passages_of(path)[0], "nomNaissance") == "Le Goff"


def test_a_name_with_a_control_character_is_refused_with_its_passage():
    with pytest.raises(FluxError, match=r"CLEA-2025-000001.*U\+0007"):
        a_passage(birth_name="Mar\x07tin")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"birth_commune_code": "751156"}, "code commune INSEE"),
        ({"birth_commune_code": "", "birth_country_code": ""}, "lieu de naissance"),
        ({"birth_country_code": "134"}, "un seul code"),
        ({"sex": "X"}, "sexe"),
        ({"first_names": ()}, "prénoms"),
        ({"first_names": ("A", "B", "C", "D")}, "prénoms"),
        ({"birth_name": "M" * 61}, "61 caractères"),
        ({"access_mode": "STAGE"}, "modalité"),
        ({"url_preuve": "pas une adresse"}, "urlPreuve"),
    ],
)
def test_a_passage_the_schema_would_refuse_is_refused_when_built(changes, words):
    with pytest.raises(FluxError, match=words):
        a_passage(**changes)


def test_a_header_without_time_zone_is_refused():
    with pytest.raises(FluxError, match="fuseau"):
        FluxHeader(
            id_flux="F1", timestamp=dt.datetime(2025, 3, 1, 9, 30), id_client="CP000123", id_contrat="C1"
        )


def test_a_certification_without_passages_is_left_out(tmp_path):
    path = tmp_path / "flux.xml"

    written = write_flux(
        path, header=HEADER, certifications=[(CertificationRef(code="RS0001"), []), (CLEA, [a_passage()])]
    )

    assert written == 1
    assert "RS0001" not in path.read_text(encoding="utf-8")
    assert validate_flux(path) == []


def test_a_file_without_any_passage_is_not_written(tmp_path):
    path = tmp_path / "flux.xml"

    with pytest.raises(FluxError, match="Aucun passage"):
        write(path, [])

    assert not path.exists()


def test_an_id_technique_seen_twice_is_refused():
    with pytest.raises(FluxError, match="deux fois"):
        write_flux(io.BytesIO(), header=HEADER, certifications=[(CLEA, [a_passage(1), a_passage(1)])])


def test_progress_is_told_every_thousand_passages():
    told: list[int] = []

    written = write_flux(
        io.BytesIO(),
        header=HEADER,
        certifications=[(CLEA, (a_passage(n) for n in range(1, 2_501)))],
        progress=told.append,
    )

    assert (written, told) == (2_500, [1_000, 2_000])


def test_a_binary_file_receives_the_same_bytes_as_a_path(tmp_path):
    path, buffer = tmp_path / "flux.xml", io.BytesIO()

    write(path, [a_passage()])
    write_flux(buffer, header=HEADER, certifications=[(CLEA, [a_passage()])])

    assert buffer.getvalue() == path.read_bytes()
