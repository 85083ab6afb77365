# Issue 17: a jury decides by the region's majority of the votes cast; rounds of votes; adjourned files.

import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("casefiles", "0010_candidate_anonymised_on"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="juryrule",
            name="majority",
            field=models.CharField(
                choices=[
                    ("absolute", "Majorité absolue (plus de la moitié des votes exprimés)"),
                    ("two_thirds", "Majorité des deux tiers des votes exprimés"),
                ],
                default="absolute",
                max_length=10,
                verbose_name="majorité requise",
            ),
        ),
        migrations.AddField(
            model_name="juryrule",
            name="president_casting_vote",
            field=models.BooleanField(
                default=True,
                help_text=(
                    "En cas d'égalité exacte entre deux choix seulement, le choix de la présidence l'emporte."
                ),
                verbose_name="voix prépondérante de la présidence",
            ),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="adjourned_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="ajourné le"),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="adjourned_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="ajourné par",
            ),
        ),
        migrations.AddField(
            model_name="agendaitem",
            name="adjournment_reason",
            field=models.CharField(blank=True, max_length=1000, verbose_name="motif de l'ajournement"),
        ),
        migrations.AddConstraint(
            model_name="agendaitem",
            constraint=models.CheckConstraint(
                condition=models.Q(("adjourned_at", None), ("decision", ""), _connector="OR"),
                name="agenda_decided_or_adjourned",
            ),
        ),
        migrations.AddField(
            model_name="vote",
            name="round",
            field=models.PositiveSmallIntegerField(
                default=1, validators=[django.core.validators.MinValueValidator(1)], verbose_name="tour"
            ),
        ),
        migrations.AlterModelOptions(name="vote", options={"ordering": ["round", "id"]}),
        migrations.RemoveConstraint(model_name="vote", name="vote_once_per_member"),
        migrations.AddConstraint(
            model_name="vote",
            constraint=models.UniqueConstraint(
                fields=("item", "round", "member"), name="vote_once_per_member_and_round"
            ),
        ),
    ]
