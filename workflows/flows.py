"""Viewflow finds flows (and creates their permissions) through this module."""

from workflows.approval.flow import AccreditationApprovalFlow
from workflows.pathway.flow import CandidatePathwayFlow

__all__ = ["AccreditationApprovalFlow", "CandidatePathwayFlow"]
