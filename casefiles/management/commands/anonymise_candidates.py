"""`manage.py anonymise_candidates [--dry-run]`: the retention job by hand, with its French report."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from casefiles.services import anonymise_candidates


class Command(BaseCommand):
    help = (
        "Anonymise les candidat·es dont tous les dossiers sont clos depuis plus de CANDIDATE_RETENTION_YEARS "
        "ans (--dry-run : dire qui le serait, sans rien modifier)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Simulation : rien n'est modifié.")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        for line in anonymise_candidates(dry_run=dry_run).lines():
            self.stdout.write(line)
