"""The customer's identity copied onto each statement at issue (name, SIREN, address) and the
establishment's onto each line (SIRET, name); the statements already issued, and every line, get them from
the rows as they stand now (docs/fees.md)."""

from typing import Any

from django.db import migrations, models

COPIED = [
    ("statement", "customer_address", 420, "adresse à l'émission"),
    ("statement", "customer_name", 200, "raison sociale à l'émission"),
    ("statement", "customer_siren", 9, "SIREN à l'émission"),
    ("statementline", "site_name", 200, "établissement à l'émission"),
    ("statementline", "site_siret", 14, "SIRET à l'émission"),
]


def backfill(apps, schema_editor):
    Statement = apps.get_model("fees", "Statement")
    StatementLine = apps.get_model("fees", "StatementLine")
    Site = apps.get_model("accreditation", "Site")
    first_sites: dict[int, Any] = {}
    for site in Site.objects.order_by("organisation_id", "siret"):
        first_sites.setdefault(site.organisation_id, site)
    issued = Statement.objects.exclude(status="draft").select_related("organisation")
    for statement in issued.iterator(chunk_size=500):
        site = first_sites.get(statement.organisation_id)
        statement.customer_name = statement.organisation.legal_name
        statement.customer_siren = statement.organisation.siren
        statement.customer_address = f"{site.address}, {site.postcode} {site.city}" if site else ""
        statement.save(update_fields=["customer_name", "customer_siren", "customer_address"])
    for site in Site.objects.filter(pk__in=StatementLine.objects.values("site_id")):
        StatementLine.objects.filter(site_id=site.pk).update(site_siret=site.siret, site_name=site.name)


class Migration(migrations.Migration):

    dependencies = [
        ('fees', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name=model_name,
            name=name,
            field=models.CharField(blank=True, max_length=max_length, verbose_name=verbose_name),
        )
        for model_name, name, max_length, verbose_name in COPIED
    ] + [migrations.RunPython(backfill, migrations.RunPython.noop)]
