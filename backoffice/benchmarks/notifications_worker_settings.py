"""Settings of the worker that `bench_notifications` starts: the project's, plus the benchmark's bare actor.

`manage.py rundramatiq` imports only the modules `DRAMATIQ_AUTODISCOVER_MODULES` names (it has no option to
add one): here it also finds `backoffice.benchmarks.notifications_measures`, whose `bench_noop` actor no
production worker ever registers.
"""

from backoffice.settings import *  # noqa: F403
from backoffice.settings import DRAMATIQ_AUTODISCOVER_MODULES as _PROJECT_MODULES

DRAMATIQ_AUTODISCOVER_MODULES = [*_PROJECT_MODULES, "benchmarks.notifications_measures"]
