"""`manage.py verify_pdf <path> [...]`: for support, the verdict on PDFs someone sent us — exit code 0 when
every one is signed by Certif'Pro and unchanged since, 1 otherwise."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from backoffice.core.signing.pdf import MAX_PDF_BYTES, verify_pdf


class Command(BaseCommand):
    help = "Vérifie la signature de PDF (certificats, procès-verbaux, lettres de décision) de Certif'Pro."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="Fichiers PDF à vérifier.")

    def handle(self, *args: Any, paths: list[str], **options: Any) -> None:
        verdicts = [self._verify(Path(path)) for path in paths]
        if not all(verdicts):
            raise SystemExit(1)

    def _verify(self, path: Path) -> bool:
        self.stdout.write(f"{path} :")
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_PDF_BYTES + 1)
        except OSError as error:
            self.stdout.write(f"  ✗ Fichier illisible ({error.strerror or error}).")
            return False
        verdict = verify_pdf(data)
        for ok, line in verdict.lines:
            self.stdout.write(f"  {'✓' if ok else '✗'} {line}")
        if verdict.signer:
            self.stdout.write(f"  Signataire : {verdict.signer}")
        return verdict.valid
