"""Viewflow finds flows (and creates their permissions) through this module."""

from .accreditation_approval import AccreditationApprovalFlow
from .candidate_pathway import CandidatePathwayFlow

__all__ = ["AccreditationApprovalFlow", "CandidatePathwayFlow"]
