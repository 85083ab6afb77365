"""Nothing left to put the answers back in the invitations' order (review of the survey feature):

- the answer's key becomes a random UUID (the sequential id gave the order the answers came in, and the
  invitations answered on a day with one answer matched it); the rows are given their UUID in a random
  order, which rewrites them (on PostgreSQL, each row's transaction id is then this migration's, no longer
  the one that also marked its invitation answered);
- the invitation keeps whether it was answered, no longer the day.

The « survey.answered » events already written stay (the trail is append-only); without an order of the
answers they no longer point to one. Reversible: going back, the answers get new sequential ids (in no
meaningful order) and the invitations answered get their sending day as « answered on »."""

import random
import uuid

from django.db import migrations, models


def give_random_keys(apps, schema_editor):
    Answer = apps.get_model("surveys", "Answer")
    pks = list(Answer.objects.values_list("pk", flat=True))
    random.SystemRandom().shuffle(pks)
    for pk in pks:
        Answer.objects.filter(pk=pk).update(uuid=uuid.uuid4())


def keep_only_answered(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    for pk in Invitation.objects.filter(answered_at__isnull=False).values_list("pk", flat=True):
        Invitation.objects.filter(pk=pk).update(answered=True)


def date_answered(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    for invitation in Invitation.objects.filter(answered=True):
        invitation.answered_at = invitation.sent_at or invitation.created_at
        invitation.save(update_fields=["answered_at"])


class Migration(migrations.Migration):
    dependencies = [("surveys", "0003_links_derived")]

    operations = [
        migrations.AddField(
            model_name="answer", name="uuid", field=models.UUIDField(null=True, editable=False)
        ),
        migrations.RunPython(give_random_keys, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="answer", name="uuid", field=models.UUIDField(default=uuid.uuid4, editable=False)
        ),
        migrations.RemoveField(model_name="answer", name="id"),
        migrations.AlterField(
            model_name="answer",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
        ),
        migrations.RenameField(model_name="answer", old_name="uuid", new_name="id"),
        migrations.AddField(
            model_name="invitation",
            name="answered",
            field=models.BooleanField(default=False, verbose_name="a répondu"),
        ),
        migrations.RunPython(keep_only_answered, date_answered),
        migrations.RemoveField(model_name="invitation", name="answered_at"),
    ]
