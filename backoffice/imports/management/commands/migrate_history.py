"""Run a whole migration folder — the old system's history — through the imports, in the order the data
depends on, as one migration batch. The same services as the import pages (check, confirm, apply): the same
rules, the same row errors; a French report. Stops at the first file with errors unless told to set invalid
rows aside. `--essai` runs everything and keeps nothing (one transaction, rolled back)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from backoffice.core.legacy.models import BatchStatus, LegacyBatch
from backoffice.imports import legacy, services
from backoffice.imports.models import Contract, ImportJob, ImportStatus

# The files of a migration folder, in the order of the migration (each needs the ones before it).
FOLDER_ORDER: tuple[tuple[str, Contract], ...] = (
    ("organisations", Contract.ORGANISATIONS),
    ("habilitations", Contract.ACCREDITATIONS),
    ("membres_jury", Contract.JURY_MEMBERS),
    ("certificats_historiques", Contract.HISTORICAL_CERTIFICATES),
    ("candidats", Contract.CANDIDATES),
    # A file moves one step per import: the history of files in progress comes step by step.
    ("evaluations_prealables", Contract.RESULTS),
    ("plans_formation", Contract.RESULTS),
    ("evaluations_finales", Contract.RESULTS),
)
EXTENSIONS = (".csv", ".xlsx")
SHOWN_ERRORS = 20


class Stop(Exception):
    """A file could not be taken over: the report says why; the files before it stay applied."""


class DryRun(Exception):
    """Ends the trial run's transaction: nothing is kept."""


def folder_files(folder: Path) -> list[tuple[Path, Contract]]:
    """The folder's files in the migration's order; an empty folder, or an unknown file, is refused."""
    if not folder.is_dir():
        raise CommandError(f"Dossier introuvable : {folder}")
    known = {stem for stem, _ in FOLDER_ORDER}
    strangers = sorted(
        p.name
        for p in folder.iterdir()
        if p.is_file() and (p.suffix not in EXTENSIONS or p.stem not in known)
    )
    if strangers:
        raise CommandError(
            f"Fichiers inattendus dans {folder} : {', '.join(strangers)}. Noms attendus : "
            + ", ".join(f"{stem}.csv (ou .xlsx)" for stem, _ in FOLDER_ORDER)
            + "."
        )
    found = []
    for stem, contract in FOLDER_ORDER:
        paths = [
            folder / f"{stem}{extension}"
            for extension in EXTENSIONS
            if (folder / f"{stem}{extension}").exists()
        ]
        if len(paths) > 1:
            raise CommandError(f"{stem} est présent en CSV et en XLSX : gardez-en un seul.")
        found += [(path, contract) for path in paths]
    if not found:
        raise CommandError(f"Aucun fichier de reprise dans {folder}.")
    return found


class Command(BaseCommand):
    help = (
        "Reprend l'historique de l'ancien système depuis un dossier (organisations, habilitations, "
        "membres_jury, certificats_historiques, candidats, evaluations_prealables, plans_formation, "
        "evaluations_finales — .csv ou .xlsx), dans cet ordre, "
        "en un lot de reprise."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("dossier", type=Path)
        parser.add_argument(
            "--utilisateur", required=True, help="identifiant du ou de la superviseur·e qui mène la reprise"
        )
        parser.add_argument("--libelle", default="", help="libellé du lot (par défaut : le nom du dossier)")
        parser.add_argument("--lot", type=int, help="continuer dans un lot de reprise ouvert (son numéro)")
        parser.add_argument(
            "--ecarter-invalides",
            action="store_true",
            help="écarter les lignes en erreur et importer les autres "
            "(par défaut : arrêt au premier fichier en erreur)",
        )
        parser.add_argument(
            "--essai", action="store_true", help="tout vérifier et appliquer, puis tout annuler"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        folder: Path = options["dossier"]
        files = folder_files(folder)
        actor = self._supervisor(options["utilisateur"])
        skip_invalid: bool = options["ecarter_invalides"]
        trial: bool = options["essai"]
        jobs: list[ImportJob] = []
        try:
            # A trial runs in one transaction, rolled back at the end; a real run commits file by file, as
            # the import pages do: a stop leaves the files before it applied, in the batch, and a second run
            # in the same batch (--lot) goes on where the first stopped (files already taken over: unchanged).
            with transaction.atomic() if trial else contextlib.nullcontext():
                batch = self._batch(options["lot"], options["libelle"] or folder.name, actor)
                self.stdout.write(f"{batch} — {len(files)} fichier(s), dans l'ordre de la reprise.")
                try:
                    for path, contract in files:
                        jobs.append(self._take_over(path, contract, batch, actor, skip_invalid))
                except Stop as stop:
                    self._counts(batch)
                    hint = "" if trial else f" Pour reprendre dans le même lot : --lot {batch.pk}."
                    raise CommandError(f"{stop}{hint}") from stop
                self._counts(batch)
                if trial:
                    raise DryRun
        except DryRun:
            self._forget(jobs)
            self.stdout.write("Essai : tout a été vérifié et appliqué puis annulé ; rien n'a été conservé.")
            return
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from error
        self.stdout.write(self.style.SUCCESS(f"Reprise terminée : {batch}. Comparez les comptes ci-dessus."))

    def _supervisor(self, username: str) -> Any:
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"Utilisateur inconnu ou inactif : {username}")
        try:
            legacy.ensure_supervisor(user)
        except PermissionDenied as error:
            raise CommandError(str(error)) from error
        return user

    def _batch(self, number: int | None, label: str, actor: Any) -> LegacyBatch:
        if number is None:
            return legacy.open_batch(label=label, actor=actor)
        batch = LegacyBatch.objects.filter(pk=number).first()
        if batch is None or batch.status != BatchStatus.OPEN:
            raise CommandError(f"Le lot de reprise n° {number} n'existe pas ou n'est plus ouvert.")
        return batch

    def _take_over(
        self, path: Path, contract: Contract, batch: LegacyBatch, actor: Any, skip_invalid: bool
    ) -> ImportJob:
        with path.open("rb") as handle:
            upload = File(handle, name=path.name)
            job = services.create_import(
                contract=contract, upload=upload, actor=actor, legacy_batch=batch, enqueue=False
            )
        services.check_import(job.pk)
        job.refresh_from_db()
        head = f"{path.name} ({Contract(contract).label}, import n° {job.pk})"
        if job.status == ImportStatus.REFUSED:
            raise Stop(f"{head} refusé : {job.file_error}")
        line = (
            f"{head} : {job.rows} ligne(s) — {job.new_rows} nouvelle(s), {job.updated_rows} modifiée(s), "
            f"{job.unchanged_rows} inchangée(s), {job.invalid_rows} en erreur."
        )
        self.stdout.write(line)
        if job.invalid_rows:
            for error in job.row_errors.all()[:SHOWN_ERRORS]:
                self.stdout.write(f"  ligne {error.line} — {error.column or 'ligne'} : {error.message}")
            if job.invalid_rows > SHOWN_ERRORS:
                self.stdout.write(
                    f"  … toutes les erreurs : rapport de l'import n° {job.pk} (/imports/{job.pk}/)."
                )
            if not skip_invalid:
                raise Stop(
                    f"{path.name} : {job.invalid_rows} ligne(s) en erreur — reprise arrêtée à ce fichier. "
                    "Corrigez-le et relancez (les fichiers déjà repris ne changeront pas), ou relancez avec "
                    "--ecarter-invalides."
                )
        if job.new_rows + job.updated_rows == 0:
            services.cancel_import(job, actor=actor)
            self.stdout.write("  rien de nouveau : déjà repris.")
            return job
        services.confirm_import(job, skip_invalid=skip_invalid, actor=actor, enqueue=False)
        services.apply_import(job.pk)
        job.refresh_from_db()
        if job.status != ImportStatus.APPLIED:
            raise Stop(f"{head} non appliqué : {job.outcome}")
        self.stdout.write(f"  appliqué : {job.outcome}")
        return job

    def _counts(self, batch: LegacyBatch) -> None:
        self.stdout.write(
            f"Écrit par le lot n° {batch.pk} : {legacy.counts_line(legacy.batch_counts(batch))}."
        )

    def _forget(self, jobs: list[ImportJob]) -> None:
        """A trial keeps nothing: the stored files of its imports go too."""
        for job in jobs:
            for stored in (job.file, job.error_report):
                if stored and stored.name:
                    stored.storage.delete(stored.name)
