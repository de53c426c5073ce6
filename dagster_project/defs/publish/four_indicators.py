"""The four-indicator table of 重庆江北 2021 (承诺时限压缩比, 平均到现场次数, 即办件占比, 全程网办占比 of
行政许可 matters), per department and per region, checked against the 重庆 2021 targets.

out/<YYYY-MM>/four_indicators_depts.csv    the layout of jiangbei2021_annex2_depts_4ind.csv (city departments)
out/<YYYY-MM>/four_indicators_regions.csv  the layout of headers/chongqing2021_districts_4ind.csv (counties)
scorecard.target_checks                    every target of the rubric, met or not, per organisation
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl

from dagster_project.defs.partitions import monthly_asset, partition_month
from dagster_project.defs.publish.computed_tables import replace_table_month
from dagster_project.defs.publish.exports import Column, Sheet, write_csv
from dagster_project.defs.publish.scored_tables import read_month
from dagster_project.defs.resources import ExportsResource, WarehouseResource
from dagster_project.scoring import month_scores
from dagster_project.scoring.engine import score_group
from schemas.rubric import load_rubric

TARGETS_RUBRIC = "chongqing-2021"
LAYOUTS = {
    "four_indicators_depts": ("department", "部门名称", "city_dept"),
    "four_indicators_regions": ("district", "区划", "county"),
}
COLUMNS = (
    ("事项数", "licence_matters", "count"),
    ("承诺时限压缩比_pct", "licence_time_limit_compression_rate", "pct"),
    ("平均到现场次数", "licence_average_site_visits", "decimal"),
    ("即办件占比_pct", "licence_instant_share", "pct"),
    ("全程网办占比_pct", "licence_full_online_rate", "pct"),
)
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


def check_targets(month: dt.date, frames: tuple[pl.DataFrame, ...]) -> pl.DataFrame:
    """The targets of the rubric for every organisation of its groups (engine: pass/fail, no points)."""
    rubric = load_rubric(TARGETS_RUBRIC)
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
    schema = {k: pl.String for k in LABELS} | {"month": pl.Date, "value": pl.Float64, "is_met": pl.Boolean}
    return pl.DataFrame(rows, schema=schema)


def four_indicator_sheets(con: duckdb.DuckDBPyConnection, month: dt.date) -> dict[str, Sheet]:
    values = con.sql(
        """
        select o.org_code, o.org_name, o.org_level, v.indicator_code, v.value::double as value
        from indicators.ind_indicator_values v join reference.ref_organisations o using (org_code)
        where v.month = $month and v.period_window = 'month' and v.indicator_code like 'licence_%'
        """,
        params={"month": month},
    ).pl()
    sheets = {}
    for name, (_, name_header, level) in LAYOUTS.items():
        wide = (
            values.filter(pl.col("org_level") == level)
            .pivot(on="indicator_code", index=["org_code", "org_name"], values="value")
            .sort(
                "licence_matters", "org_code", descending=[True, False]
            )  # as 江北 prints: most matters first
        )
        rows = [
            [n, r["org_name"], *(r.get(field) for _, field, _ in COLUMNS)]
            for n, r in enumerate(wide.iter_rows(named=True), start=1)
        ]
        sheets[name] = Sheet(
            name=name,
            title=f"{month:%Y年%-m月}行政许可事项四项指标",
            columns=[
                Column("序号", "rank"),
                Column(name_header, "text"),
                *(Column(h, kind) for h, _, kind in COLUMNS),
            ],
            rows=rows,
        )
    return sheets


@monthly_asset(
    ["scorecard", "target_checks"],
    deps=[dg.AssetKey(["indicators", "ind_indicator_values"]), dg.AssetKey(["marts", "fct_assessed_inputs"])],
    kinds={"duckdb"},
    description="Every target of the 重庆 2021 rubric, met or not, per organisation and month.",
)
def target_checks(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    met = total = 0
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            month = partition_month(key)
            checks = check_targets(month, read_month(con, month))
            replace_table_month(con, "scorecard.target_checks", checks, month, LABELS)
            met += checks["is_met"].sum()
            total += checks["is_met"].count()
    return dg.MaterializeResult(metadata={"targets_met": int(met), "targets_checked": int(total)})


@monthly_asset(
    ["exports", "four_indicators"],
    deps=[dg.AssetKey(["indicators", "ind_indicator_values"])],
    kinds={"csv"},
    description="四项指标 (行政许可): out/<YYYY-MM>/four_indicators_depts.csv and four_indicators_regions.csv.",
)
def four_indicators(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, exports: ExportsResource
) -> dg.MaterializeResult:
    written: list[Path] = []
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            for name, sheet in four_indicator_sheets(con, partition_month(key)).items():
                path = exports.month_dir(key) / f"{name}.csv"
                write_csv(path, sheet)
                written.append(path)
    return dg.MaterializeResult(metadata={"files": len(written)})
