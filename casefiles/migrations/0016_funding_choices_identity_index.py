# Funding as a code (the texts were mapped by 0015_funding_codes_identity_keys_data, which kept what the code
# does not say in `funding_note`); the identity index on the key replaces the one on the upper-cased names.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('casefiles', '0015_funding_codes_identity_keys_data'),
    ]

    operations = [
        migrations.AlterField(
            model_name='casefile',
            name='funding',
            field=models.CharField(blank=True, choices=[('cpf', 'CPF (compte personnel de formation)'), ('pro_a', 'Pro-A (reconversion ou promotion par alternance)'), ('employer_plan', "Plan de développement des compétences de l'employeur"), ('opco', 'OPCO'), ('region', 'Région'), ('france_travail', 'France Travail (AIF)'), ('other', 'Autre')], max_length=20, verbose_name='financement'),
        ),
        migrations.RemoveIndex(
            model_name='candidate',
            name='candidate_identity_idx',
        ),
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(fields=['identity_key'], name='candidate_identity_key_idx'),
        ),
    ]
