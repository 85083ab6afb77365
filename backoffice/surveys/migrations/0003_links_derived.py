"""The survey links derived, never stored (`backoffice.surveys.tokens`): each invitation gets its nonce and
its permanent opt-out link; the outbox rows of the survey emails lose their links (they keep the invitation
and the email's number, the links are computed when delivered). An email not delivered yet gets the derived
answer link (its stored one is dropped); an email already delivered keeps its link working until the next
reminder, and its opt-out link as long as that link is the latest answer link."""

import re
import secrets

from django.db import migrations, models

import backoffice.surveys.models

KEY = re.compile(r"^survey-(?:invitation-(?P<pk>\d+)|reminder-(?P<rpk>\d+)-(?P<n>\d+)):")


def derive_links(apps, schema_editor):
    from backoffice.surveys.tokens import answer_token, hash_token, opt_out_token

    Invitation = apps.get_model("surveys", "Invitation")
    Notification = apps.get_model("notifications", "Notification")
    pending: set[tuple[int, int]] = set()
    for note in Notification.objects.filter(template="survey_invitation"):
        found = KEY.match(note.key)
        if found is None:
            continue
        pk, number = int(found["pk"] or found["rpk"]), int(found["n"] or 0)
        context = {k: v for k, v in note.context.items() if k not in ("answer_url", "opt_out_url")}
        note.context = {**context, "survey_invitation": pk, "reminder": number}
        note.save(update_fields=["context"])
        if note.status == "pending":
            pending.add((pk, number))
    for invitation in Invitation.objects.all():
        invitation.nonce = secrets.token_urlsafe(24)
        fields = ["nonce"]
        if invitation.token_hash:
            invitation.opt_out_hash = hash_token(opt_out_token(invitation.pk, invitation.nonce))
            fields.append("opt_out_hash")
            if (invitation.pk, invitation.reminders) in pending:
                token = answer_token(invitation.pk, invitation.reminders, invitation.nonce)
                invitation.token_hash = hash_token(token)
                fields.append("token_hash")
        invitation.save(update_fields=fields)


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_outbox"),
        ("surveys", "0002_answer_month"),
    ]

    operations = [
        migrations.AddField(
            model_name="invitation",
            name="nonce",
            field=models.CharField(
                default=backoffice.surveys.models.new_nonce, editable=False, max_length=40
            ),
        ),
        migrations.AddField(
            model_name="invitation",
            name="opt_out_hash",
            field=models.CharField(blank=True, db_index=True, max_length=64),
        ),
        migrations.RunPython(derive_links, migrations.RunPython.noop, elidable=True),
    ]
