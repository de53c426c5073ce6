"""The monthly 运行情况表 as files: out/<YYYY-MM>/ops_city.csv and ops_county.csv with exactly the
published column sets (tests/fixtures/published/dazhou2021_06_ops_city.csv and headers/…_ops_county.csv), and
ops.xlsx in the printed layout. The table itself is the dbt mart indicators.ops_case_flow.

Only the tables the profile publishes are written (`publishes` in profile.yaml). A table whose rows the
profile lists (seeds/ref_published_rows.csv) prints those rows: their order, their 序号 and their
names as printed. An organisation the table does not list is left out of the file; it stays in
indicators.ops_case_flow and the completeness report. A table the profile does not list prints every
organisation of its level, in reference order (org_code), with the reference names.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from dagster_project import settings
from dagster_project.defs.partitions import monthly_asset, partition_month
from dagster_project.defs.publish.exports import Column, Sheet, write_csv, write_workbook
from dagster_project.defs.resources import ExportsResource, WarehouseResource
from schemas.marts.ops import COUNTS, LAYOUTS, OPS_COLUMNS
from schemas.marts.ops import ops_case_flow as contract
from schemas.profile import load_profile


class PrintedRowsError(ValueError):
    """A profile's printed rows that cannot make the table: the message names the row and the fix."""


def printed_rows(table: str, flow: pl.DataFrame, listed: pl.DataFrame) -> pl.DataFrame:
    """The rows `table` prints, with `row_number` (its 序号) and `org_name` (the name it prints).

    `flow`: the month's indicators.ops_case_flow with the reference org_name. `listed`: the profile's
    rows of the table (row_number, printed_name, org_code, org_level), empty if it lists none. A
    listed organisation without a row in the month prints zero cases and rates with nothing to
    measure, as the printed table does; one not listed is left out.
    """
    level = LAYOUTS[table]["level"]
    if listed.is_empty():
        return (
            flow.filter(pl.col("org_level") == level)
            .sort("org_code")
            .with_row_index("row_number", offset=1)
            .with_columns(pl.col("row_number").cast(pl.Int64))
        )
    for row in listed.filter(pl.col("org_level").ne_missing(level)).iter_rows(named=True):
        raise PrintedRowsError(
            f"ref_published_rows.csv: {table} row {row['row_number']} ({row['printed_name']}): organisation "
            f"{row['org_code']} is not a {level}, the level {table} prints: fix its org_code"
        )
    return (
        listed.select(pl.col("row_number").cast(pl.Int64), "org_code", org_name="printed_name")
        .join(flow.drop("org_name"), on="org_code", how="left")
        .with_columns(pl.col(COUNTS).fill_null(0), org_level=pl.lit(level))
        .sort("row_number")
    )


def ops_sheet(name: str, month: dt.date, frame: pl.DataFrame) -> Sheet:
    """`frame` as `printed_rows` gives it: 序号 and names as the table prints them. A rate with nothing
    to measure prints 0.00, as the published table does (it has no '—')."""
    layout = LAYOUTS[name]
    columns = (*OPS_COLUMNS, *layout["tail"])
    rows = []
    for row in frame.iter_rows(named=True):
        values = [row[field] if row[field] is not None else 0.0 for _, field in columns]
        rows.append([row["row_number"], row["org_name"], *values])
    return Sheet(
        name="市级部门" if layout["level"] == "city_dept" else "县（市、区）",
        title=f"{month:%Y年%-m月}{layout['title']}",
        columns=[
            Column("序号", "rank"),
            Column(layout["name"], "text"),
            *(Column(h, "pct" if h.endswith("_pct") else "count") for h, _ in columns),
        ],
        rows=rows,
    )


def read_ops(con: duckdb.DuckDBPyConnection, month: dt.date) -> pl.DataFrame:
    return con.sql(
        """
        select o.org_name, f.* from indicators.ops_case_flow f
        join reference.ref_organisations o using (org_code)
        where f.month = $month order by f.org_code
        """,
        params={"month": month},
    ).pl()


def read_listed_rows(con: duckdb.DuckDBPyConnection, table: str) -> pl.DataFrame:
    """The profile's rows of `table` as this warehouse's `dbt seed` loaded them: the same run as the
    organisations and the counts they are joined with (a warehouse holds one profile)."""
    return con.sql(
        """
        select p.row_number, p.printed_name, p.org_code, o.org_level
        from reference.ref_published_rows p
        left join reference.ref_organisations o using (org_code)
        where p.table_name = $table order by p.row_number
        """,
        params={"table": table},
    ).pl()


def export_ops(
    con: duckdb.DuckDBPyConnection, month: dt.date, folder: Path, publishes: tuple[str, ...]
) -> list[Path]:
    """The 运行情况表 among `publishes` (the profile's) for `month`, written to `folder`."""
    tables = [name for name in LAYOUTS if name in publishes]
    if not tables:
        return []
    frame = read_ops(con, month)
    contract.validate(frame.drop("org_name"))
    sheets, written = [], []
    for name in tables:
        sheet = ops_sheet(name, month, printed_rows(name, frame, read_listed_rows(con, name)))
        write_csv(folder / f"{name}.csv", sheet)
        sheets.append(sheet)
        written.append(folder / f"{name}.csv")
    write_workbook(folder / "ops.xlsx", sheets, created=dt.datetime.combine(month, dt.time()))
    return [*written, folder / "ops.xlsx"]


@monthly_asset(
    ["exports", "ops_tables"],
    deps=[
        dg.AssetKey(["indicators", "ops_case_flow"]),
        dg.AssetKey(["reference", "ref_organisations"]),
        dg.AssetKey(["reference", "ref_published_rows"]),
    ],
    kinds={"csv", "excel", "pandera"},
    description="运行情况表: out/<YYYY-MM>/ops_city.csv, ops_county.csv (the published column sets and, where "
    "the profile lists them, the printed rows) and ops.xlsx; only the tables the profile publishes.",
)
def ops_tables(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, exports: ExportsResource
) -> dg.MaterializeResult:
    publishes = load_profile(settings.profile()).publishes
    written: list[Path] = []
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            written += export_ops(con, partition_month(key), exports.month_dir(key), publishes)
    return dg.MaterializeResult(metadata={"files": len(written)})
