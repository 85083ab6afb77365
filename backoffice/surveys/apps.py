from __future__ import annotations

from django.apps import AppConfig


class SurveysConfig(AppConfig):
    name = "backoffice.surveys"
    label = "surveys"
    verbose_name = "Enquêtes de devenir"

    def ready(self) -> None:
        # casefiles never imports the surveys: they register their share of the personal-data rules.
        from backoffice.notifications import services as notifications
        from casefiles import subject_access
        from casefiles.services import privacy as casefiles_privacy

        from . import privacy, tokens

        if privacy.erase_invitations not in casefiles_privacy.ON_ANONYMISE:
            casefiles_privacy.ON_ANONYMISE.append(privacy.erase_invitations)
        if privacy.subject_access_section not in subject_access.EXTRA_SECTIONS:
            subject_access.EXTRA_SECTIONS.append(privacy.subject_access_section)
        # The survey emails' links are derived when they are delivered, never kept in the outbox.
        notifications.CONTEXT_BUILDERS["survey_invitation"] = tokens.email_context
