"""Print the private link of a holder's page (support, the demo): `manage.py holder_link <numéro>`. The link
is the one the holder's e-mails carry; nothing is sent, nothing changes (a new link is sent from the
certificate's page, which ends the earlier ones)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from casefiles.credentials.holder import holder_url
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
        self.stdout.write(
            f"{certificate.number} ({certificate.get_status_display()}) : {holder_url(certificate)}"
        )
