"""dbt models as monthly-partitioned Dagster assets; dbt tests become asset checks.

The manifest is prepared by `make setup` (dbt parse), never at import. Keys are derived, not listed:
a source is the ingestion asset it reads (raw/<extract>), a model or seed is [schema, name].
"""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    DbtProject,
    dbt_assets,
)

from dagster_project import settings
from dagster_project.defs.partitions import monthly
from dagster_project.defs.resources import WarehouseResource, writer_lock

DBT_DIR = Path(__file__).resolve().parents[3] / "dbt"
dbt_project = DbtProject(project_dir=DBT_DIR, profiles_dir=DBT_DIR)


class Translator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: dict[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: dict[str, Any]) -> str | None:
        return dbt_resource_props["schema"]


def dbt_build_args(month: str) -> list[str]:
    """The one place the partition is handed to dbt. Unit tests check formulas, not data: `make test`
    runs them, a monthly run does not."""
    return ["build", "--vars", json.dumps({"month": month}), "--exclude", "test_type:unit"]


@contextmanager
def dbt_environment(warehouse_file: Path) -> Iterator[None]:
    """What profiles.yml reads, for the dbt processes started inside; restored after, so that the
    locations the pipeline was given stay as they were."""
    values = {
        "YWTB_DBT_WAREHOUSE": str(warehouse_file.resolve()),
        "YWTB_DUCKDB_MEMORY": settings.duckdb_memory_limit(),
    }
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
    partitions_def=monthly,
    # A backfill of many months is one run: dbt builds them one after the other, in order, because a
    # month's year to date reads the months before it.
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=Translator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    # dbt opens the file itself (the run's copy, see profiles.yml): hold the writers' lock for the
    # whole invocation.
    *earlier, last = sorted(context.partition_keys)
    with (
        writer_lock(warehouse.working_file, warehouse.lock_timeout_s),
        dbt_environment(warehouse.file),
    ):
        for month in earlier:
            context.log.info(f"dbt build {month}")
            dbt.cli(dbt_build_args(month), context=context).wait()  # raises if a model or test fails
        # One set of events per run: the last month's materializations and checks stand for the range.
        yield from dbt.cli(dbt_build_args(last), context=context).stream()
