"""The Dagster definitions `make dev` shows and `ywtb run` executes: every asset, check, sensor and
schedule found in defs/ (a new module there needs no line here), and the settings that hold for all
of them."""

from pathlib import Path

import dagster as dg

from dagster_project.defs.partitions import MONTHLY_JOB
from dagster_project.defs.resources import pipeline_resources

# Every asset but the daily monitoring's and the weekly bulletin's, which have partitions of their
# own (defs/monitoring/).
monthly_job = dg.define_asset_job(
    MONTHLY_JOB,
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("daily", "monitoring", "bulletin"),
)

defs = dg.Definitions.merge(
    dg.load_from_defs_folder(path_within_project=Path(__file__).parent),
    dg.Definitions(
        jobs=[monthly_job],
        # One process per run: the run's transaction (the warehouse resource) spans all its steps, and
        # a month costs no process start per step.
        executor=dg.in_process_executor,
        resources=pipeline_resources(),
    ),
)
