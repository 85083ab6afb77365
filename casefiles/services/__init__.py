"""Every use case that changes a case file: atomic, checked, audited."""

from .assessments import record_final_evaluation, record_positioning
from .certificates import (
    advance_counters,
    apply_session_outcomes,
    issue_certificate,
    issue_certificates,
    mark_exported,
    reinstate_certificate,
    reissue_certificate,
    render_certificate_pdf,
    revoke_certificate,
    send_holder_link,
)
from .decisions import (
    adjourn_item,
    attach_minutes,
    award_recommended,
    close_session,
    decide,
    declare_interest,
    open_session,
    store_minutes,
)
from .documents import attach_document, remove_document
from .jury import answer_jury_return, return_case_file_from_jury
from .legacy import take_over_certificates
from .lifecycle import abandon_case_file, expire_case_file, expire_case_files, transfer_case_file
from .opening import attach_process, open_case_file
from .plans import record_training_plan
from .privacy import (
    anonymise_candidate,
    anonymise_candidates,
    export_personal_data,
    record_consultation,
    rectify_candidate,
)
from .sessions import (
    add_to_agenda,
    build_agenda,
    check_agenda_item,
    check_agenda_items,
    plan_session,
    remove_from_agenda,
)
from .undo import undo_step

__all__ = [
    "abandon_case_file",
    "add_to_agenda",
    "adjourn_item",
    "advance_counters",
    "anonymise_candidate",
    "anonymise_candidates",
    "answer_jury_return",
    "apply_session_outcomes",
    "attach_document",
    "attach_minutes",
    "attach_process",
    "award_recommended",
    "build_agenda",
    "check_agenda_item",
    "check_agenda_items",
    "close_session",
    "decide",
    "declare_interest",
    "expire_case_file",
    "expire_case_files",
    "export_personal_data",
    "issue_certificate",
    "issue_certificates",
    "mark_exported",
    "open_case_file",
    "open_session",
    "plan_session",
    "record_consultation",
    "record_final_evaluation",
    "record_positioning",
    "record_training_plan",
    "rectify_candidate",
    "reinstate_certificate",
    "reissue_certificate",
    "remove_document",
    "remove_from_agenda",
    "render_certificate_pdf",
    "return_case_file_from_jury",
    "revoke_certificate",
    "send_holder_link",
    "store_minutes",
    "take_over_certificates",
    "transfer_case_file",
    "undo_step",
]
