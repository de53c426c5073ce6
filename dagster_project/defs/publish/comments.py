"""What analysts read about the relations Python makes: every column's Chinese description, from the
one place it is written (the scorecard contracts in schemas/marts/, the audit tables' in
defs/ingest/store.py), stored as DuckDB comments just before the copy is published; and which months
the copy holds (audit.months).

dbt's models get theirs from the dbt YAML (persist_docs). The published copy is a copy of the file,
so it keeps the comments of the working one.
"""

from __future__ import annotations

import dagster as dg
import duckdb
import pandera.polars as pa

from dagster_project import settings
from dagster_project.defs.ingest.store import AUDIT_DESCRIPTIONS, record_builds
from dagster_project.defs.partitions import partition_month
from dagster_project.defs.resources import WarehouseResource
from dagster_project.scoring import month_scores
from dagster_project.scoring.printed_annexes import max_points
from schemas.marts import scorecard as contracts
from schemas.rubric import Rubric, load_rubric


def prepare_for_analysts(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> None:
    """Record the months built by this run and describe every Python-made relation, in the run's
    warehouse, before it is copied for analysts."""
    months = [partition_month(key) for key in context.partition_keys]
    with warehouse.writer() as con:
        record_builds(con, months, context.run.run_id)
        rubric = settings.rubric()
        undescribed = describe(con, python_relations(load_rubric(rubric) if rubric else None))
    if undescribed:
        context.log.warning(f"columns without a description: {', '.join(undescribed)}")


def python_relations(rubric: Rubric | None) -> dict[str, tuple[str, dict[str, str]]]:
    """'schema.table' -> (table description, column -> description); no scorecard without a rubric."""
    relations = {f"audit.{t}": described for t, described in AUDIT_DESCRIPTIONS.items()}
    for schema in (scorecard_contracts(rubric) if rubric else {}).values():
        relations[schema.name] = (schema.description or "", descriptions(schema))
    return relations


def scorecard_contracts(rubric: Rubric) -> dict[str, pa.DataFrameSchema]:
    """The contract of each scorecard table, by table name."""
    tables = {
        "item_scores": contracts.item_scores,
        "org_scores": contracts.org_scores(rubric),
        "rectification_ledger": contracts.rectification_ledger,
    }
    for name, annex in rubric.annexes.items():
        tables[name] = contracts.annex(rubric, name, annex, month_scores.field_name, max_points)
    return tables


def descriptions(schema: pa.DataFrameSchema) -> dict[str, str]:
    return {name: column.description for name, column in schema.columns.items() if column.description}


def describe(con: duckdb.DuckDBPyConnection, relations: dict[str, tuple[str, dict[str, str]]]) -> list[str]:
    """COMMENT ON each of these relations the warehouse has, and on each of its columns (a relation
    not there yet is skipped: a rubric without that annex); returns the columns no description names
    ('schema.table.column')."""
    present: dict[str, tuple[str, list[str]]] = {}
    for kind, relation, column in con.execute(
        "select case when v.view_name is null then 'table' else 'view' end, "
        "c.schema_name || '.' || c.table_name, c.column_name "
        "from duckdb_columns() c left join duckdb_views() v "
        "on v.database_name = c.database_name and v.schema_name = c.schema_name and v.view_name = c.table_name "
        "where c.database_name = current_database() order by c.schema_name, c.table_name, c.column_index"
    ).fetchall():
        present.setdefault(relation, (kind, []))[1].append(column)
    missing = []
    for relation, (about, columns) in relations.items():
        if relation not in present:
            continue
        kind, names = present[relation]
        if about:
            con.execute(f"comment on {kind} {relation} is {_quoted(about)}")
        for column in names:
            if column in columns:
                con.execute(f"comment on column {relation}.{column} is {_quoted(columns[column])}")
            else:
                missing.append(f"{relation}.{column}")
    return missing


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
