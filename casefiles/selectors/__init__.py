"""Read queries of the case-file domain, scoped to the user where they serve a page: the case files, juries,
certificates and candidates modules; everything is importable from `casefiles.selectors`."""

from .candidates import *  # noqa: F403
from .certificates import *  # noqa: F403
from .files import *  # noqa: F403
from .holders import *  # noqa: F403
from .juries import *  # noqa: F403
from .transmissions import *  # noqa: F403
