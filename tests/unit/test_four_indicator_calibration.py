"""The solver behind `ywtb sample --calibrate-to` a "四个指标" table: matters whose indicators, computed as
ind_matters.sql computes them and printed as the table prints them, are the printed row."""

from pathlib import Path

import pytest

from dagster_project.defs.publish.four_indicators import cell_text
from dagster_project.sample.calibration.four_indicators import (
    COMPRESSION,
    FULL_ONLINE,
    INSTANT,
    VISITS,
    Matter,
    solve,
)
from dagster_project.sample.calibration.printed_table import CalibrationError
from dagster_project.sample.calibration.target_table import read_target_table
from schemas.profile import load_profile
from schemas.rubric import TableColumn, load_rubric

PUBLISHED = Path(__file__).resolve().parents[1] / "fixtures" / "published"
TABLE = load_rubric("chongqing-2021").tables["depts_4ind"]
COLUMNS = {
    COMPRESSION: TABLE.columns[1],
    VISITS: TABLE.columns[2],
    INSTANT: TABLE.columns[3],
    FULL_ONLINE: TABLE.columns[4],
}


def shows(indicator: str, value: float) -> float:
    return float(cell_text(COLUMNS[indicator], value))


def computed(matters: list[Matter]) -> dict[str, float]:
    """The pipeline's formulas (ind_matters.sql, ind_indicator_values.sql) over the matters."""
    n = len(matters)
    legal = [m for m in matters if m.legal_limit_days > 0]
    return {
        COMPRESSION: sum(m.legal_limit_days - m.promised_limit_days for m in legal)
        / sum(m.legal_limit_days for m in legal),
        VISITS: sum(m.max_visits for m in matters) / n,
        INSTANT: sum(m.is_instant for m in matters) / n,
        FULL_ONLINE: sum(m.is_full_online for m in matters) / n,
    }


def printed_row(matters: list[Matter]) -> dict[str, str]:
    return {code: cell_text(COLUMNS[code], value) for code, value in computed(matters).items()}


def wanted(compression, visits, instant, online):
    return {COMPRESSION: compression, VISITS: visits, INSTANT: instant, FULL_ONLINE: online}


def test_the_transport_bureau_row_is_reproduced_with_whole_counts_worked_by_hand():
    # 区交通局: 165 matters, 92.47 / 0.08 / 77.58 / 93.33.
    solution = solve(165, wanted(92.47, 0.08, 77.58, 93.33), shows)
    assert solution.problems == {}
    matters = solution.matters
    assert len(matters) == 165
    assert sum(m.is_instant for m in matters) == 128  # 128/165 = 77.576 %, 127/165 = 76.97 %
    assert sum(m.is_full_online for m in matters) == 154  # 154/165 = 93.333 %
    assert sum(m.max_visits for m in matters) == 13  # 13/165 = 0.0788; 12/165 = 0.0727 prints 0.07
    assert printed_row(matters) == {
        COMPRESSION: "92.47",
        VISITS: "0.08",
        INSTANT: "77.58",
        FULL_ONLINE: "93.33",
    }
    assert all(0 <= m.promised_limit_days <= m.legal_limit_days <= 1000 for m in matters)


def test_a_street_with_one_matter_gets_a_20_day_legal_limit_promised_in_2():
    # 石马河街道: 1 matter, 90 / 0.00 / 0 / 100: (20 - 2) / 20 = 90 %.
    solution = solve(1, wanted(90, 0.0, 0, 100), shows)
    assert solution.problems == {}
    assert solution.matters == [Matter(20, 2, 0, False, True)]
    assert printed_row(solution.matters) == {
        COMPRESSION: "90",
        VISITS: "0.00",
        INSTANT: "0",
        FULL_ONLINE: "100",
    }


def test_a_share_no_count_of_14_rounds_to_is_named_with_the_closest_not_tuned():
    # 区人力社保局: 14 matters, 全程网办 42.88: 6/14 = 42.857 % prints 42.86, 7/14 = 50.
    solution = solve(14, wanted(85.78, 0.57, 57.14, 42.88), shows)
    assert set(solution.problems) == {FULL_ONLINE}
    assert "42.86" in solution.problems[FULL_ONLINE] and "6/14" in solution.problems[FULL_ONLINE]
    assert printed_row(solution.matters) == {
        COMPRESSION: "85.78",
        VISITS: "0.57",
        INSTANT: "57.14",
        FULL_ONLINE: "42.86",
    }


def test_a_third_of_four_matters_cannot_be_instant():
    # 区人防办: 4 matters, 即办件占比 33.33: k/4 is 0, 25, 50, 75 or 100.
    solution = solve(4, wanted(81.25, 0.0, 33.33, 100), shows)
    assert set(solution.problems) == {INSTANT}
    assert printed_row(solution.matters)[INSTANT] == "25"


def test_instant_matters_promise_no_days_when_the_sums_allow_it():
    solution = solve(10, wanted(95, 0.0, 90, 100), shows)
    assert solution.problems == {}
    instant = [m for m in solution.matters if m.is_instant]
    assert len(instant) == 9 and all(m.promised_limit_days == 0 for m in instant)


def test_the_solver_is_deterministic():
    assert solve(95, wanted(85.22, 0.08, 57.89, 91.58), shows) == solve(
        95, wanted(85.22, 0.08, 57.89, 91.58), shows
    )


def test_no_matters_cannot_print_a_value():
    solution = solve(0, wanted(90, 0.0, None, None), shows)
    assert solution.matters == []
    assert set(solution.problems) == {COMPRESSION, VISITS}


@pytest.mark.parametrize(
    ("column", "value", "text"),
    [
        (TableColumn(header="x_pct", unit="pct", whole_without_decimals=True), 0.625, "62.50"),
        (TableColumn(header="x_pct", unit="pct", whole_without_decimals=True), 0.75, "75"),
        (TableColumn(header="x_pct", unit="pct", whole_without_decimals=True), 6 / 14, "42.86"),
        (TableColumn(header="x_pct", unit="pct"), 1.0, "100.00"),
        (TableColumn(header="x"), 0.0, "0.00"),
        (TableColumn(header="n", unit="count", decimals=0), 165, "165"),
        (TableColumn(header="x"), None, ""),
    ],
)
def test_cells_print_as_the_table_prints_them(column, value, text):
    assert cell_text(column, value) == text


def test_every_printed_department_row_is_reproduced_or_named(tmp_path):
    """The whole 江北 departments table: the cells named are exactly those no whole count reaches."""
    table = read_target_table(PUBLISHED / "jiangbei2021_annex2_depts_4ind.csv", load_profile("chongqing"))
    assert [r.printed_name for r in table.rows][:2] == ["区交通局", "区市场监管局"]
    named = set()
    for row in table.rows:
        solution = solve(row.matters, row.wanted, table.shows)
        named |= {(row.printed_name, table.header_of(code)) for code in solution.problems}
        got = computed(solution.matters)
        for code, value in row.wanted.items():
            if code not in solution.problems:
                assert table.shows(code, got[code]) == value, (row.printed_name, code)
    assert ("区人力社保局", "全程网办占比_pct") in named
    assert ("区人防办", "即办件占比_pct") in named
    assert all(header.endswith("_pct") and "时限" not in header for _, header in named)


def test_a_name_the_profile_does_not_know_is_refused_naming_the_row(tmp_path):
    path = tmp_path / "depts.csv"
    path.write_text(
        "序号,部门名称,事项数,承诺时限压缩比_pct,平均到现场次数,即办件占比_pct,全程网办占比_pct\n"
        "1,区交通局,1,90,0.00,0,100\n"
        "2,区宣传部,1,90,0.00,0,100\n",
        encoding="utf-8",
    )
    with pytest.raises(CalibrationError, match=r"depts.csv, row 3: '区宣传部' is not a 部门"):
        read_target_table(path, load_profile("chongqing"))


def test_a_street_printed_in_the_departments_table_is_refused(tmp_path):
    path = tmp_path / "depts.csv"
    path.write_text(
        "序号,部门名称,事项数,承诺时限压缩比_pct,平均到现场次数,即办件占比_pct,全程网办占比_pct\n"
        "1,石马河街道,1,90,0.00,0,100\n",
        encoding="utf-8",
    )
    with pytest.raises(CalibrationError, match="石马河街道"):
        read_target_table(path, load_profile("chongqing"))


def test_a_calibrated_month_changes_only_the_tables_organisations_licence_matters(monkeypatch):
    """The month is the generated one; the departments' generated 行政许可 matters become 行政确认 under
    the same codes (their cases stay valid) and the calibrated ones are added."""
    import datetime as dt

    import polars as pl

    from dagster_project.sample.calibrate import RETYPED_AS, calibrate_target_table
    from dagster_project.sample.writer import month_frames

    monkeypatch.setenv("YWTB_PROFILE", "chongqing")
    profile = load_profile("chongqing")
    june = dt.date(2021, 6, 1)
    result, frames = calibrate_target_table(
        PUBLISHED / "jiangbei2021_annex2_depts_4ind.csv", june, profile, 0.001, 19
    )
    generated = month_frames(june, 0.001, 19)
    depts = {o.org_code for o in profile.organisations if o.org_level == "county_dept"}
    assert result.matters == 729  # the printed 事项数 of the 28 departments
    assert result.unreproducible() == {("区人力社保局", "全程网办占比_pct"), ("区人防办", "即办件占比_pct")}
    for name in generated:
        if name != "matters":
            assert frames[name].equals(generated[name]), name
    before, after = generated["matters"], frames["matters"]
    kept = after.filter(pl.col("matter_code").is_in(before["matter_code"].implode()))
    assert kept.drop("matter_type").equals(before.drop("matter_type"))
    changed = before.join(kept, on="matter_code").filter(pl.col("matter_type") != pl.col("matter_type_right"))
    assert changed.height > 0 and set(changed["dept_code"]) <= depts
    assert set(changed["matter_type"]) == {"行政许可"} and set(changed["matter_type_right"]) == {RETYPED_AS}
    licences = after.filter(pl.col("matter_type") == "行政许可", pl.col("dept_code").is_in(sorted(depts)))
    assert licences.height == 729 and licences["matter_code"].str.contains("L").all()


def test_a_table_is_exported_with_the_profiles_rows_in_order_and_printed_names():
    import datetime as dt

    import polars as pl

    from dagster_project.defs.publish.four_indicators import published_target_tables, table_sheet
    from dagster_project.scoring.target_tables import layout

    profile, rubric = load_profile("chongqing"), load_rubric("chongqing-2021")
    table = rubric.tables["districts_4ind"]
    # 石柱土家族自治县 (500240) prints as 石柱县; 江北区's department is not a row of the district table.
    values = pl.DataFrame(
        {
            "org_code": ["500240", "500240", "500240", "500105101", "500101"],
            "indicator_code": [
                "licence_matters",
                "licence_time_limit_compression_rate",
                "licence_instant_share",
                "licence_matters",
                "licence_matters",
            ],
            "value": [8.0, 0.625, 0.75, 3.0, 0.0],
        }
    )
    sheet = table_sheet(profile, rubric, "districts_4ind", table, values, dt.date(2021, 6, 1))
    assert [c.header for c in sheet.columns] == layout(table)
    assert layout(table) == [
        "序号",
        "区划",
        "事项数",
        "承诺时限压缩比_pct",
        "平均到现场次数",
        "即办件占比_pct",
        "全程网办占比_pct",
    ]
    assert [r[1] for r in sheet.rows] == [r.printed_name for r in profile.table_rows("districts_4ind")]
    assert len(sheet.rows) == 42 and sheet.rows[0][:3] == [1, "万州区", "0"]
    shizhu = next(r for r in sheet.rows if r[1] == "石柱县")
    assert shizhu[2:] == ["8", "62.50", "", "75", ""]
    assert set(published_target_tables(profile)) == {"depts_4ind", "streets_4ind", "districts_4ind"}
    assert published_target_tables(load_profile("dazhou")) == {}


def test_a_table_the_profile_has_no_layout_for_is_refused_naming_the_known_tables(
    tmp_path, capsys, monkeypatch
):
    from dagster_project.cli import main

    monkeypatch.setenv("YWTB_PROFILE", "dazhou")  # --profile sets it for the process
    depts = PUBLISHED / "jiangbei2021_annex2_depts_4ind.csv"
    args = ["sample", "--calibrate-to", str(depts), "--month", "2021-06", "--out", str(tmp_path)]
    assert main(args) == 2  # 达州 has no target tables
    assert "profile dazhou's targets (none)" in capsys.readouterr().err
    annex = PUBLISHED / "dazhou2021_annex4_city_matters.csv"
    args = ["sample", "--profile", "chongqing", "--calibrate-to", str(annex), "--month", "2021-06"]
    assert main([*args, "--out", str(tmp_path)]) == 2
    assert "depts_4ind, streets_4ind, districts_4ind" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_a_compression_above_100_is_named_not_searched_for():
    solution = solve(2, wanted(100.5, 0.0, 50, 100), shows)
    assert set(solution.problems) == {COMPRESSION}
    assert printed_row(solution.matters)[COMPRESSION] == "100"


def test_an_empty_share_of_an_organisation_with_matters_is_named():
    solution = solve(3, wanted(90, 0.0, None, 100), shows)
    assert set(solution.problems) == {INSTANT} and "printed empty" in solution.problems[INSTANT]


def test_a_table_is_read_as_ywtb_score_reads_it_gb18030_and_dashes(tmp_path):
    text = (PUBLISHED / "jiangbei2021_annex2_streets_4ind.csv").read_text(encoding="utf-8")
    path = tmp_path / "streets.csv"
    path.write_bytes(
        text.replace("1,石马河街道,1,90,0.00,0,100", "1,石马河街道,1,90,—,0,100").encode("gb18030")
    )
    table = read_target_table(path, load_profile("chongqing"))
    assert [r.printed_name for r in table.rows][:2] == ["石马河街道", "大石坝街道"]
    assert table.rows[0].wanted == {COMPRESSION: 90, VISITS: None, INSTANT: 0, FULL_ONLINE: 100}
    assert table.rows[1].wanted == {COMPRESSION: 87.5, VISITS: 0, INSTANT: 50, FULL_ONLINE: 100}
