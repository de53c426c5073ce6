"""Writing a month of a published table into the warehouse (the tables Python computes, not dbt)."""

import datetime as dt

import duckdb
import polars as pl


def replace_table_month(
    con: duckdb.DuckDBPyConnection, target: str, frame: pl.DataFrame, month: dt.date, labels: dict[str, str]
) -> None:
    """Delete the month, insert it again: a rerun never duplicates, and other months stay untouched.

    The table is created from the frame's schema the first time, with each column's Chinese label
    as its comment.
    """
    schema, table = target.split(".")
    con.execute(f"create schema if not exists {schema}")
    exists = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchall()[0][0]
    if not exists:
        con.execute(f"create table {target} as select * from frame limit 0")
        for column, label in labels.items():
            if column in frame.columns:
                con.execute(f"comment on column {target}.{column} is '{label.replace(chr(39), chr(39) * 2)}'")
    con.execute(f"delete from {target} where month = ?", [month])
    con.execute(f"insert into {target} by name select * from frame")
