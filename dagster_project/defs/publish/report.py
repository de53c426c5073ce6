"""The month's 情况通报: out/<YYYY-MM>/report.html (self-contained: inline styles and SVG charts) and
report.md, from the scorecard, the operations table and the completeness tables of the same month."""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb

from dagster_project import settings
from dagster_project.defs.partitions import monthly, partition_month
from dagster_project.defs.publish.completeness import completeness_tables
from dagster_project.defs.publish.scorecard import configured_rubric, scorecard_tables
from dagster_project.defs.resources import WarehouseResource
from dagster_project.report.facts import gather
from dagster_project.report.render import render


def write_report(con: duckdb.DuckDBPyConnection, month: dt.date, folder: Path) -> list[Path]:
    html, md = render(gather(con, configured_rubric(), month))
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / "report.html", folder / "report.md"]
    for path, text in zip(paths, (html, md), strict=True):
        path.write_text(text, encoding="utf-8")
    return paths


@dg.asset(
    key=["exports", "report"],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="exports",
    deps=[*scorecard_tables.keys, *completeness_tables.keys, dg.AssetKey(["marts", "ops_case_flow"])],
    kinds={"html"},
    description="情况通报: out/<YYYY-MM>/report.html and report.md.",
)
def report(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    written: list[Path] = []
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            written += write_report(con, partition_month(key), settings.exports_dir() / key)
    return dg.MaterializeResult(metadata={"files": [str(p) for p in written]})
