"""The dbt project as Dagster assets (staging, intermediate, marts, reference seeds)."""
