"""Raw contracts, one module per platform extract. CONTRACTS is the registry the pipeline derives from.

The order is the order of ingestion: the matter catalogue comes first because cases are checked
against it.
"""

from schemas.raw import (
    assessed_inputs,
    cases,
    certificates,
    evaluations,
    matters,
    project_cases,
    projects,
    spot_checks,
)
from schemas.raw._contract import Column, ExtractContract, ValidationContext

CONTRACTS: dict[str, ExtractContract] = {
    m.CONTRACT.name: m.CONTRACT
    for m in (
        matters,
        cases,
        evaluations,
        certificates,
        projects,
        project_cases,
        spot_checks,
        assessed_inputs,
    )
}

__all__ = ["CONTRACTS", "Column", "ExtractContract", "ValidationContext"]
