"""Assessment results: one row completes one file's waiting positioning, training-plan (`plans`) or
final-evaluation task, exactly as the form does (the same services, the same rules, the same flow
transitions). An import of a migration batch takes files in progress over from the old system: each row is
written at its own historical date (`takeover`)."""

from __future__ import annotations

from .checker import ResultsChecker
from .contract import ResultsContract, criterion_codes, subdomain_codes

__all__ = ["ResultsChecker", "ResultsContract", "criterion_codes", "subdomain_codes"]
