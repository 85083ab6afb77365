from __future__ import annotations

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import transaction


class Command(BaseCommand):
    help = "Lance le serveur web de démonstration et, sans broker configuré, un worker Dramatiq intégré."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        if settings.INPROCESS_WORKER:
            from backoffice.core.worker import start_inprocess_scheduler, start_inprocess_worker

            start_inprocess_worker()
            start_inprocess_scheduler()
            self.stdout.write("Worker Dramatiq et planificateur intégrés démarrés.")
        else:
            self.stdout.write(
                "Broker externe : lancez `manage.py rundramatiq` et `manage.py crontab --no-heartbeat` "
                "dans d'autres terminaux."
            )
        from accreditation.tasks import expire_accreditations_due

        transaction.on_commit(expire_accreditations_due.send)
        call_command("runserver", options["addrport"], use_reloader=False)
