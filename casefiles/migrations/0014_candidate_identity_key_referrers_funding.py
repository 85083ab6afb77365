# Candidates found by their identity key; referrers Mission locale, Cap emploi, Transitions Pro; funding as a
# list (the free texts are mapped to codes by 0015_funding_codes_identity_keys_data, which keeps what the code
# does not say in the funding note added here, then shortened by 0016).

import casefiles.rules.identity
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casefiles', '0013_assessment_decided_by_criteria_data'),
    ]

    operations = [
        migrations.AddField(
            model_name='candidate',
            name='identity_key',
            field=models.CharField(blank=True, editable=False, max_length=250, verbose_name="clé d'identité"),
        ),
        migrations.AlterField(
            model_name='candidate',
            name='first_name',
            field=models.CharField(max_length=100, validators=[casefiles.rules.identity.validate_person_name], verbose_name='prénom'),
        ),
        migrations.AlterField(
            model_name='candidate',
            name='last_name',
            field=models.CharField(max_length=100, validators=[casefiles.rules.identity.validate_person_name], verbose_name='nom'),
        ),
        migrations.AddField(
            model_name='casefile',
            name='funding_note',
            field=models.CharField(blank=True, max_length=100, verbose_name='précision du financement'),
        ),
        migrations.AlterField(
            model_name='casefile',
            name='referrer',
            field=models.CharField(blank=True, choices=[('employer', 'Employeur'), ('opco', 'OPCO'), ('region', 'Région'), ('france_travail', 'France Travail'), ('cep', 'Conseil en évolution professionnelle'), ('mission_locale', 'Mission locale'), ('cap_emploi', 'Cap emploi'), ('transitions_pro', 'Transitions Pro'), ('other', 'Autre')], max_length=20, verbose_name='prescripteur'),
        ),
    ]
