"""The forms sent back: each organisation gets a 反馈表 with its own rows of the 问题整改台账 and its own
matters with no case so far this year, with columns for its answers. The completeness tables they read
are dbt models (dbt/models/completeness): what arrived per organisation and extract, and those matters.

out/<YYYY-MM>/问题整改台账.xlsx       the month's ledger (scorecard.rectification_ledger) for the office
out/<YYYY-MM>/feedback/<单位>.xlsx    one 反馈表 per organisation with ledger rows or such matters
"""

import datetime as dt
from pathlib import Path

import dagster as dg
import duckdb
import polars as pl
import xlsxwriter

from dagster_project.defs.partitions import monthly_asset, partition_month
from dagster_project.defs.publish.atomic import staged
from dagster_project.defs.publish.exports import TEXT_STAYS_TEXT, set_printing
from dagster_project.defs.publish.scored_tables import (
    LEDGER,
    configured_rubric,
    ledger_cells,
    read_ledger,
    unscored,
    write_ledger,
)
from dagster_project.defs.resources import ExportsResource, WarehouseResource
from dagster_project.scoring.engine import printed

SCHEMA = "completeness"
# Built by dbt (dbt/models/completeness), read by the forms, the scorecard and the report.
COMPLETENESS_TABLES = [
    dg.AssetKey([SCHEMA, "extracts_by_org"]),
    dg.AssetKey([SCHEMA, "matters_without_cases"]),
]


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


@monthly_asset(
    ["exports", "feedback_forms"],
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
    if reason := unscored():
        return dg.MaterializeResult(metadata={"skipped": reason})
    rubric = configured_rubric()
    written: list[Path] = []
    with warehouse.writer() as con:
        for key in sorted(context.partition_keys):
            month, folder = partition_month(key), exports.month_dir(key)
            written.append(write_ledger(con, rubric, month, folder))
            written += write_feedback_forms(con, month, folder / "feedback")
    return dg.MaterializeResult(metadata={"workbooks": len(written)})
