"""The 运行情况表 prints the rows the profile lists for it: in the printed order, with the printed 序号
and names; an organisation it does not list is left out, a listed one without a row prints zeros. A
table the profile does not list prints every organisation of its level in reference order."""

import csv
import datetime as dt

import polars as pl
import pytest

from dagster_project.defs.publish.exports import write_csv
from dagster_project.defs.publish.ops_tables import PrintedRowsError, ops_sheet, printed_rows
from schemas.marts.ops import COUNTS, LAYOUTS, OPS_COLUMNS, SHARES, SPEEDUPS
from schemas.profile import load_profile

JUNE = dt.date(2021, 6, 1)


def flow_row(code: str, name: str, level: str, applied: int, rate: float | None) -> dict:
    return (
        {"org_name": name, "month": JUNE, "org_code": code, "org_level": level}
        | {c: 0 for c in COUNTS}
        | {"applied_cases": applied, "accepted_cases": applied}
        | {c: rate for c in (*SHARES, *SPEEDUPS)}
    )


# The month's indicators.ops_case_flow: four departments and a county, with reference names.
FLOW = pl.DataFrame(
    [
        flow_row("511700001", "市甲局", "city_dept", 3, 0.5),
        flow_row("511700002", "国家税务总局达州市乙局", "city_dept", 7, 0.25),
        flow_row("511700003", "市丙局", "city_dept", 11, None),
        flow_row("511700009", "市新闻出版局", "city_dept", 0, None),
        flow_row("511721", "通川区", "county", 5, 1.0),
    ]
)
LISTED_COLUMNS = ["row_number", "printed_name", "org_code", "org_level"]


def printed_csv(table: str, frame: pl.DataFrame, tmp_path) -> list[dict[str, str]]:
    write_csv(tmp_path / f"{table}.csv", ops_sheet(table, JUNE, frame))
    with (tmp_path / f"{table}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_a_listed_table_prints_its_rows_in_its_order_with_its_names_and_zeros_for_one_without_data(tmp_path):
    listed = pl.DataFrame(
        [
            (1, "市乙局", "511700002", "city_dept"),
            (2, "市甲局", "511700001", "city_dept"),
            (3, "市丁局", "511700004", "city_dept"),  # listed, no row this month
        ],
        schema=LISTED_COLUMNS,
        orient="row",
    )
    rows = printed_csv("ops_city", printed_rows("ops_city", FLOW, listed), tmp_path)
    # 市丙局 and 市新闻出版局 are not listed: left out; 通川区 is another table's
    assert [(r["序号"], r["部门"], r["办件情况_申请"]) for r in rows] == [
        ("1", "市乙局", "7"),
        ("2", "市甲局", "3"),
        ("3", "市丁局", "0"),
    ]
    assert [r["承诺件办件效率_承诺提速_pct"] for r in rows] == ["25.00", "50.00", "0.00"]
    assert all(rows[2][h] == ("0.00" if h.endswith("_pct") else "0") for h, _ in OPS_COLUMNS)


def test_a_table_the_profile_does_not_list_prints_its_level_in_reference_order_and_names(tmp_path):
    empty = pl.DataFrame(schema=dict.fromkeys(LISTED_COLUMNS, pl.String))
    reversed_flow = FLOW.reverse()
    city = printed_csv("ops_city", printed_rows("ops_city", reversed_flow, empty), tmp_path)
    assert [(r["序号"], r["部门"]) for r in city] == [
        ("1", "市甲局"),
        ("2", "国家税务总局达州市乙局"),
        ("3", "市丙局"),
        ("4", "市新闻出版局"),
    ]
    county = printed_csv("ops_county", printed_rows("ops_county", reversed_flow, empty), tmp_path)
    assert [(r["序号"], r["地区"], r["办件情况_申请"]) for r in county] == [("1", "通川区", "5")]


def test_a_listed_row_naming_an_organisation_of_another_level_is_refused():
    listed = pl.DataFrame(
        [(1, "市甲局", "511700001", "city_dept"), (2, "通川区", "511721", "county")],
        schema=LISTED_COLUMNS,
        orient="row",
    )
    with pytest.raises(
        PrintedRowsError, match=r"ops_city row 2 \(通川区\): organisation 511721 is not a city_dept"
    ):
        printed_rows("ops_city", FLOW, listed)


def test_the_dazhou_profile_lists_the_printed_city_table_and_leaves_the_county_table_to_reference_order():
    rows = load_profile("dazhou").table_rows("ops_city")
    assert len(rows) == 41 and [r.row_number for r in rows] == list(range(1, 42))
    names = {r.printed_name: r.org_code for r in rows}
    assert names["市税务局"] == "511700006" and names["达州市国家安全局"] == "511700036"
    assert "511700042" not in names.values()  # 市新闻出版局: in the reference, not in the printed table
    assert load_profile("dazhou").table_rows("ops_county") == []
    assert set(LAYOUTS) <= set(load_profile("dazhou").publishes)
