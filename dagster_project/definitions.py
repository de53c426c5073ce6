"""The Dagster definitions `make dev` shows and `ywtb run` executes: loads defs/, adds global settings."""

import dagster as dg

from dagster_project.defs.ingest.assets import ingest_assets
from dagster_project.defs.ingest.sensors import monthly_sensor
from dagster_project.defs.publish.completeness import feedback_forms
from dagster_project.defs.publish.four_indicators import four_indicator_files, target_checks_table
from dagster_project.defs.publish.ops_tables import ops_table_files
from dagster_project.defs.publish.report import report
from dagster_project.defs.publish.scorecard import annex_files, scorecard_tables
from dagster_project.defs.publish.warehouse_copy import published_warehouse
from dagster_project.defs.resources import RawStoreResource, WarehouseResource
from dagster_project.defs.schedules import delivery_schedule
from dagster_project.defs.transform.assets import warehouse_models

MONTHLY_JOB = "monthly"

monthly_job = dg.define_asset_job(MONTHLY_JOB, selection=dg.AssetSelection.all())

defs = dg.Definitions(
    assets=[
        *ingest_assets,
        warehouse_models,
        scorecard_tables,
        annex_files,
        ops_table_files,
        feedback_forms,
        target_checks_table,
        four_indicator_files,
        report,
        published_warehouse,
    ],
    jobs=[monthly_job],
    # One process per run: the run's transaction (the warehouse resource) spans all its steps, and a
    # month costs no process start per step.
    executor=dg.in_process_executor,
    sensors=[monthly_sensor(monthly_job)],
    schedules=[delivery_schedule(monthly_job)],
    resources={
        "warehouse": WarehouseResource(),
        "raw_store": RawStoreResource(),
    },
)
