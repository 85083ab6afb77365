"""The file contracts: each names its columns, checks rows and writes the valid ones."""

from __future__ import annotations

from .accreditations import AccreditationsContract
from .base import Contract
from .candidates import CandidatesContract
from .historical_certificates import HistoricalCertificatesContract
from .jury_members import JuryMembersContract
from .organisations import OrganisationsContract
from .results import ResultsContract

CONTRACTS: dict[str, Contract] = {
    contract.key: contract
    for contract in (
        CandidatesContract(),
        ResultsContract(),
        OrganisationsContract(),
        JuryMembersContract(),
        AccreditationsContract(),
        HistoricalCertificatesContract(),
    )
}


def contract_for(key: str) -> Contract:
    return CONTRACTS[key]
