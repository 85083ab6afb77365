"""Every use case that changes organisations, accreditations, frameworks or scopes."""

from .applications import (
    attach_application_document,
    ensure_organisation_staff,
    save_content,
    save_draft,
    start_application,
    submit_application,
)
from .campaigns import add_criterion, create_campaign, move_campaign
from .frameworks import draft_framework_version_from, publish_framework_version
from .instruction import (
    add_internal_note,
    answer_information_request,
    attach_approval_process,
    check_completeness,
    escalate,
    expire_information_request,
    propose_to_board,
    record_board_decision,
    record_review,
    store_decision_letter,
)
from .organisations import (
    add_site,
    expire_accreditations,
    grant_accreditation,
    register_organisation,
    reinstate_accreditation,
    suspend_accreditation,
    update_organisation,
    update_site,
    withdraw_accreditation,
)
from .scopes import set_user_scope

__all__ = [
    "add_criterion",
    "add_internal_note",
    "add_site",
    "answer_information_request",
    "attach_application_document",
    "attach_approval_process",
    "check_completeness",
    "create_campaign",
    "draft_framework_version_from",
    "ensure_organisation_staff",
    "escalate",
    "expire_accreditations",
    "expire_information_request",
    "grant_accreditation",
    "move_campaign",
    "propose_to_board",
    "publish_framework_version",
    "record_board_decision",
    "record_review",
    "register_organisation",
    "reinstate_accreditation",
    "save_content",
    "save_draft",
    "set_user_scope",
    "start_application",
    "store_decision_letter",
    "submit_application",
    "suspend_accreditation",
    "update_organisation",
    "update_site",
    "withdraw_accreditation",
]
