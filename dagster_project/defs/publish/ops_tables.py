"""The monthly 运行情况表 as files: out/<YYYY-MM>/ops_city.csv and ops_county.csv with exactly the
published column sets (tests/fixtures/published/dazhou2021_06_ops_city.csv and headers/…_ops_county.csv), and
ops.xlsx in the printed layout. The table itself is the dbt mart indicators.ops_case_flow.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from dagster_project.defs.partitions import monthly_asset, partition_month
from dagster_project.defs.publish.exports import Column, Sheet, write_csv, write_workbook
from dagster_project.defs.resources import ExportsResource, WarehouseResource
from schemas.marts.ops import LAYOUTS, OPS_COLUMNS
from schemas.marts.ops import ops_case_flow as contract


def ops_sheet(name: str, month: dt.date, frame: pl.DataFrame) -> Sheet:
    """Rows in the organisations' reference order. A rate with nothing to measure prints 0.00, as the
    published table does (it has no '—')."""
    layout = LAYOUTS[name]
    columns = (*OPS_COLUMNS, *layout["tail"])
    rows = []
    for n, row in enumerate(frame.iter_rows(named=True), start=1):
        values = [row[field] if row[field] is not None else 0.0 for _, field in columns]
        rows.append([n, row["org_name"], *values])
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


def export_ops(con: duckdb.DuckDBPyConnection, month: dt.date, folder: Path) -> list[Path]:
    frame = read_ops(con, month)
    contract.validate(frame.drop("org_name"))
    sheets = []
    for name, layout in LAYOUTS.items():
        sheet = ops_sheet(name, month, frame.filter(pl.col("org_level") == layout["level"]))
        write_csv(folder / f"{name}.csv", sheet)
        sheets.append(sheet)
    write_workbook(folder / "ops.xlsx", sheets, created=dt.datetime.combine(month, dt.time()))
    return [folder / "ops_city.csv", folder / "ops_county.csv", folder / "ops.xlsx"]


@monthly_asset(
    ["exports", "ops_tables"],
    deps=[dg.AssetKey(["indicators", "ops_case_flow"]), dg.AssetKey(["reference", "ref_organisations"])],
    kinds={"csv", "excel", "pandera"},
    description="运行情况表: out/<YYYY-MM>/ops_city.csv, ops_county.csv (the published column sets) and ops.xlsx.",
)
def ops_tables(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, exports: ExportsResource
) -> dg.MaterializeResult:
    written: list[Path] = []
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            written += export_ops(con, partition_month(key), exports.month_dir(key))
    return dg.MaterializeResult(metadata={"files": len(written)})
