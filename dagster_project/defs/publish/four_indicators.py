"""The tables published with a profile's targets (重庆 2021: the 行政许可 "四个指标" of 江北's departments,
of its 街镇 and of the 42 districts), and the targets met or not.

out/<YYYY-MM>/<table>.csv   every table of the profile's `publishes` that its target rubric prints
                            (schemas/rubrics/<targets>.yaml `tables:`), in the printed layout, with the
                            rows the profile lists for it (ref_published_rows.csv) in order and spelling
scorecard.target_checks     every target of the profile's target rubric, met or not, per organisation

A profile without targets (达州) writes neither.
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from dagster_project import settings
from dagster_project.defs.partitions import monthly_asset, partition_month
from dagster_project.defs.publish.computed_tables import replace_table_month
from dagster_project.defs.publish.exports import Column, Sheet, write_csv
from dagster_project.defs.publish.scored_tables import read_month
from dagster_project.defs.resources import ExportsResource, WarehouseResource
from dagster_project.scoring import month_scores
from dagster_project.scoring.engine import printed, score_group
from dagster_project.scoring.target_tables import layout
from schemas.profile import Profile, load_profile
from schemas.rubric import Rubric, TableColumn, TargetTable, load_rubric

LABELS = {
    "month": "数据月份（分区，月初日期）",
    "rubric": "评分细则（目标所属的细则）",
    "org_code": "单位编码",
    "org_name": "单位名称",
    "target": "目标",
    "target_label": "目标名称",
    "value": "指标值：当前值",
    "bound": "目标值",
    "is_met": "是否达标（无值为空）",
}
CHECKS_SCHEMA = {k: pl.String for k in LABELS} | {"month": pl.Date, "value": pl.Float64, "is_met": pl.Boolean}
SCALE = {"pct": 100, "ratio": 1, "count": 1}


# ------------------------------------------------------------------------------------ printed cells


def shown_value(column: TableColumn, value: float) -> float:
    """The number a cell prints for `value` (a fraction for a pct column): scaled, rounded half up."""
    return printed(value * SCALE[column.unit], column.decimals)


def cell_text(column: TableColumn, value: float | None) -> str:
    """The cell as the table prints it: "62.50", "0.00", and "100" where whole numbers drop their
    decimals; empty where there is nothing to measure."""
    if value is None:
        return ""
    shown = shown_value(column, value)
    if column.decimals == 0 or (column.whole_without_decimals and shown.is_integer()):
        return f"{shown:.0f}"
    return f"{shown:.{column.decimals}f}"


def published_target_tables(profile: Profile) -> dict[str, TargetTable]:
    """The tables of the profile's target rubric that its months publish."""
    if profile.targets is None:
        return {}
    tables = load_rubric(profile.targets).tables
    return {name: tables[name] for name in profile.publishes if name in tables}


def table_sheet(
    profile: Profile, rubric: Rubric, name: str, table: TargetTable, values: pl.DataFrame, month: dt.date
) -> Sheet:
    """One table: the profile's rows for it in order, each organisation's values per column.
    values: org_code, indicator_code, value (the month window of indicators.ind_indicator_values)."""
    by_org = {(c, i): v for c, i, v in values.select("org_code", "indicator_code", "value").iter_rows()}
    rows = []
    for row in profile.table_rows(name):
        cells = []
        for column in table.columns:
            spec = rubric.inputs.get(column.input) if column.input else None
            # A column the warehouse does not compute (监管事项 figures come with the document) is empty.
            indicator = spec.indicator if spec is not None else None
            cells.append(cell_text(column, by_org.get((row.org_code, indicator))))
        rows.append([row.row_number, row.printed_name, *cells])
    return Sheet(
        name=name,
        title=f"{month:%Y年%-m月}{table.title}",
        # The cells are the printed texts (cell_text); the header is the table's layout.
        columns=[Column(h, "rank" if n == 0 else "text") for n, h in enumerate(layout(table))],
        rows=rows,
    )


def target_table_sheets(con: duckdb.DuckDBPyConnection, profile: Profile, month: dt.date) -> dict[str, Sheet]:
    tables = published_target_tables(profile)
    if not tables:
        return {}
    values = con.sql(
        """
        select org_code, indicator_code, value
        from indicators.ind_indicator_values
        where month = $month and period_window = 'month'
        """,
        params={"month": month},
    ).pl()
    rubric = load_rubric(profile.targets)
    return {name: table_sheet(profile, rubric, name, t, values, month) for name, t in tables.items()}


# ------------------------------------------------------------------------------------------ targets


def check_targets(rubric: Rubric, month: dt.date, frames: tuple[pl.DataFrame, ...]) -> pl.DataFrame:
    """The targets of the rubric for every organisation of its groups (engine: pass/fail, no points)."""
    inputs = month_scores.gather_inputs(rubric, *frames)
    rows = []
    for group in rubric.groups:
        members = {code: inputs.values[code] for code, (_, g) in inputs.orgs.items() if g == group}
        for t in score_group(rubric, group, members).targets:
            rows.append(
                {
                    "month": month,
                    "rubric": rubric.rubric,
                    "org_code": t.org_code,
                    "org_name": inputs.orgs[t.org_code][0],
                    "target": t.target,
                    "target_label": t.label,
                    "value": t.value,
                    "bound": t.bound,
                    "is_met": t.met,
                }
            )
    return pl.DataFrame(rows, schema=CHECKS_SCHEMA)


@monthly_asset(
    ["scorecard", "target_checks"],
    deps=[dg.AssetKey(["indicators", "ind_indicator_values"]), dg.AssetKey(["marts", "fct_assessed_inputs"])],
    kinds={"duckdb"},
    description="Every target of the profile's target rubric (重庆 2021), met or not, per organisation and "
    "month; no rows for a profile without targets (达州).",
)
def target_checks(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    profile = load_profile(settings.profile())
    met = total = 0
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            month = partition_month(key)
            if profile.targets is None:
                checks = pl.DataFrame(schema=CHECKS_SCHEMA)
            else:
                checks = check_targets(load_rubric(profile.targets), month, read_month(con, month))
            replace_table_month(con, "scorecard.target_checks", checks, month, LABELS)
            met += checks["is_met"].sum()
            total += checks["is_met"].count()
    metadata = {"targets_met": int(met), "targets_checked": int(total)}
    if profile.targets is None:
        metadata["note"] = f"profile {profile.name} states no targets: no rows"
    return dg.MaterializeResult(metadata=metadata)


@monthly_asset(
    ["exports", "four_indicators"],
    deps=[dg.AssetKey(["indicators", "ind_indicator_values"])],
    kinds={"csv"},
    description="The tables published with the profile's targets (重庆: depts_4ind, streets_4ind, "
    "districts_4ind, the 行政许可 四个指标) as out/<YYYY-MM>/<table>.csv in the printed layout and row "
    "order; nothing for a profile without targets (达州).",
)
def four_indicators(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, exports: ExportsResource
) -> dg.MaterializeResult:
    profile = load_profile(settings.profile())
    written: list[Path] = []
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            for name, sheet in target_table_sheets(con, profile, partition_month(key)).items():
                path = exports.month_dir(key) / f"{name}.csv"
                write_csv(path, sheet)
                written.append(path)
    metadata: dict = {"files": len(written)}
    if not published_target_tables(profile):
        metadata["note"] = f"profile {profile.name} publishes no table of a target rubric"
    return dg.MaterializeResult(metadata=metadata)
