"""The daily monitoring as Dagster assets, partitioned by as-of day (defs/monitoring/days.py), apart
from the monthly ones: daily/<extract> for each as-of extract, then monitoring/case_warnings and
monitoring/rating_warnings. Their job, `daily_monitoring`, runs in the same transaction as a month
(a copy of the warehouse, swapped in when every step passed) and writes no monthly table; its
schedule is off until switched on in the UI."""

import dagster as dg

from dagster_project import settings
from dagster_project.defs.ingest.readers import FileProblem
from dagster_project.defs.monitoring.days import (
    DAILY_JOB,
    daily,
    day_folder,
    extract_month,
    parse_as_of,
    register_days,
)
from dagster_project.defs.monitoring.ingest import daily_contracts, ingest_day
from dagster_project.defs.monitoring.ledger import monitor_day
from dagster_project.defs.resources import RawStoreResource, WarehouseResource
from dagster_project.defs.transform.assets import DAILY_MODELS, build_in_process, dbt_environment
from dagster_project.reference import CalendarNotCovered, check_calendar_covers
from schemas.profile import load_profile
from schemas.raw import ExtractContract

# The views the ledgers read and what they are built from (the workday calendar and its seeds).
MONITORING_VIEWS = ["build", "--select", f"+{DAILY_MODELS}", "--exclude", "test_type:unit"]


def daily_settings(key: list[str]) -> dict:
    """An asset of one as-of day, in the group of its schema; a backfill of days is one run, in day
    order (a ledger merges the days one after the other)."""
    return dict(
        key=key, group_name=key[0], partitions_def=daily, backfill_policy=dg.BackfillPolicy.single_run()
    )


def daily_extract_asset(contract: ExtractContract) -> dg.AssetsDefinition:
    deps = [dg.AssetKey(["daily", "matters"])] if contract.needs_matter_catalogue else []

    @dg.asset(
        **daily_settings(["daily", contract.name]),
        deps=deps,
        kinds={"duckdb", "pandera"},
        description=f"{contract.label}, as of the day (month to date), through the raw contract; "
        "rows read = loaded + quarantined, or the step fails.",
    )
    def daily_extract(
        context: dg.AssetExecutionContext, warehouse: WarehouseResource, raw_store: RawStoreResource
    ):
        per_day = {}
        for key in sorted(context.partition_keys):
            day = parse_as_of(key)
            try:
                check_calendar_covers(extract_month(day), day)
                with warehouse.writer() as con:
                    counts = ingest_day(
                        con,
                        contract,
                        day,
                        day_folder(raw_store.folder, day),
                        raw_store.folder,
                        warehouse.salt(),
                    )
            except (FileProblem, CalendarNotCovered) as e:
                raise dg.Failure(description=f"{contract.name} as of {key}: {e}") from e
            context.log.info(
                f"{contract.name} as of {key}: {counts['rows_read']} read, {counts['rows_loaded']} loaded, "
                f"{counts['rows_quarantined']} quarantined"
            )
            per_day[key] = counts
        return dg.MaterializeResult(metadata={"days": dg.MetadataValue.json(per_day)})

    return daily_extract


daily_extracts = [daily_extract_asset(c) for c in daily_contracts()]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["monitoring", name],
            group_name="monitoring",
            deps=[dg.AssetKey(["daily", "cases"]), dg.AssetKey(["daily", "evaluations"])],
            kinds={"duckdb", "dbt"},
            description=about,
        )
        for name, about in (
            (
                "case_warnings",
                "预警台账: one row per open case and warning level (红/黄/提示), by fingerprint",
            ),
            ("rating_warnings", "差评台账: one row per bad rating: due date, 回访, overdue, closed"),
        )
    ],
    partitions_def=daily,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def warning_ledgers(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Builds the deadline views (dbt), merges each as-of day into the ledgers in day order, then
    prepares the published copy."""
    levels = monitoring_levels()
    failed = [
        f"{unique_id.split('.')[-1]}: {result.message or result.status}"
        for unique_id, result in build_monitoring_views(warehouse)
        if str(result.status) in ("error", "fail")
    ]
    if failed:
        raise dg.Failure(description="dbt: " + "; ".join(failed[:5]))
    summaries = {}
    for key in sorted(context.partition_keys):
        with warehouse.writer() as con:
            summaries[key] = monitor_day(con, parse_as_of(key), levels)
        context.log.info(f"as of {key}: " + ", ".join(f"{k} {v}" for k, v in summaries[key].items()))
    # Analysts read the ledgers in the published copy the same morning, not after the next month: the
    # run's warehouse is copied for them and swapped in with it when the run commits.
    target, how, _ = warehouse.prepare_publication()
    context.log.info(f"publication prepared for {target} ({how})")
    for name in ("case_warnings", "rating_warnings"):
        yield dg.MaterializeResult(
            asset_key=["monitoring", name], metadata={"days": dg.MetadataValue.json(summaries)}
        )


def monitoring_levels():
    profile = load_profile(settings.profile())
    if profile.monitoring is None:
        raise dg.Failure(
            description=f"{profile.folder / 'profile.yaml'}: no `monitoring:` block, so no warning "
            "thresholds: add one (docs/monitoring.md)"
        )
    return profile.monitoring


def build_monitoring_views(warehouse: WarehouseResource):
    from dagster_project.defs.resources import writer_lock

    with writer_lock(warehouse.working_file, warehouse.lock_timeout_s), dbt_environment(warehouse.file):
        return build_in_process("monitoring", MONITORING_VIEWS, warehouse.file)


daily_monitoring_job = dg.define_asset_job(
    DAILY_JOB,
    selection=dg.AssetSelection.groups("daily", "monitoring"),
    partitions_def=daily,
    description="One as-of day: its extracts, then the warning ledgers (docs/monitoring.md).",
)

# The hour is the default profile's: a schedule is defined when the definitions load.
_DEFAULT_LEVELS = load_profile(settings.DEFAULT_PROFILE).monitoring
RUNS_AT_HOUR = _DEFAULT_LEVELS.runs_at_hour if _DEFAULT_LEVELS else 7


@dg.schedule(
    job=daily_monitoring_job,
    cron_schedule=f"0 {RUNS_AT_HOUR} * * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Monitors the day's as-of extract (raw/daily/<today>/) each morning; a day not "
    "delivered fails its run, naming the folder.",
)
def monitoring_each_morning(context: dg.ScheduleEvaluationContext):
    key = f"{context.scheduled_execution_time.date():%Y-%m-%d}"
    register_days(context.instance, [key])
    return dg.RunRequest(run_key=key, partition_key=key)
