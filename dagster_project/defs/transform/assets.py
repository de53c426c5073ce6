"""dbt models as Dagster assets, a monthly set and an unpartitioned one; dbt tests become asset checks.

dbt runs in this process (dbtRunner), parsed once and reused for every month: a dbt process per month
would pay dbt's start, imports and parse each time. The manifest Dagster reads to define the assets is
prepared by `make setup` (dbt parse), never at import. Keys are derived, not listed:
a source is the ingestion asset it reads (raw/<extract>), a model or seed is [schema, name].
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtProject,
    dbt_assets,
)
from dagster_dbt.asset_utils import get_asset_check_key_for_test

from dagster_project import settings
from dagster_project.defs.partitions import monthly
from dagster_project.defs.resources import WarehouseResource, writer_lock

DBT_DIR = Path(__file__).resolve().parents[3] / "dbt"
# Where a run's parse and builds write (never dbt/target itself: see PROJECT_ARGS).
RUNS_TARGET = DBT_DIR / "target" / "runs"
dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


class Translator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: dict[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            # A source may name the asset that writes it: quarantine.<extract> is written by raw/<extract>.
            written_by = dbt_resource_props.get("meta", {}).get("dagster", {}).get("asset_key")
            return dg.AssetKey(written_by or [dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        return dbt_resource_props["schema"]


TRANSLATOR = Translator(
    settings=DagsterDbtTranslatorSettings(enable_asset_checks=True, enable_duplicate_source_asset_keys=True)
)


# The dbt project in two sets, as dagster-open-platform splits it. The monthly one is every relation kept by
# month (the `partition` materialization): it is built once per month of a run, with the month as a
# var. The other is what no month keys (seeds, dimensions, the calendar, the views over raw): it is
# built once per run, whatever the number of months. Selected by materialization, not by name, so a new
# monthly model joins the right set by its config alone.
MONTHLY_MODELS = "config.materialized:partition"
# The daily monitoring's views are built by its own runs (defs/monitoring/assets.py), never by a month's.
DAILY_MODELS = "fqn:ywtb.monitoring"


def dbt_build_args(month: str, selection: list[str] = ()) -> list[str]:
    """The one place the partition is handed to dbt. Unit tests check formulas, not data: `make test`
    runs them, a monthly run does not."""
    return ["build", "--vars", json.dumps({"month": month}), "--exclude", "test_type:unit", *selection]


def dbt_reference_build_args(months: list[str], selection: list[str] = ()) -> list[str]:
    """The build of the relations no month keys. Their tests of monthly data (a view over raw has a
    `month` column) read the run's months (`months`: first and last), as the monthly tests read
    theirs. A test is run only when every relation it reads is in this set (cautious): a test that
    also reads a monthly relation runs with the monthly set, after that relation is built."""
    months_var = {"months": [months[0], months[-1]]} if months else {}
    return [
        "build",
        "--vars",
        json.dumps(months_var),
        "--exclude",
        "test_type:unit",
        "--indirect-selection",
        "cautious",
        *selection,
    ]


def dbt_environment(warehouse_file: Path):
    """What profiles.yml reads, for the dbt invocations inside."""
    return environment(
        {
            "YWTB_DBT_WAREHOUSE": str(warehouse_file.resolve()),
            "YWTB_DUCKDB_MEMORY": settings.duckdb_memory_limit(),
        }
    )


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """These environment variables inside; restored after, so that the locations the pipeline was
    given stay as they were."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@dbt_assets(
    manifest=dbt_project.manifest_path,
    select=MONTHLY_MODELS,
    exclude=DAILY_MODELS,
    name="warehouse_monthly_models",
    partitions_def=monthly,
    # A backfill of many months is one run: dbt builds them one after the other, in order, because a
    # month's year to date reads the months before it.
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=TRANSLATOR,
)
def warehouse_monthly_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    selection = dbt_selection(context)
    builds = [(month, dbt_build_args(month, selection)) for month in sorted(context.partition_keys)]
    yield from run_dbt(context, warehouse, builds)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    exclude=f"{MONTHLY_MODELS} {DAILY_MODELS}",
    name="warehouse_reference_models",
    dagster_dbt_translator=TRANSLATOR,
)
def warehouse_reference_models(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    months = run_months(context.run.tags)
    label = "..".join(dict.fromkeys(months)) or "without a month"
    yield from run_dbt(
        context, warehouse, [(label, dbt_reference_build_args(months, dbt_selection(context)))]
    )


def run_months(tags: dict[str, str]) -> list[str]:
    """The months of the run an unpartitioned step runs in (none outside a monthly run)."""
    if "dagster/partition" in tags:
        return [tags["dagster/partition"]]
    start, end = (
        tags.get("dagster/asset_partition_range_start"),
        tags.get("dagster/asset_partition_range_end"),
    )
    return [start, end] if start and end else []


def run_dbt(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, builds: list[tuple[str, list[str]]]
):
    """The builds in order, in this process; then one materialization per model and one check result
    per test for the run."""
    outcomes: dict[str, list[tuple[str, Any]]] = {}
    # dbt opens the file itself (the run's copy, see profiles.yml): hold the writers' lock for the
    # whole invocation.
    with (
        writer_lock(warehouse.working_file, warehouse.lock_timeout_s),
        dbt_environment(warehouse.file),
    ):
        for label, args in builds:
            context.log.info(f"dbt build {label}")
            for unique_id, result in build_in_process(label, args, warehouse.file):
                outcomes.setdefault(unique_id, []).append((label, result))
    yield from dagster_events(context, outcomes)
    failed = [
        f"{unique_id.split('.')[-1]} ({month}): {result.message or result.status}"
        for unique_id, results in outcomes.items()
        for month, result in results
        if str(result.status) in ("error", "fail")
    ]
    if failed:
        raise dg.Failure(description="dbt: " + "; ".join(failed[:5]) + (" …" if len(failed) > 5 else ""))


@cache
def manifest_json() -> dict[str, Any]:
    return json.loads(dbt_project.manifest_path.read_text(encoding="utf-8"))


@cache
def parsed_manifest(warehouse_name: str, profile: str):
    """dbt parses the project once per process, warehouse file name and jurisdiction profile; every
    month's build reuses it (the month is a var, read when a model runs, not when it is parsed). The
    name matters: dbt-duckdb names the database after the file, and the parse writes that name into
    every relation. The profile too: the parse fixes which profile's seeds `dbt seed` loads."""
    from dbt.cli.main import dbtRunner

    # dbt reparses the whole project when the profile's values differ from the last parse's, and
    # the run's copy lies in a folder of each warehouse's own. The parse never opens the file: it
    # is shown a path that depends on the file's name alone (the name the relations carry), so its
    # saved state serves every warehouse of that name; the builds connect to the real file.
    parse_profile = {
        "YWTB_DBT_WAREHOUSE": str(RUNS_TARGET / "parse" / warehouse_name),
        "YWTB_DUCKDB_MEMORY": "1GB",
    }
    with environment(parse_profile):
        result = dbtRunner().invoke(["parse", "--quiet", *PROJECT_ARGS])
    if not result.success:
        raise RuntimeError(f"dbt parse failed: {result.exception}")
    return result.result


# The run's log is a file: no colour codes in it. A run's parse and builds write their artifacts to a
# folder of their own: the manifest the definitions are built from (dbt/target, `make setup`) is never
# rewritten by a run, whatever that run's parse found.
PROJECT_ARGS = [
    "--project-dir",
    str(DBT_DIR),
    "--profiles-dir",
    str(DBT_DIR),
    "--target-path",
    str(RUNS_TARGET),
    "--no-use-colors",
]


def build_in_process(label: str, args: list[str], warehouse_file: Path) -> list[tuple[str, Any]]:
    """One `dbt build` in this process: (unique_id, result) for every node it ran."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    try:
        result = dbtRunner(manifest=parsed_manifest(warehouse_file.name, settings.profile())).invoke(
            [*args, *PROJECT_ARGS, "--no-write-json"]
        )
    finally:
        # dbt-duckdb keeps its database open between invocations: close it, so that this process's
        # own connections (and the run's commit, which renames the file) find it closed.
        with DuckDBConnectionManager._LOCK:
            if DuckDBConnectionManager._ENV is not None:
                DuckDBConnectionManager._ENV.close()
                DuckDBConnectionManager._ENV = None
    if result.result is None:
        raise dg.Failure(description=f"dbt build {label} did not run: {result.exception}")
    return [(r.node.unique_id, r) for r in result.result.results]


def dbt_selection(context: dg.AssetExecutionContext) -> list[str]:
    """`--select` of the step's models and seeds by name: its set, or the subset a person chose in the
    UI. dbt adds their tests."""
    keys = set(context.selected_asset_keys)
    names = [
        props["name"]
        for props in manifest_json()["nodes"].values()
        if props["resource_type"] in ("model", "seed") and TRANSLATOR.get_asset_key(props) in keys
    ]
    return ["--select", *names]


def dagster_events(context: dg.AssetExecutionContext, outcomes: dict[str, list[tuple[str, Any]]]):
    """One materialization per model and one evaluation per test for the run, whatever the months it
    covered: each carries its months' outcomes in its metadata, and a check passes only if it passed
    in every month."""
    manifest = manifest_json()
    selected_checks = set(context.selected_asset_check_keys)
    for unique_id, results in outcomes.items():
        props = manifest["nodes"].get(unique_id)
        if props is None:
            continue
        per_month = {month: str(r.status) for month, r in results}
        if props["resource_type"] in ("model", "seed"):
            if all(str(r.status) == "success" for _, r in results):
                yield dg.MaterializeResult(
                    asset_key=TRANSLATOR.get_asset_key(props),
                    metadata={
                        "months": dg.MetadataValue.json(per_month),
                        "seconds": round(sum(r.execution_time for _, r in results), 2),
                    },
                )
        elif props["resource_type"] == "test":
            key = get_asset_check_key_for_test(manifest, TRANSLATOR, unique_id, dbt_project)
            if key is None or key not in selected_checks:
                continue
            statuses = [str(r.status) for _, r in results]
            severity = str(props.get("config", {}).get("severity", "error")).lower()
            yield dg.AssetCheckResult(
                asset_key=key.asset_key,
                check_name=key.name,
                passed=all(s == "pass" for s in statuses),
                severity=dg.AssetCheckSeverity.WARN if severity == "warn" else dg.AssetCheckSeverity.ERROR,
                metadata={
                    "months": dg.MetadataValue.json(per_month),
                    "failures": sum(r.failures or 0 for _, r in results),
                },
            )
