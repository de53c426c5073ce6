"""An as-of delivery into the warehouse through the same boundary as a month: the same contracts,
readers, personal-data protection and row rules (defs/ingest/boundary.py), into daily.<extract>,
kept by as-of day. raw.* and every monthly table stay as they are.

daily.<extract>            the valid rows of each as-of day: as_of_date, source_file, source_row and
                           the contract's columns (personal data already hashed or dropped)
monitoring.daily_ingest_log  per day and extract: rows read (counted from the file), loaded and
                           quarantined, with the reasons
Rerunning a day deletes that day and inserts it again, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pyarrow as pa

from dagster_project import settings
from dagster_project.defs.ingest.boundary import ingest
from dagster_project.defs.ingest.readers import find_file
from dagster_project.defs.ingest.store import raw_columns
from dagster_project.defs.monitoring.days import DAILY_EXTRACTS, as_of_moment, extract_month
from dagster_project.reference import organisations
from schemas.raw import CONTRACTS, ExtractContract, ValidationContext

# A row whose latest event is at or after the as-of moment cannot be in an extract taken then.
AFTER_AS_OF = "timestamp_after_as_of"

INGEST_LOG_DDL = """
create table if not exists monitoring.daily_ingest_log (
    as_of_date date not null,
    extract varchar not null,
    source_file varchar not null,
    rows_read bigint not null,
    rows_loaded bigint not null,
    rows_quarantined bigint not null,
    quarantine_reasons varchar,
    primary key (as_of_date, extract)
)"""


class DailyRowsLost(RuntimeError):
    """Rows read from a file that are neither loaded nor quarantined."""


def daily_columns(contract: ExtractContract) -> list[tuple[str, str, str]]:
    """daily.<extract>: the raw table's columns with the as-of day in place of the month."""
    return [("as_of_date", "DATE NOT NULL", "截至日期（当日零时的状态）"), *raw_columns(contract)[1:]]


def ensure_daily_table(con: duckdb.DuckDBPyConnection, contract: ExtractContract) -> None:
    for schema in ("daily", "monitoring"):
        con.execute(f"create schema if not exists {schema}")
    con.execute(INGEST_LOG_DDL)
    cols = daily_columns(contract)
    con.execute(
        f"create table if not exists daily.{contract.name} ("
        + ", ".join(f"{name} {sql_type}" for name, sql_type, _ in cols)
        + ")"
    )
    con.execute(f"comment on table daily.{contract.name} is '{contract.label}（截至日期的本月抽取，有效行）'")
    for name, _, label in cols:
        con.execute(f"comment on column daily.{contract.name}.{name} is '{label}'")


def matter_codes(con: duckdb.DuckDBPyConnection, day: dt.date) -> frozenset[str]:
    return frozenset(
        r[0]
        for r in con.execute(
            "select matter_code from daily.matters where as_of_date = $d", {"d": day}
        ).fetchall()
    )


def ingest_day(
    con: duckdb.DuckDBPyConnection,
    contract: ExtractContract,
    day: dt.date,
    folder: Path,
    raw_root: Path,
    salt: str,
) -> dict[str, int | str]:
    """Reads the extract of `folder` (raw/daily/<day>/) and replaces the day in daily.<extract>;
    returns the counts logged. A file problem raises FileProblem naming the file."""
    path = find_file(folder, contract)
    orgs = organisations()
    ctx = ValidationContext(
        month=extract_month(day),
        known_org_codes=orgs.codes,
        known_org_names=orgs.names,
        known_matter_codes=matter_codes(con, day) if contract.needs_matter_catalogue else None,
    )
    source_file = str(path.relative_to(raw_root)) if path.is_relative_to(raw_root) else str(path)
    ensure_daily_table(con, contract)
    columns = [name for name, _, _ in daily_columns(contract)][1:]
    reasons: dict[str, int] = {}
    read = loaded = quarantined = 0
    con.execute("begin transaction")
    try:
        con.execute(f"delete from daily.{contract.name} where as_of_date = $d", {"d": day})
        for batch in ingest(path, contract, ctx, salt, settings.memory_budget_bytes()):
            read += batch.rows_read
            quarantined += batch.quarantined.height
            for reason, n in batch.reasons.items():
                reasons[reason] = reasons.get(reason, 0) + n
            rows = batch.loaded
            if contract.month_of_row is not None:
                late = rows.select(contract.month_of_row() >= as_of_moment(day)).to_series().fill_null(False)
                if late.any():
                    reasons[AFTER_AS_OF] = reasons.get(AFTER_AS_OF, 0) + int(late.sum())
                    quarantined += int(late.sum())
                    rows = rows.filter(~late)
            loaded += rows.height
            table = rows.select([c for c in columns if c in rows.columns]).to_arrow()
            con.register("incoming", pa.Table.from_batches(table.to_batches(), table.schema))
            con.execute(
                f"insert into daily.{contract.name} by name "
                "select $d as as_of_date, $f as source_file, * from incoming",
                {"d": day, "f": source_file},
            )
            con.unregister("incoming")
        if read != loaded + quarantined:
            raise DailyRowsLost(
                f"{source_file}: {read} rows read, {loaded} loaded + {quarantined} quarantined; "
                "rows were lost on the way: report it, with the file"
            )
        con.execute(
            "insert or replace into monitoring.daily_ingest_log values ($d, $e, $f, $r, $l, $q, $why)",
            {
                "d": day, "e": contract.name, "f": source_file, "r": read, "l": loaded, "q": quarantined,
                "why": json.dumps(dict(sorted(reasons.items())), ensure_ascii=False) if reasons else None,
            },
        )  # fmt: skip
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return {
        "source_file": source_file,
        "rows_read": read,
        "rows_loaded": loaded,
        "rows_quarantined": quarantined,
    }


def daily_contracts() -> list[ExtractContract]:
    return [CONTRACTS[name] for name in DAILY_EXTRACTS]
