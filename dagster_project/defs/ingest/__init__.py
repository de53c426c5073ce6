"""Raw platform files -> DuckDB schema `raw` (valid rows) and `quarantine` (rows with a reason)."""
