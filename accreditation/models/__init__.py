from .campaigns import AccreditationCampaign, CampaignAudience, CampaignStatus, ReviewCriterion
from .organisations import Accreditation, AccreditationRole, AccreditationStatus, Organisation, Site
from .reference import (
    Certification,
    Criterion,
    Department,
    Domain,
    FrameworkStatus,
    FrameworkVersion,
    Region,
    SubDomain,
)
from .scopes import UserScope

__all__ = [
    "Accreditation",
    "AccreditationCampaign",
    "AccreditationRole",
    "AccreditationStatus",
    "CampaignAudience",
    "CampaignStatus",
    "Certification",
    "Criterion",
    "Department",
    "Domain",
    "FrameworkStatus",
    "FrameworkVersion",
    "Organisation",
    "Region",
    "ReviewCriterion",
    "Site",
    "SubDomain",
    "UserScope",
]
