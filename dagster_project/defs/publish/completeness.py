"""Data completeness — the lesson of every KPI platform that died of stale data: per organisation and
month, which extracts arrived with rows for it, how many were loaded and quarantined; and the matters
of its implementation list with no case so far this year. Each organisation gets back a 反馈表 with
its own rows of the 问题整改台账 and its own such matters, with columns for its answers.

completeness.extracts_by_org        month × organisation × extract: rows loaded, rows quarantined
completeness.matters_without_cases  month × matter listed at the month's end with no case this year
out/<YYYY-MM>/问题整改台账.xlsx       the month's ledger (scorecard.rectification_ledger) for the office
out/<YYYY-MM>/feedback/<单位>.xlsx    one 反馈表 per organisation with ledger rows or such matters
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import xlsxwriter

from dagster_project.defs.partitions import monthly, partition_month
from dagster_project.defs.publish.atomic import staged
from dagster_project.defs.publish.computed_tables import replace_table_month
from dagster_project.defs.publish.exports import TEXT_STAYS_TEXT, set_printing
from dagster_project.defs.publish.scored_tables import (
    LEDGER,
    configured_rubric,
    ledger_cells,
    read_ledger,
    write_ledger,
)
from dagster_project.defs.resources import ExportsResource, WarehouseResource
from dagster_project.scoring.engine import printed
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
            select distinct unnest(matters_applied_in_year) as matter_code from indicators.ind_case_flow__monthly
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
                replace_table_month(con, f"{SCHEMA}.{name}", frame, month, LABELS)
                rows[name] += frame.height
            con.execute("commit")
    for name, n in rows.items():
        yield dg.MaterializeResult(asset_key=[SCHEMA, name], metadata={"rows": n})


FEEDBACK_TITLE = "问题整改及办件情况反馈表"
# Lines the department fills in by hand: label, then a blank line to write on.
FILL_IN = ("联系人", "联系电话", "填报日期")
LEDGER_HEADER = (
    "序号",
    "指标",
    "当前值",
    "满分要求",
    "失分",
    "首次出现",
    "状态",
    "整改时限",
    "整改措施及完成情况（请填写）",
)
MATTERS_HEADER = ("序号", "事项编码", "事项名称", "办件量", "未产生办件的原因（请填写）")


def unused_matters(con: duckdb.DuckDBPyConnection, month: dt.date) -> pl.DataFrame:
    return con.sql(
        """
        select m.dept_code as org_code, m.matter_code, m.matter_name, m.cases_this_year
        from completeness.matters_without_cases m where m.month = $month order by m.dept_code, m.matter_code
        """,
        params={"month": month},
    ).pl()


def write_feedback_forms(con: duckdb.DuckDBPyConnection, month: dt.date, folder: Path) -> list[Path]:
    """One 反馈表 per organisation with something to answer for: its own rows of the month's
    问题整改台账 and its own matters with no case this year, each with a column for its answer,
    under a header block (填报单位, 联系人, 联系电话, 填报日期) to fill in."""
    rubric = configured_rubric()
    ledger = read_ledger(con, rubric, month)
    matters = unused_matters(con, month)
    names = dict(con.sql("select org_code, org_name from reference.ref_organisations").fetchall())
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.xlsx"):
        old.unlink()  # an organisation with nothing left to answer for must not keep last run's form
    written = []
    for code in sorted(set(ledger["org_code"]) | set(matters["org_code"])):
        if code not in names:
            continue  # a matter of an organisation the reference data does not know has no one to ask
        mine = ledger.filter(pl.col("org_code") == code)
        rows = [(n, *_ledger_row(rubric, r)) for n, r in enumerate(mine.iter_rows(named=True), start=1)]
        listed = matters.filter(pl.col("org_code") == code).select(
            "matter_code", "matter_name", "cases_this_year"
        )
        path = folder / f"{names[code]}.xlsx"
        with staged(path) as staging:
            _write_form(
                staging,
                names[code],
                month,
                rows,
                [(n, *r, "") for n, r in enumerate(listed.iter_rows(), start=1)],
            )
        written.append(path)
    return written


def _ledger_row(rubric, row: dict) -> tuple:
    cells = ledger_cells(rubric, row)
    return (*(cells[h] for h in ("指标", "当前值", "满分要求", "失分", "首次出现", "状态", "整改时限")), "")


def _write_form(
    path: Path, org_name: str, month: dt.date, ledger_rows: list[tuple], matter_rows: list[tuple]
) -> None:
    width = len(LEDGER_HEADER)
    with xlsxwriter.Workbook(path, TEXT_STAYS_TEXT) as wb:
        wb.set_properties({"created": dt.datetime.combine(month, dt.time())})
        ws = wb.add_worksheet("反馈表")
        base = {"font_name": "SimSun", "font_size": 10, "valign": "vcenter"}
        title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "font_name": "SimHei"})
        label = wb.add_format(base | {"bold": True})
        line = wb.add_format(base | {"bottom": 1})
        section = wb.add_format(base | {"bold": True, "font_size": 11})
        head = wb.add_format(
            base | {"bold": True, "border": 1, "align": "center", "text_wrap": True, "bg_color": "#DDEBF7"}
        )
        cell = wb.add_format(base | {"border": 1, "text_wrap": True})
        decimal = wb.add_format(base | {"border": 1, "num_format": "0.00"})
        ws.merge_range(
            0, 0, 0, width - 1, f"{org_name}{FEEDBACK_TITLE}（{month.year}年{month.month}月）", title
        )
        ws.write(1, 0, "填报单位", label)
        ws.merge_range(1, 1, 1, 3, org_name, line)
        ws.write(1, 5, FILL_IN[0], label)
        ws.merge_range(1, 6, 1, 8, "", line)
        ws.write(2, 0, FILL_IN[1], label)
        ws.merge_range(2, 1, 2, 3, "", line)
        ws.write(2, 5, FILL_IN[2], label)
        ws.merge_range(2, 6, 2, 8, "", line)
        r = 4
        ws.write(r, 0, f"一、问题整改台账（{len(ledger_rows)}项）", section)
        ws.write_row(r + 1, 0, LEDGER_HEADER, head)
        r += 2
        for row in ledger_rows:
            for c, value in enumerate(row):
                if isinstance(value, float):
                    ws.write_number(r, c, printed(value), decimal)  # stored as printed
                else:
                    ws.write(r, c, value, cell)
            r += 1
        r += 1
        # The matters' table shares the sheet's columns: its name and its answer span several.
        ws.write(r, 0, f"二、本年尚无办件的事项（{len(matter_rows)}项）", section)
        r += 1
        for row, fmt in [(MATTERS_HEADER, head), *((m, cell) for m in matter_rows)]:
            seq, code, name, count, reason = row
            ws.write(r, 0, seq, fmt)
            ws.write(r, 1, code, fmt)
            ws.merge_range(r, 2, r, 4, name, fmt)
            ws.write(r, 5, count, fmt)
            ws.merge_range(r, 6, r, 8, reason, fmt)
            r += 1
        for c, w in enumerate((6, 18, 14, 12, 8, 10, 8, 12, 40)):
            ws.set_column(c, c, w)
        set_printing(ws, 0, 0)


@dg.asset(
    key=["exports", "feedback_forms"],
    partitions_def=monthly,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name="exports",
    deps=[dg.AssetKey([SCHEMA, "matters_without_cases"]), dg.AssetKey(["scorecard", LEDGER])],
    kinds={"excel"},
    description=(
        "问题整改台账 and the forms sent back: out/<YYYY-MM>/问题整改台账.xlsx, and "
        "out/<YYYY-MM>/feedback/<单位>.xlsx with each organisation's own ledger rows and matters with no case this year."
    ),
)
def feedback_forms(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, exports: ExportsResource
) -> dg.MaterializeResult:
    rubric = configured_rubric()
    written: list[Path] = []
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            month, folder = partition_month(key), exports.month_dir(key)
            written.append(write_ledger(con, rubric, month, folder))
            written += write_feedback_forms(con, month, folder / "feedback")
    return dg.MaterializeResult(metadata={"workbooks": len(written)})
