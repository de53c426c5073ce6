"""One partitioned asset per raw extract, derived from the contracts; thin over boundary and store."""

import datetime as dt

import dagster as dg
import duckdb

from dagster_project import settings
from dagster_project.defs.ingest.boundary import ingest_file
from dagster_project.defs.ingest.readers import FileProblem, find_file
from dagster_project.defs.ingest.store import reconcile, replace_month
from dagster_project.defs.partitions import monthly, partition_month
from dagster_project.defs.resources import RawStoreResource, WarehouseResource
from dagster_project.reference import CalendarNotCovered, check_calendar_covers, organisations
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


def ingest_asset(contract: ExtractContract) -> dg.AssetsDefinition:
    key = dg.AssetKey(["raw", contract.name])
    deps = [dg.AssetKey(["raw", "matters"])] if contract.needs_matter_catalogue else []

    @dg.asset(
        key=key,
        partitions_def=monthly,
        group_name="raw",
        deps=deps,
        kinds={"duckdb", "pandera"},
        description=f"{contract.description}. Invalid rows go to quarantine.{contract.name} with a reason.",
        check_specs=[
            dg.AssetCheckSpec(
                RECONCILE_CHECK, asset=key, description="rows read = rows loaded + rows quarantined"
            )
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_store: RawStoreResource):
        month = partition_month(context.partition_key)
        try:
            if contract.needs_matter_catalogue:
                check_calendar_covers(month, monthly_last_day(month))
            path = find_file(raw_store.month_dir(month), contract)
            with warehouse.writer() as con:
                ctx = validation_context(con, contract, month)
            ingested = ingest_file(path, contract, ctx, settings.salt())
        except (FileProblem, CalendarNotCovered) as e:
            raise dg.Failure(description=f"{contract.name} {month:%Y-%m}: {e}") from e
        source_file = str(path.relative_to(raw_store.folder))
        with warehouse.writer() as con:
            replace_month(con, month, ingested, source_file)
            counts = reconcile(con, month, contract)
        context.log.info(
            f"{contract.name} {month:%Y-%m}: {ingested.rows_read} read, {ingested.loaded.height} loaded, "
            f"{ingested.quarantined.height} quarantined"
        )
        balanced = counts["rows_read"] == counts["rows_loaded"] + counts["rows_quarantined"]
        keys = ingested.key_status_counts
        return dg.MaterializeResult(
            metadata={
                "source_file": source_file,
                "encoding": ingested.encoding,
                "rows_read": ingested.rows_read,
                "rows_loaded": ingested.loaded.height,
                "rows_quarantined": ingested.quarantined.height,
                "quarantine_reasons": dg.MetadataValue.json(ingested.reasons),
                "unknown_columns": ", ".join(ingested.unknown_columns) or "none",
                "id_numbers_mangled": keys.get("mangled", 0),
                "id_numbers_invalid": keys.get("invalid", 0),
            },
            check_results=[dg.AssetCheckResult(check_name=RECONCILE_CHECK, passed=balanced, metadata=counts)],
        )

    return _ingest


def monthly_last_day(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


ingest_assets = [ingest_asset(c) for c in CONTRACTS.values()]
