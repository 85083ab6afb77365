"""The file contracts: each names its columns, checks rows and writes the valid ones."""

from __future__ import annotations

from .base import Contract
from .candidates import CandidatesContract
from .jury_members import JuryMembersContract
from .organisations import OrganisationsContract
from .results import ResultsContract

CONTRACTS: dict[str, Contract] = {
    contract.key: contract
    for contract in (CandidatesContract(), ResultsContract(), OrganisationsContract(), JuryMembersContract())
}


def contract_for(key: str) -> Contract:
    return CONTRACTS[key]
