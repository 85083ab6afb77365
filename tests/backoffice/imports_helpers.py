"""Building import files and running an import's steps as the worker would, in the test's transaction."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from backoffice.imports import services
from backoffice.imports.models import ImportJob

CANDIDATE_HEADER = [
    "reference",
    "siret_evaluateur",
    "certification",
    "nom",
    "prenom",
    "date_naissance",
    "sexe",
    "email",
    "telephone",
    "code_postal",
    "statut",
    "secteur",
    "prescripteur",
    "date_accueil",
]


def candidate_row(siret: str, reference: str = "DOS-1", **changes: str) -> dict[str, str]:
    row = {
        "reference": reference,
        "siret_evaluateur": siret,
        "certification": "CLEA",
        "nom": "Martin",
        "prenom": "Léa",
        "date_naissance": "02/04/1999",
        "sexe": "F",
        "email": "lea.martin@example.org",
        "telephone": "06 12 34 56 78",
        "code_postal": "93200",
        "statut": "demandeur_emploi",
        "secteur": "Logistique",
        "prescripteur": "france_travail",
        "date_accueil": "02/11/2026",
    }
    row.update(changes)
    return row


def csv_bytes(
    rows: list[dict[str, str]],
    *,
    header: list[str] | None = None,
    separator: str = ";",
    encoding: str = "utf-8",
    bom: bool = False,
) -> bytes:
    header = header or CANDIDATE_HEADER
    lines = [separator.join(header)] + [separator.join(row.get(name, "") for name in header) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "candidats.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def checked(
    content: bytes, *, actor: Any, contract: str = "candidates", name: str = "candidats.csv"
) -> ImportJob:
    """Upload and run the dry run (the worker's first step)."""
    job = services.create_import(contract=contract, upload=upload(content, name), actor=actor)
    services.check_import(job.pk)
    job.refresh_from_db()
    return job


def imported(content: bytes, *, actor: Any, skip_invalid: bool = False, **kwargs: Any) -> ImportJob:
    """Upload, check, confirm and apply (the worker's second step)."""
    job = checked(content, actor=actor, **kwargs)
    services.confirm_import(job, skip_invalid=skip_invalid, actor=actor)
    services.apply_import(job.pk)
    job.refresh_from_db()
    return job
