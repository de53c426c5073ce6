"""The asset definitions, one folder per stage: ingest (raw files -> raw), transform (dbt), publish.
definitions.py loads whatever the modules here define (assets, checks, sensors, schedules)."""

import warnings

import dagster as dg

# Single-run backfills (BackfillPolicy) are a beta API in Dagster 1.13; we depend on them knowingly.
# Filtered here, before any asset module is imported, so that no decorator prints the warning.
warnings.filterwarnings("ignore", category=dg.BetaWarning)
