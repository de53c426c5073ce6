"""Data contracts: Pandera schemas for the raw extracts and the published marts.

Nothing here imports Dagster or DuckDB: the contracts are plain data and pure checks, usable by the
pipeline, by `ywtb validate` and by tests alike.
"""
