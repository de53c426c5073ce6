"""Shared by the tests: the personal data of raw files, and checksums of warehouse tables."""

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


def table_checksums(
    path: Path, schemas=("raw", "quarantine", "marts", "indicators", "scorecard", "completeness")
) -> dict[str, str]:
    """Row count and a hash of the sorted rows of every table and view in those schemas."""
    import duckdb

    with duckdb.connect(path, read_only=True) as con:
        tables = con.sql(
            "select table_schema || '.' || table_name from information_schema.tables "
            f"where table_type in ('BASE TABLE', 'VIEW') and table_schema in ({', '.join(repr(s) for s in schemas)})"
        ).fetchall()
        return {
            t: con.execute(
                f"select count(*) || ':' || md5(coalesce(string_agg(x::varchar, '|' order by x::varchar), '')) from {t} x"
            ).fetchall()[0][0]
            for (t,) in tables
        }
