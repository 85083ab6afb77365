from .applications import (
    MANDATORY_DOCUMENTS,
    AccreditationApplication,
    ApplicationDocument,
    ApplicationDocumentCategory,
    ApplicationNote,
    ApplicationStatus,
    ReviewScore,
    ScopeDecision,
)
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
    "MANDATORY_DOCUMENTS",
    "Accreditation",
    "AccreditationApplication",
    "AccreditationCampaign",
    "AccreditationRole",
    "AccreditationStatus",
    "ApplicationDocument",
    "ApplicationDocumentCategory",
    "ApplicationNote",
    "ApplicationStatus",
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
    "ReviewScore",
    "ScopeDecision",
    "Site",
    "SubDomain",
    "UserScope",
]
