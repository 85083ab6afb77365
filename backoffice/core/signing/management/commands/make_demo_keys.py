"""`manage.py make_demo_keys [directory]`: the demo's keys (a self-signed signing certificate, two credential
keys), written where missing, and the environment lines that use them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from backoffice.core.signing.keys import generate_demo_keys, resolve


class Command(BaseCommand):
    help = (
        "Crée, s'il n'existent pas, les clés de démonstration (certificat auto-signé des PDF, clés des "
        "attestations numériques) et affiche les variables d'environnement qui les désignent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", nargs="?", default="var/keys", help="Dossier des clés (var/keys).")

    def handle(self, *args: Any, directory: str = "var/keys", **options: Any) -> None:
        password = settings.SIGNING_PKCS12_PASSWORD or "demo"
        keys = generate_demo_keys(resolve(directory), password)
        self.stdout.write(f"SIGNING_PKCS12_PATH={_shown(keys.signing)}")
        self.stdout.write(f"SIGNING_PKCS12_PASSWORD={password}")
        self.stdout.write(f"CREDENTIAL_KEY_PATHS={','.join(_shown(path) for path in keys.credentials)}")


def _shown(path: Path) -> str:
    """Relative to the project when inside it, as the settings read it."""
    base = Path(settings.BASE_DIR)
    return str(path.relative_to(base)) if path.is_relative_to(base) else str(path)
