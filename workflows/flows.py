"""Viewflow finds flows (and creates their permissions) through this module."""

from .candidate_pathway import CandidatePathwayFlow

__all__ = ["CandidatePathwayFlow"]
