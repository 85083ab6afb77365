"""Every use case that changes a case file: atomic, checked, audited."""

from .assessments import record_final_evaluation, record_positioning
from .lifecycle import abandon_case_file, expire_case_file, expire_case_files, transfer_case_file
from .opening import attach_process, open_case_file
from .plans import record_training_plan
from .undo import undo_step

__all__ = [
    "abandon_case_file",
    "attach_process",
    "expire_case_file",
    "expire_case_files",
    "open_case_file",
    "record_final_evaluation",
    "record_positioning",
    "record_training_plan",
    "transfer_case_file",
    "undo_step",
]
