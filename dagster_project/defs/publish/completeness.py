"""Data completeness — the lesson of every KPI platform that died of stale data: per organisation and
month, which extracts arrived with rows for it, how many were loaded and quarantined; and the matters
of its implementation list with no case so far this year, sent back to each department as the
办件情况反馈表 (事项名称, 办件量, and an empty column for its reason).

completeness.extracts_by_org        month × organisation × extract: rows loaded, rows quarantined
completeness.matters_without_cases  month × matter listed at the month's end with no case this year
out/<YYYY-MM>/feedback/<部门>.xlsx   one 办件情况反馈表 per department that has such matters
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import xlsxwriter

from dagster_project import settings
from dagster_project.defs.partitions import monthly, partition_month
from dagster_project.defs.publish.tables import replace_month
from dagster_project.defs.resources import WarehouseResource
from schemas.raw import CONTRACTS

SCHEMA = "completeness"
# How each extract names the organisation a row belongs to.
ORG_COLUMN = {
    "matters": "dept_code",
    "cases": "dept_code",
    "evaluations": "dept_code",
    "certificates": "dept_code",
    "projects": "region_code",
    "project_cases": "region_code",
    "spot_checks": None,  # a spot check names a case, not an organisation
    "assessed_inputs": "org_name",
}
LABELS = {
    "month": "数据月份（分区，月初日期）",
    "org_code": "机构编码（无法识别的机构编码原样保留）",
    "extract": "数据类别",
    "extract_label": "数据类别名称",
    "rows_loaded": "入库行数",
    "rows_quarantined": "隔离行数",
    "has_arrived": "本月是否收到该机构的数据",
    "matter_code": "事项编码",
    "matter_name": "事项名称",
    "dept_code": "实施机构编码",
    "cases_this_year": "本年办件量",
}


def extracts_by_org(con: duckdb.DuckDBPyConnection, month: dt.date) -> pl.DataFrame:
    """Every organisation × extract (that names organisations), with what arrived for it this month."""
    parts = []
    for extract, column in ORG_COLUMN.items():
        if column is None:
            continue
        # assessed inputs print the organisation's name (or an alias); the rest carry its code
        key = f"coalesce(o.org_code, a.org_code, t.{column})" if column == "org_name" else f"t.{column}"
        joins = (
            "left join reference.ref_organisations o on o.org_name = t.org_name "
            "left join reference.ref_org_aliases a on a.alias_name = t.org_name"
            if column == "org_name"
            else ""
        )
        parts.append(
            f"""select {key} as org_code, '{extract}' as extract, '{CONTRACTS[extract].label}' as extract_label,
                       t.is_loaded from (
                   select {column}, true as is_loaded from raw.{extract} where month = $month
                   union all
                   select {column}, false from quarantine.{extract} where month = $month) t {joins}"""
        )
    # Every organisation × extract, and any unknown organisation code that arrived (kept as printed,
    # so that nothing disappears).
    extracts = " union all ".join(
        f"select '{e}' as extract, '{CONTRACTS[e].label}' as extract_label"
        for e, c in ORG_COLUMN.items()
        if c
    )
    return con.sql(
        f"""
        with arrived as ({" union all ".join(parts)}),
        grid as (
            select o.org_code, e.extract, e.extract_label
            from reference.ref_organisations o cross join ({extracts}) e
            where o.org_level in ('city_dept', 'county', 'county_dept')
            union
            select distinct org_code, extract, extract_label from arrived where org_code is not null
        )
        select $month::date as month, g.org_code, g.extract, g.extract_label,
               count(a.is_loaded) filter (where a.is_loaded) as rows_loaded,
               count(a.is_loaded) filter (where not a.is_loaded) as rows_quarantined,
               count(a.is_loaded) > 0 as has_arrived
        from grid g left join arrived a using (org_code, extract)
        group by all order by g.org_code, g.extract
        """,
        params={"month": month},
    ).pl()


def matters_without_cases(con: duckdb.DuckDBPyConnection, month: dt.date) -> pl.DataFrame:
    """Matters of the implementation list at the month's end with no case applied for this year."""
    return con.sql(
        """
        with listed as (
            select matter_code, matter_name, dept_code from marts.fct_matter_snapshots
            where month = $month and is_on_application and status = 'active'
        ),
        -- The matters with a case applied for this year, kept per month by dbt: reading them costs
        -- the same whatever the year's volume of cases.
        used as (
            select distinct unnest(matters_applied_in_year) as matter_code from intermediate.int_case_flow__monthly
            where month between date_trunc('year', $month::date) and $month
        )
        select $month::date as month, l.dept_code, l.matter_code, l.matter_name, 0::bigint as cases_this_year
        from listed l anti join used u using (matter_code)
        order by l.dept_code, l.matter_code
        """,
        params={"month": month},
    ).pl()


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            [SCHEMA, name],
            deps=[dg.AssetKey(["marts", "fct_matter_snapshots"]), dg.AssetKey(["marts", "fct_case_states"])],
            kinds={"duckdb"},
            group_name=SCHEMA,
        )
        for name in ("extracts_by_org", "matters_without_cases")
    ],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
)
def completeness_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """What arrived per organisation, and the matters nobody has applied for this year."""
    rows = {"extracts_by_org": 0, "matters_without_cases": 0}
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            month = partition_month(key)
            tables = {
                "extracts_by_org": extracts_by_org(con, month),
                "matters_without_cases": matters_without_cases(con, month),
            }
            con.execute("begin")
            for name, frame in tables.items():
                replace_month(con, f"{SCHEMA}.{name}", frame, month, LABELS)
                rows[name] += frame.height
            con.execute("commit")
    for name, n in rows.items():
        yield dg.MaterializeResult(asset_key=[SCHEMA, name], metadata={"rows": n})


def write_feedback_forms(con: duckdb.DuckDBPyConnection, month: dt.date, folder: Path) -> list[Path]:
    """One 办件情况反馈表 per department: its matters with no case this year and a column for the reason."""
    frame = con.sql(
        """
        select o.org_name, m.matter_code, m.matter_name, m.cases_this_year
        from completeness.matters_without_cases m join reference.ref_organisations o on o.org_code = m.dept_code
        where m.month = $month order by o.org_code, m.matter_code
        """,
        params={"month": month},
    ).pl()
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.xlsx"):
        old.unlink()  # a department that has since had cases must not keep last run's form
    written = []
    for (dept,), matters in frame.group_by("org_name", maintain_order=True):
        path = folder / f"{dept}.xlsx"
        with xlsxwriter.Workbook(path) as wb:
            wb.set_properties({"created": dt.datetime.combine(month, dt.time())})
            ws = wb.add_worksheet("办件情况反馈表")
            title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "font_name": "SimHei"})
            head = wb.add_format(
                {"bold": True, "border": 1, "align": "center", "bg_color": "#DDEBF7", "font_name": "SimSun"}
            )
            cell = wb.add_format({"border": 1, "font_name": "SimSun"})
            ws.merge_range(0, 0, 0, 4, f"{dept}办件情况反馈表（{month.year}年1月至{month.month}月）", title)
            ws.write_row(1, 0, ["序号", "事项编码", "事项名称", "办件量", "未产生办件的原因（请填写）"], head)
            for n, (code, name, count) in enumerate(
                matters.select("matter_code", "matter_name", "cases_this_year").iter_rows(), start=1
            ):
                ws.write_row(1 + n, 0, [n, code, name, count, ""], cell)
            ws.set_column(0, 0, 6)
            ws.set_column(1, 1, 22)
            ws.set_column(2, 2, 40)
            ws.set_column(3, 3, 8)
            ws.set_column(4, 4, 40)
        written.append(path)
    return written


@dg.asset(
    key=["exports", "feedback_forms"],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="exports",
    deps=[dg.AssetKey([SCHEMA, "matters_without_cases"])],
    kinds={"excel"},
    description="办件情况反馈表: out/<YYYY-MM>/feedback/<部门>.xlsx, the matters with no case this year.",
)
def feedback_forms(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    written: list[Path] = []
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            written += write_feedback_forms(
                con, partition_month(key), settings.exports_dir() / key / "feedback"
            )
    return dg.MaterializeResult(metadata={"workbooks": len(written)})
