"""Plain values for the CDC files' tests (no database): a header, passages, a written file read back."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from lxml import etree

from casefiles.cdc import CertificationRef, FluxHeader, Passage, write_flux
from casefiles.cdc.formats import XSI, qname

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
HEADER = FluxHeader(
    id_flux="CLEA-2025-03-0001",
    timestamp=dt.datetime(2025, 3, 1, 9, 30, 12, 345678, tzinfo=PARIS),
    id_client="CP000123",
    id_contrat="CTR-2021-42",
)
CLEA = CertificationRef(code="RS5080")


def a_passage(number: int = 1, **changes: Any) -> Passage:
    """Camille Martin, born in Paris 15e, CléA awarded on 2 January 2025."""
    values: dict[str, Any] = {
        "id_technique": f"CLEA-2025-{number:06d}",
        "awarded_on": dt.date(2025, 1, 2),
        "url_preuve": f"https://certifpro.example/verification/CLEA-2025-{number:06d}",
        "birth_name": "Martin",
        "first_names": ("Camille",),
        "birth_date": dt.date(1990, 5, 6),
        "sex": "F",
        "birth_commune_code": "75115",
    }
    values.update(changes)
    return Passage(**values)


def many_passages(count: int) -> Iterator[Passage]:
    for number in range(1, count + 1):
        yield a_passage(number, usual_name="Ørsted" if number % 2 else "")


def write(path: Path, passages: Iterable[Passage], **kwargs: Any) -> int:
    return write_flux(path, header=HEADER, certifications=[(CLEA, passages)], **kwargs)


def passages_of(path: Path) -> list[etree._Element]:
    return list(etree.parse(str(path)).getroot().iter(qname("passageCertification")))


def text_of(passage: etree._Element, name: str) -> str | None:
    return passage.findtext(f".//{qname(name)}")


def is_nil(passage: etree._Element, name: str) -> bool:
    element = passage.find(f".//{qname(name)}")
    return (
        element is not None
        and element.get(qname("nil", XSI)) == "true"
        and not element.text
        and len(element) == 0
    )
