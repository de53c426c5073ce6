"""What the privacy tests look for: the personal data of the raw files."""

from pathlib import Path


def personal_values(raw: Path, months) -> set[str]:
    """Every name, ID number and phone number in the raw files of those months."""
    from dagster_project.defs.ingest.readers import find_file, read_file
    from schemas.raw import CONTRACTS

    values: set[str] = set()
    for month in months:
        for contract in CONTRACTS.values():
            table = read_file(find_file(raw / month, contract)).table
            for col in contract.columns:
                if col.pii:
                    for header in col.headers:
                        if header in table.column_names:
                            values |= {v for v in table.column(header).to_pylist() if v}
    return values
