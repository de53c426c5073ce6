"""Contracts of the marts and published tables (Pandera); no Dagster or DuckDB imports."""
