"""One partitioned asset per raw extract, derived from the contracts; thin over boundary and store."""

import datetime as dt

import dagster as dg
import duckdb

from dagster_project import settings
from dagster_project.defs.ingest.boundary import ingest
from dagster_project.defs.ingest.deliveries import file_fingerprint
from dagster_project.defs.ingest.delivery_checks import delivery_problems
from dagster_project.defs.ingest.readers import FileProblem, find_file
from dagster_project.defs.ingest.store import reconcile, replace_month
from dagster_project.defs.partitions import monthly_asset, partition_month
from dagster_project.defs.resources import RawStoreResource, WarehouseResource
from dagster_project.months import add_months, last_day
from dagster_project.reference import CalendarNotCovered, check_calendar_covers, organisations
from schemas.publication import load_publication_checks
from schemas.raw import CONTRACTS, ExtractContract, ValidationContext

RECONCILE_CHECK = "rows_reconcile"


def validation_context(
    con: duckdb.DuckDBPyConnection, contract: ExtractContract, month: dt.date
) -> ValidationContext:
    orgs = organisations()
    matter_codes = None
    if contract.needs_matter_catalogue:
        matter_codes = frozenset(
            r[0]
            for r in con.execute(
                "select matter_code from raw.matters where month = $m", {"m": month}
            ).fetchall()
        )
    return ValidationContext(
        month=month, known_org_codes=orgs.codes, known_org_names=orgs.names, known_matter_codes=matter_codes
    )


def ingest_month(
    contract: ExtractContract, month: dt.date, warehouse: WarehouseResource, raw_store: RawStoreResource
):
    """Ingest one extract for one month (in batches if the file is larger than the memory budget);
    returns (what was written, the file's path, the reconciled counts)."""
    try:
        # Deadlines need working days: a month the calendar does not know fails instead of guessing.
        check_calendar_covers(month, last_day(month))
        path = find_file(raw_store.month_dir(month), contract)
        with warehouse.writer() as con:
            ctx = validation_context(con, contract, month)
        source_file = str(path.relative_to(raw_store.folder))
        batches = ingest(path, contract, ctx, warehouse.salt(), settings.memory_budget_bytes())
        with warehouse.writer() as con:
            written = replace_month(con, month, contract, batches, source_file)
            record_delivery(con, month, contract, path, source_file)
            counts = reconcile(con, month, contract)
            before = rows_read_in(con, add_months(month, -1), contract)
    except (FileProblem, CalendarNotCovered) as e:
        raise dg.Failure(description=f"{contract.name} {month:%Y-%m}: {e}") from e
    checks = load_publication_checks(settings.profile(), frozenset(CONTRACTS))
    problems = delivery_problems(
        source_file,
        counts["rows_read"],
        counts["rows_quarantined"],
        written.reasons,
        before,
        f"{add_months(month, -1):%Y-%m}",
        checks.limits(contract.name),
        checks.source,
    )
    if problems:
        # The run fails, so the month is not published (see defs/transaction.py).
        raise dg.Failure(description="; ".join(problems))
    return written, source_file, counts


DELIVERED_FILES_DDL = """
create table if not exists audit.delivered_files (
    month date not null,
    extract varchar not null,
    source_file varchar not null,
    fingerprint varchar not null,
    ingested_at timestamp not null,
    primary key (month, extract)
)"""


def record_delivery(
    con: duckdb.DuckDBPyConnection, month: dt.date, contract: ExtractContract, path, source_file: str
) -> None:
    """Which file each extract of the month was built from, so that the sensor can tell a re-delivered
    month from one already built (it reads this table in the published copy)."""
    con.execute(DELIVERED_FILES_DDL)
    con.execute(
        "comment on table audit.delivered_files is '每月各数据项所用的来源文件及其指纹（名称、大小、修改时间）'"
    )
    con.execute(
        "delete from audit.delivered_files where month = $m and extract = $e",
        {"m": month, "e": contract.name},
    )
    con.execute(
        "insert into audit.delivered_files values ($m, $e, $f, $fp, current_localtimestamp())",
        {"m": month, "e": contract.name, "f": source_file, "fp": file_fingerprint(path)},
    )


def rows_read_in(con: duckdb.DuckDBPyConnection, month: dt.date, contract: ExtractContract) -> int | None:
    """The rows read from the extract of `month`, if that month was delivered."""
    row = con.execute(
        "select rows_read from audit.ingest_log where month = $m and extract = $e",
        {"m": month, "e": contract.name},
    ).fetchone()
    return row[0] if row else None


def raw_extract_asset(contract: ExtractContract) -> dg.AssetsDefinition:
    """The asset raw.<extract>, the table of `contract` (one per contract, so no function per key)."""
    key = ["raw", contract.name]
    deps = [dg.AssetKey(["raw", "matters"])] if contract.needs_matter_catalogue else []

    @monthly_asset(
        key,
        deps=deps,
        kinds={"duckdb", "pandera"},
        description=f"{contract.description}. Invalid rows go to quarantine.{contract.name} with a reason.",
        check_specs=[
            # Blocking: a row lost between the file and the warehouse fails the step, so nothing is
            # built on the month and it is not published.
            dg.AssetCheckSpec(
                RECONCILE_CHECK,
                asset=key,
                blocking=True,
                description="rows counted in the file = rows loaded + rows quarantined",
            )
        ],
    )
    def raw_extract(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_store: RawStoreResource
    ):
        per_month, reconciled, totals = (
            {},
            {},
            dict.fromkeys(("rows_read", "rows_loaded", "rows_quarantined"), 0),
        )
        reasons: dict[str, int] = {}
        mangled = invalid = 0
        sources, encodings, unknown = [], set(), set()
        for key_ in sorted(context.partition_keys):
            month = partition_month(key_)
            written, source_file, counts = ingest_month(contract, month, warehouse, raw_store)
            context.log.info(
                f"{contract.name} {key_}: {written.rows_read} read, {written.rows_loaded} loaded, "
                f"{written.rows_quarantined} quarantined"
                + (f" in {written.batches} batches" if written.batches > 1 else "")
            )
            per_month[key_] = counts
            reconciled[key_] = counts["rows_read"] == counts["rows_loaded"] + counts["rows_quarantined"]
            totals = {k: totals[k] + counts[k] for k in totals}
            for reason, n in written.reasons.items():
                reasons[reason] = reasons.get(reason, 0) + n
            mangled += written.key_status_counts.get("mangled", 0)
            invalid += written.key_status_counts.get("invalid", 0)
            sources.append(source_file)
            encodings.add(written.encoding)
            unknown |= set(written.unknown_columns)
        return dg.MaterializeResult(
            metadata={
                "source_file": ", ".join(sources),
                "encoding": ", ".join(sorted(encodings)),
                **totals,
                "quarantine_reasons": dg.MetadataValue.json(reasons),
                "unknown_columns": ", ".join(sorted(unknown)) or "none",
                "id_numbers_mangled": mangled,
                "id_numbers_invalid": invalid,
            },
            check_results=[
                dg.AssetCheckResult(
                    check_name=RECONCILE_CHECK,
                    passed=all(reconciled.values()),
                    metadata={"per_month": dg.MetadataValue.json(per_month)},
                )
            ],
        )

    return raw_extract


raw_extracts = [raw_extract_asset(c) for c in CONTRACTS.values()]
