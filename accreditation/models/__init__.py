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
    "AccreditationRole",
    "AccreditationStatus",
    "Certification",
    "Criterion",
    "Department",
    "Domain",
    "FrameworkStatus",
    "FrameworkVersion",
    "Organisation",
    "Region",
    "Site",
    "SubDomain",
    "UserScope",
]
