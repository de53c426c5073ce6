"""The Dagster definitions `make dev` shows and `ywtb run` executes: loads defs/, adds global settings."""

import dagster as dg

from dagster_project.defs.ingest.assets import ingest_assets
from dagster_project.defs.ingest.sensors import monthly_sensor
from dagster_project.defs.resources import RawStoreResource, WarehouseResource

MONTHLY_JOB = "monthly"

monthly_job = dg.define_asset_job(MONTHLY_JOB, selection=dg.AssetSelection.all())

defs = dg.Definitions(
    assets=[*ingest_assets],
    jobs=[monthly_job],
    sensors=[monthly_sensor(monthly_job)],
    resources={"warehouse": WarehouseResource(), "raw_store": RawStoreResource()},
)
