"""Print the private link of a holder's page (support, the demo): `manage.py holder_link <numéro>`. The link
is the one the holder's e-mails carry; nothing is sent (a new link is sent from the certificate's page, which
ends the earlier ones); the file's timeline says the link was shown."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from backoffice.core.audit.events import record
from casefiles.credentials.holder import holder_url
from casefiles.events import CertificateEvent
from casefiles.models import Certificate, CertificateStatus


class Command(BaseCommand):
    help = "Affiche le lien privé de la page du ou de la titulaire d'un certificat."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("number", nargs="?", help="numéro du certificat (défaut : le dernier délivré)")

    def handle(self, *args: Any, **options: Any) -> None:
        certificates = Certificate.objects.exclude(status=CertificateStatus.PENDING)
        if options["number"]:
            certificate = certificates.filter(number__iexact=options["number"].strip()).first()
        else:
            certificate = (
                certificates.filter(status=CertificateStatus.ISSUED).order_by("-issued_at", "-pk").first()
            )
        if certificate is None:
            raise CommandError("Aucun certificat délivré ne porte ce numéro.")
        # Who reads a private link is on the file's timeline (no signed-in person here: the system).
        record(
            CertificateEvent.HOLDER_LINK_SHOWN,
            actor=None,
            subject=certificate.case_file,
            summary=f"Lien privé de la page du certificat {certificate.number} affiché en ligne de commande.",
        )
        self.stdout.write(
            f"{certificate.number} ({certificate.get_status_display()}) : {holder_url(certificate)}"
        )
