"""Every use case that changes a case file: atomic, checked, audited."""

from .assessments import record_final_evaluation, record_positioning
from .documents import attach_document, remove_document
from .jury import answer_jury_return, return_case_file_from_jury
from .lifecycle import abandon_case_file, expire_case_file, expire_case_files, transfer_case_file
from .opening import attach_process, open_case_file
from .plans import record_training_plan
from .undo import undo_step

__all__ = [
    "abandon_case_file",
    "answer_jury_return",
    "attach_document",
    "attach_process",
    "expire_case_file",
    "expire_case_files",
    "open_case_file",
    "record_final_evaluation",
    "record_positioning",
    "record_training_plan",
    "remove_document",
    "return_case_file_from_jury",
    "transfer_case_file",
    "undo_step",
]
