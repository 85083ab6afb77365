from __future__ import annotations

import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from backoffice.core.accounts.models import User

PAGES = [
    "accueil:index",
    "annuaire:organismes:index",
    "annuaire:etablissements:index",
    "annuaire:habilitations:index",
]


class Command(BaseCommand):
    help = "Mesure le temps serveur et le nombre de requêtes SQL des pages principales, par identifiant."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--users", nargs="+", default=["superviseur", "instructeur.idf", "evaluateur"])
        parser.add_argument("--repeat", type=int, default=20)

    @override_settings(ALLOWED_HOSTS=["testserver"], SECURE_SSL_REDIRECT=False)
    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        for username in options["users"]:
            client = Client()
            client.force_login(User.objects.get(username=username))
            for url in map(reverse, PAGES):
                client.get(url)  # warm up
                timings = []
                for _ in range(options["repeat"]):
                    started = time.perf_counter()
                    response = client.get(url)
                    timings.append((time.perf_counter() - started) * 1000)
                with CaptureQueriesContext(connection) as queries:
                    client.get(url)
                median, p90 = statistics.median(timings), statistics.quantiles(timings, n=10)[-1]
                self.stdout.write(
                    f"{username:16} {url:28} {response.status_code}  médiane {median:6.1f} ms  "
                    f"p90 {p90:6.1f} ms  {len(queries)} requêtes"
                )
