"""The status at entry kept on the file (`CaseFile.status_at_opening`): the files already opened take their
person's status as it is now, the best known (a later import or rectification may have changed it); the files
taken over from the old system keep none (it never recorded the status at entry: « non renseigné »)."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def from_the_person(apps, schema_editor):
    CaseFile = apps.get_model("casefiles", "CaseFile")
    Candidate = apps.get_model("casefiles", "Candidate")
    status = Candidate.objects.filter(pk=OuterRef("candidate_id")).values("status")[:1]
    CaseFile.objects.filter(legacy_batch__isnull=True).update(status_at_opening=Subquery(status))


class Migration(migrations.Migration):
    dependencies = [
        ("casefiles", "0021_credentials"),
    ]

    operations = [
        migrations.AddField(
            model_name="casefile",
            name="status_at_opening",
            field=models.CharField(
                blank=True,
                choices=[
                    ("jobseeker", "Demandeur·se d'emploi"),
                    ("employee", "Salarié·e"),
                    ("other", "Autre"),
                ],
                db_default="",
                default="",
                max_length=10,
                verbose_name="statut à l'ouverture",
            ),
        ),
        migrations.RunPython(from_the_person, migrations.RunPython.noop, elidable=True),
    ]
