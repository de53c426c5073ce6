"""The published tables as files: workbooks that print as the annexes were printed (read back with
openpyxl, as a spreadsheet program reads them), values stored as printed, text that never becomes a
formula, and files that are replaced whole or not at all."""

import csv
import dataclasses
import datetime as dt
import math
import signal
import subprocess
import sys
import textwrap
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from dagster_project.defs.publish.exports import Column, Sheet, write_csv, write_workbook
from dagster_project.defs.publish.ops_tables import ops_sheet
from dagster_project.defs.publish.scored_tables import annex_sheet, column_groups, year_to_date
from dagster_project.scoring import month_scores
from schemas.marts.ops import LAYOUTS, OPS_COLUMNS
from schemas.rubric import load_rubric

JUNE = dt.date(2021, 6, 1)
CREATED = dt.datetime(2021, 6, 1)
PUBLISHED = Path(__file__).resolve().parents[1] / "fixtures" / "published"
INJECTIONS = ['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1"]


@pytest.fixture(scope="module")
def dazhou():
    return load_rubric("dazhou-2021")


def annex_frame(rubric, annex, n: int = 3) -> pl.DataFrame:
    """An annex as the warehouse holds it: unrounded values (1/3 + 1e-13), one '—'."""
    rows = []
    for r in range(1, n + 1):
        row = {}
        for i, c in enumerate(annex.columns):
            if c.field:
                row[month_scores.field_name(c)] = r if c.field == "rank" else f"单位{r}"
            else:
                row[month_scores.field_name(c)] = None if (r, i) == (2, 2) else 1 / (r + i) + 1e-13
        rows.append(row)
    return pl.DataFrame(rows)


@pytest.fixture(scope="module")
def annexes(dazhou, tmp_path_factory) -> openpyxl.Workbook:
    sheets = [
        annex_sheet(dazhou, name, annex, annex_frame(dazhou, annex), JUNE)
        for name, annex in dazhou.annexes.items()
    ]
    path = tmp_path_factory.mktemp("annexes") / "annexes.xlsx"
    write_workbook(path, sheets, CREATED)
    return openpyxl.load_workbook(path)


def merged(ws, row: int) -> dict[str, str]:
    """label -> the range it is merged over, for the merged cells that start in a row."""
    return {ws.cell(m.min_row, m.min_col).value: m.coord for m in ws.merged_cells.ranges if m.min_row == row}


def first_body_row(ws) -> int:
    return next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == 1)


def assert_prints_like_an_annex(ws) -> None:
    setup = ws.page_setup
    assert setup.orientation == "landscape" and setup.paperSize == 9  # A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (setup.fitToWidth or 1) == 1 and setup.fitToHeight == 0  # one page wide (1 is the default)
    # every header row, from 序号 down to the row above the first organisation, on every page
    assert ws.cell(2, 1).value == "序号"
    assert ws.print_title_rows == f"$2:${first_body_row(ws) - 1}"
    assert ws.print_options.horizontalCentered
    footer = ws.oddFooter.center.text
    assert "&P" in footer and "&N" in footer
    assert 0.3 < ws.page_margins.left < 1 and 0.3 < ws.page_margins.top < 1.2


def test_every_annex_prints_a4_landscape_one_page_wide_with_its_header_rows_on_every_page(dazhou, annexes):
    assert annexes.sheetnames == [name.replace("annex", "附件") for name in dazhou.annexes]
    for ws in annexes.worksheets:
        assert_prints_like_an_annex(ws)


def test_the_title_states_the_year_to_date_period(dazhou, annexes):
    assert annexes["附件1"]["A1"].value == "附件1 市级部门（A组）一网通办工作情况（2021年1月1日至6月30日）"
    assert merged(annexes["附件1"], 1) == {annexes["附件1"]["A1"].value: "A1:X1"}
    assert year_to_date(dt.date(2024, 2, 1)) == "2024年1月1日至2月29日"
    assert year_to_date(dt.date(2021, 12, 1)) == "2021年1月1日至12月31日"


def test_summary_annexes_group_their_columns_under_the_rubrics_categories_with_their_points(annexes):
    annex1 = annexes["附件1"]
    assert merged(annex1, 2) == {
        "序号": "A2:A3",
        "部门": "B2:B3",
        "事项梳理（32分）": "C2:J2",  # 依申请事项数 … 承诺提速率
        "运行效能（20分）": "K2:O2",  # 累计办件数 … 差评按期整改率
        "证照应用（15分）": "P2:Q2",
        "分站点（18分）": "R2:T2",
        "数据共享（15分）": "U2:W2",  # the three data-sharing sub-scores
        "综合得分": "X2:X3",
    }
    assert [c.value for c in annex1[3]][2:4] == ["依申请事项数", "机构配置准确率"]
    annex3 = merged(annexes["附件3"], 2)  # the county points of the same categories
    assert annex3["事项梳理（28分）"] == "C2:I2" and annex3["分站点（10分）"] == "R2:T2"
    assert annexes["附件3"]["U2"].value == "工程审批（14分）"  # a one-column category over its score
    assert annexes["附件3"]["U3"].value == "工程审批得分"


def test_a_one_category_annex_groups_its_columns_under_its_items(annexes):
    annex5 = annexes["附件5"]
    assert merged(annex5, 2) == {
        "序号": "A2:A3",
        "部门": "B2:B3",
        "目录编制完成率（3分）": "C2:C3",  # a group of one column takes its header's place
        "人员保障情况（2分）": "D2:D3",
        "共享目录有效率（5分）": "E2:F2",
        "数据开放率（5分）": "G2:H2",
        "综合得分(满分15分)": "I2:I3",
    }
    assert [c.value for c in annex5[3]][4:8] == [
        "共享平台目录总数",
        "共享平台有效目录数",
        "开放数据集数",
        "库表+接口数量",
    ]


def test_annexes_with_a_two_level_header_or_single_columns_print_no_group_row(dazhou, annexes):
    for name in ("annex4", "annex6", "annex8"):
        assert column_groups(dazhou, dazhou.annexes[name]) == ()
    annex4 = annexes["附件4"]
    assert merged(annex4, 2)["办事指南异常数"] == "G2:I2"
    assert [annex4.cell(3, c).value for c in (7, 8, 9)] == ["准确类", "便利类", "错敏类"]
    assert first_body_row(annex4) == 4 and first_body_row(annexes["附件8"]) == 3


def test_notes_of_the_rubric_print_under_the_table(dazhou, annexes):
    for name, annex in dazhou.annexes.items():
        ws = annexes[name.replace("annex", "附件")]
        below = [ws.cell(r, 1).value for r in range(first_body_row(ws) + 3, ws.max_row + 1)]
        assert len(below) == len(annex.notes), name
        for line, note in zip(below, annex.notes, strict=True):
            assert line.startswith(("备注：", "　")) and line.endswith(note)


def test_cells_store_the_printed_value_and_dashes_where_nothing_is_measured(annexes):
    for ws in annexes.worksheets:
        for row in ws.iter_rows(min_row=first_body_row(ws)):
            for cell in row:
                if isinstance(cell.value, float):
                    places = 4 if cell.number_format == "0.00%" else 2
                    assert cell.value == float(f"{cell.value:.{places}f}"), (ws.title, cell.coordinate)
    annex1 = annexes["附件1"]
    assert annex1["C5"].value == "—"  # the '—' planted in the second organisation
    assert (annex1["D4"].value, annex1["H4"].value, annex1["X4"].value) == (0.25, 0.125, 0.04)


def sheet_of(columns: list[Column], rows: list[list[object]], **kwargs) -> Sheet:
    return Sheet(name="表", title="测试表", columns=columns, rows=rows, **kwargs)


VALUES = sheet_of(
    [
        Column("名称", "text"),
        Column("比率_pct", "pct"),
        Column("得分", "decimal"),
        Column("件数", "count"),
        Column("件数（万件）", "decimal", 10000),
    ],
    [
        ["甲", 0.83505, 83.51000000000001, 52217.0, Decimal(123456)],
        ["乙", 0.125, 0.125, 3, -0.001],
        ["丙", None, "未报送", None, "无数据"],
    ],
)


def test_values_are_written_rounded_half_up_as_printed(tmp_path):
    write_workbook(tmp_path / "t.xlsx", [VALUES], CREATED)
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=3)]
    assert body[0] == ["甲", 0.8351, 83.51, 52217, 12.35]
    assert body[1][1:4] == [0.125, 0.13, 3]
    assert body[1][4] == 0 and math.copysign(1, body[1][4]) == 1  # never a printed '-0.00'
    assert body[2] == ["丙", "—", "未报送", "—", "无数据"]
    assert [ws.cell(3, c).number_format for c in range(2, 5)] == ["0.00%", "0.00", "0"]
    write_csv(tmp_path / "t.csv", VALUES)
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines() == [
        "名称,比率_pct,得分,件数,件数（万件）",
        "甲,83.51,83.51,52217,12.35",
        "乙,12.50,0.13,3,0.00",
        "丙,,未报送,,无数据",
    ]


def test_a_value_that_cannot_be_printed_fails_naming_the_column(tmp_path):
    for bad in (math.inf, -math.inf, math.nan, 1e308, True):
        sheet = sheet_of([Column("名称", "text"), Column("得分", "decimal")], [["甲", bad]])
        with pytest.raises(ValueError, match="column 得分"):
            write_csv(tmp_path / "t.csv", sheet)


def test_the_groups_must_cover_every_column():
    with pytest.raises(ValueError, match="span 3 columns, the table has 2"):
        sheet_of([Column("名称", "text"), Column("得分", "decimal")], [], groups=[("类", 3)])


INJECTED = sheet_of(
    [Column("事项名称", "text"), Column("得分", "decimal")],
    [[text, -12.5] for text in [*INJECTIONS, "http://example.com/a", "正常事项"]],
)


def test_text_that_looks_like_a_formula_or_a_link_stays_text_in_the_workbook(tmp_path):
    path = tmp_path / "t.xlsx"
    write_workbook(path, [INJECTED], CREATED)
    ws = openpyxl.load_workbook(path).active
    names = [ws.cell(r, 1) for r in range(3, 3 + len(INJECTED.rows))]
    assert [c.value for c in names] == [row[0] for row in INJECTED.rows]
    assert {c.data_type for c in names} == {"s"}
    assert all(c.hyperlink is None for c in names)
    assert {ws.cell(r, 2).value for r in range(3, 3 + len(INJECTED.rows))} == {-12.5}  # numbers stay numbers
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        assert "<f>" not in sheet_xml and "<hyperlink" not in sheet_xml
        assert not [n for n in z.namelist() if n.endswith(".rels") and "hyperlink" in z.read(n).decode()]


def test_text_that_looks_like_a_formula_is_guarded_in_the_csv_and_numbers_are_not(tmp_path):
    write_csv(tmp_path / "t.csv", INJECTED)
    rows = list(csv.reader((tmp_path / "t.csv").open(encoding="utf-8", newline="")))
    assert [r[0] for r in rows[1:]] == [
        *(f"'{text}" for text in INJECTIONS),
        "http://example.com/a",
        "正常事项",
    ]
    assert {r[1] for r in rows[1:]} == {"-12.50"}


def test_a_failed_write_leaves_the_previous_files_as_they_were(tmp_path):
    good = sheet_of([Column("名称", "text"), Column("得分", "decimal")], [["甲", 1.0], ["乙", 2.0]])
    bad = sheet_of([Column("名称", "text"), Column("得分", "decimal")], [["甲", 1.0], ["乙", math.inf]])
    write_csv(tmp_path / "t.csv", good)
    write_workbook(tmp_path / "t.xlsx", [good], CREATED)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(ValueError):
        write_csv(tmp_path / "t.csv", bad)
    with pytest.raises(ValueError):
        write_workbook(tmp_path / "t.xlsx", [good, dataclasses.replace(bad, name="表2")], CREATED)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no leftover either


def test_a_killed_write_leaves_the_previous_csv_and_the_next_write_clears_its_leftover(tmp_path):
    target = tmp_path / "ops_county.csv"
    write_csv(target, sheet_of([Column("名称", "text")], [["旧"]]))
    before = target.read_bytes()
    writer = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from dagster_project.defs.publish.exports import Column, Sheet, write_csv

        def rows():
            for n in range(100_000):
                yield ["新" * 50]
            time.sleep(60)  # killed here, half written
            yield ["尾"]

        write_csv(Path({str(target)!r}), Sheet("表", "表", [Column("名称", "text")], rows()))
        """
    )
    process = subprocess.Popen([sys.executable, "-c", writer], cwd=Path(__file__).resolve().parents[2])
    leftover = tmp_path / f".{target.name}.tmp"
    deadline = time.monotonic() + 30
    while not (leftover.exists() and leftover.stat().st_size > 1_000_000) and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert leftover.exists(), "the writer never got to write"
    assert target.read_bytes() == before
    write_csv(target, sheet_of([Column("名称", "text")], [["新"]]))
    assert target.read_text(encoding="utf-8") == "名称\n新\n" and not leftover.exists()


def test_the_ops_workbook_prints_like_the_annexes_with_its_two_level_headers(tmp_path):
    for name, layout in LAYOUTS.items():
        fields = [field for _, field in (*OPS_COLUMNS, *layout["tail"])]
        frame = pl.DataFrame(
            [{"row_number": n, "org_name": f"单位{n}"} | {f: n / 3 for f in fields} for n in (1, 2)]
        )
        write_workbook(tmp_path / "ops.xlsx", [ops_sheet(name, JUNE, frame)], CREATED)
        ws = openpyxl.load_workbook(tmp_path / "ops.xlsx").active
        assert ws["A1"].value.startswith("2021年6月")
        assert_prints_like_an_annex(ws)
        assert merged(ws, 2)["办件情况"] == "C2:F2"
        assert [c.value for c in ws[3]][2:6] == ["申请", "受理", "办结", "超时办结"]
        # a third of a case (a mean) stores and shows 0.33, not 0.3333333333333333 or 0
        assert (ws["C4"].value, ws["C4"].number_format) == (0.33, "0.00")


def test_an_exported_operations_table_is_the_published_one_but_for_its_one_unformatted_rate(tmp_path):
    published = PUBLISHED / "dazhou2021_06_ops_city.csv"
    columns = (*OPS_COLUMNS, *LAYOUTS["ops_city"]["tail"])
    records = list(csv.DictReader(published.open(encoding="utf-8")))
    rows = [
        {"row_number": int(record["序号"]), "org_name": record["部门"]}
        | {field: float(record[h]) / (100 if h.endswith("_pct") else 1) for h, field in columns}
        for record in records
    ]
    write_csv(tmp_path / "ops_city.csv", ops_sheet("ops_city", JUNE, pl.DataFrame(rows)))
    ours = list(csv.DictReader((tmp_path / "ops_city.csv").open(encoding="utf-8")))
    assert list(ours[0]) == list(records[0])
    differences = {
        (theirs["部门"], header): (mine[header], theirs[header])
        for mine, theirs in zip(ours, records, strict=True)
        for header in theirs
        if mine[header] != theirs[header]
    }
    # the source printed one rate as "0" where every other rate has two decimals
    assert differences == {("市住房公积金管理中心", "承诺件办件效率_办理提速_pct"): ("0.00", "0")}


def test_a_name_longer_than_its_column_wraps_onto_a_taller_row(tmp_path):
    long_name = "关于" + "企业投资项目核准及备案" * 6 + "的办理"
    sheet = sheet_of([Column("事项名称", "text"), Column("办件量", "count")], [[long_name, 0], ["短", 1]])
    write_workbook(tmp_path / "t.xlsx", [sheet], CREATED)
    ws = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    assert ws["A3"].alignment.wrap_text and ws["A3"].value == long_name
    assert ws.row_dimensions[3].height >= 3 * ws.row_dimensions[4].height - 10
