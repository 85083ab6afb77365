"""The CDC's processing receipt: each passage accepted or rejected, "already exists" counted as accepted, and
any other file refused in French without being trusted (no entity, no network)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest

from casefiles.cdc import Outcome, ReceiptError, Rejection, build_receipt, read_receipt
from casefiles.cdc.formats import RECEIPT_NAMESPACE
from casefiles.cdc.receipts import ALREADY_EXISTS_CODE, ALREADY_EXISTS_MESSAGE
from tests.casefiles.cdc.builders import PARIS

PROCESSED = dt.datetime(2025, 3, 4, 18, 5, tzinfo=PARIS)
NO_HOLDER = Rejection(
    "CLEA-2025-000002", "ERR_TITULAIRE", "Aucun titulaire ne correspond aux données transmises"
)
ALREADY = Rejection("CLEA-2025-000003", ALREADY_EXISTS_CODE, ALREADY_EXISTS_MESSAGE)


def receipt_bytes(**changes: Any) -> bytes:
    values: dict[str, Any] = {
        "id_flux": "CLEA-2025-03-0001",
        "file_name": "clea-2025-03-0001.xml",
        "accepted": ["CLEA-2025-000001"],
        "rejected": [NO_HOLDER, ALREADY],
        "processed_on": PROCESSED,
    }
    values.update(changes)
    return build_receipt(**values)


def test_a_receipt_gives_the_file_and_each_passage():
    receipt = read_receipt(receipt_bytes())

    assert (receipt.id_flux, receipt.file_name, receipt.processed_on) == (
        "CLEA-2025-03-0001",
        "clea-2025-03-0001.xml",
        PROCESSED,
    )
    assert receipt.accepted == ("CLEA-2025-000001",)
    assert receipt.rejected == (NO_HOLDER, ALREADY)


def test_already_exists_counts_as_accepted_and_other_rejections_do_not():
    outcomes = read_receipt(receipt_bytes()).outcomes()

    assert outcomes == {
        "CLEA-2025-000001": Outcome(accepted=True),
        "CLEA-2025-000002": Outcome(accepted=False, rejection=NO_HOLDER),
        "CLEA-2025-000003": Outcome(accepted=True, rejection=ALREADY),
    }


def test_already_exists_is_recognised_by_its_message_under_another_code():
    rejection = Rejection("X1", "E42", "Ce passage de certification existe déjà pour ce titulaire")

    assert rejection.already_exists


def test_the_cdc_message_is_kept_and_explained():
    [no_holder, _] = read_receipt(receipt_bytes()).rejected

    assert no_holder.message == "Aucun titulaire ne correspond aux données transmises"
    assert "nom de naissance" in no_holder.explanation and "SNGI" in no_holder.explanation
    assert Rejection("X", "E1", "Format de date invalide").explanation == "Format de date invalide"


def test_a_receipt_is_read_from_a_binary_file_too():
    assert read_receipt(io.BytesIO(receipt_bytes(rejected=[]))).accepted == ("CLEA-2025-000001",)


def test_a_receipt_with_nothing_accepted_or_rejected_is_read():
    receipt = read_receipt(receipt_bytes(accepted=[], rejected=[]))

    assert (receipt.accepted, receipt.rejected, receipt.outcomes()) == ((), (), {})


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "vide"),
        (b"%PDF-1.7 not a receipt", "n'est pas un fichier XML"),
        (b"<accuseTraitement><idFlux>1</idFlux", r"incomplet \(tronqué"),
        (b"<a><b></a>", "n'est pas un XML valide"),
    ],
)
def test_what_is_not_xml_or_stops_short_is_refused(content, words):
    with pytest.raises(ReceiptError, match=words):
        read_receipt(content)


def test_a_truncated_receipt_is_refused():
    content = receipt_bytes()

    with pytest.raises(ReceiptError, match="incomplet"):
        read_receipt(content[: len(content) // 2])


def test_a_deposited_file_is_not_taken_for_its_receipt():
    content = b'<flux xmlns="urn:cdc:cpf:pc5:schema:1.0.0"><idFlux>1</idFlux></flux>'

    with pytest.raises(
        ReceiptError, match=r"n'est pas un accusé de traitement de la Caisse des Dépôts.*« flux »"
    ):
        read_receipt(content)


def test_the_right_root_in_another_namespace_is_refused():
    content = receipt_bytes().replace(RECEIPT_NAMESPACE.encode(), b"urn:example:other")

    with pytest.raises(ReceiptError, match="n'est pas un accusé de traitement"):
        read_receipt(content)


def test_a_receipt_of_another_shape_is_refused_with_its_first_problem():
    content = receipt_bytes().replace(b"<nomFichier>clea-2025-03-0001.xml</nomFichier>", b"")

    with pytest.raises(
        ReceiptError, match=r"mal formé.*« dateTraitement » se trouve où « nomFichier » est attendu"
    ):
        read_receipt(content)


@pytest.mark.parametrize(
    ("accepted", "rejected"),
    [
        (["A1", "A1"], []),
        (["A1"], [("A1", "E1", "Refusé")]),
        ([], [("A1", "E1", "Refusé"), ("A1", "E2", "Refusé")]),
    ],
)
def test_an_id_listed_twice_is_refused(accepted, rejected):
    with pytest.raises(ReceiptError, match="« A1 » figure deux fois"):
        read_receipt(receipt_bytes(accepted=accepted, rejected=rejected))


def test_an_external_entity_is_neither_fetched_nor_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    content = (
        f'<?xml version="1.0"?><!DOCTYPE accuseTraitement [<!ENTITY xxe SYSTEM "file://{secret}">]>'
        f'<accuseTraitement xmlns="{RECEIPT_NAMESPACE}"><idFlux>&xxe;</idFlux></accuseTraitement>'
    ).encode()

    with pytest.raises(ReceiptError, match="DTD") as refused:
        read_receipt(content)

    assert "TOP-SECRET" not in str(refused.value)


def test_an_entity_bomb_is_refused_without_being_expanded():
    entities = "".join(f'<!ENTITY e{n} "{f"&e{n - 1};" * 10}">' for n in range(1, 10))
    content = (
        f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e0 "ha">{entities}]>'
        f'<accuseTraitement xmlns="{RECEIPT_NAMESPACE}"><idFlux>&e9;</idFlux></accuseTraitement>'
    ).encode()

    with pytest.raises(ReceiptError, match="DTD"):
        read_receipt(content)


def test_a_built_receipt_is_valid_against_the_receipt_schema():
    from lxml import etree

    from casefiles.cdc.formats import load_xsd

    assert load_xsd("accuse-traitement", "1.1.2").validate(etree.fromstring(receipt_bytes()))


@pytest.mark.parametrize("moment", ["2025-03-04T24:00:00+01:00", "12025-03-04T18:05:00+01:00"])
def test_a_processing_date_the_schema_admits_but_python_cannot_read_is_refused_not_a_crash(moment):
    content = receipt_bytes().replace(PROCESSED.replace(microsecond=0).isoformat().encode(), moment.encode())
    assert moment.encode() in content
    with pytest.raises(ReceiptError):
        read_receipt(content)
