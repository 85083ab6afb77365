"""The file contracts: each names its columns, checks rows and writes the valid ones."""

from __future__ import annotations

from .base import Contract
from .candidates import CandidatesContract

CONTRACTS: dict[str, Contract] = {contract.key: contract for contract in (CandidatesContract(),)}


def contract_for(key: str) -> Contract:
    return CONTRACTS[key]
