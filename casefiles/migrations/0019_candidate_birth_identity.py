# What the training-account system (CDC) matches a holder on: birth name, other first names, birthplace.

from django.db import migrations, models

import casefiles.rules.identity


class Migration(migrations.Migration):
    dependencies = [
        ("casefiles", "0018_certificate_number_upper_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="candidate",
            name="birth_name",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                max_length=100,
                validators=[casefiles.rules.identity.validate_person_name],
                verbose_name="nom de naissance",
            ),
        ),
        migrations.AddField(
            model_name="candidate",
            name="first_name_2",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                max_length=100,
                validators=[casefiles.rules.identity.validate_person_name],
                verbose_name="deuxième prénom",
            ),
        ),
        migrations.AddField(
            model_name="candidate",
            name="first_name_3",
            field=models.CharField(
                blank=True,
                db_default="",
                default="",
                max_length=100,
                validators=[casefiles.rules.identity.validate_person_name],
                verbose_name="troisième prénom",
            ),
        ),
        migrations.AddField(
            model_name="candidate",
            name="birth_commune_code",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=5, verbose_name="commune de naissance"
            ),
        ),
        migrations.AddField(
            model_name="candidate",
            name="birth_country_code",
            field=models.CharField(
                blank=True, db_default="", default="", max_length=5, verbose_name="pays de naissance"
            ),
        ),
    ]
