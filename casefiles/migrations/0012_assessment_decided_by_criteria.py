from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casefiles", "0011_jury_majority_rounds_adjournment"),
    ]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="decided_by_criteria",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="codes des sous-domaines décidés par le seuil et le critère obligatoire ; "
                "les autres sont le verdict de l'évaluateur·rice",
                verbose_name="sous-domaines décidés par leurs critères",
            ),
        ),
    ]
