"""A target table as an office receives it, checked against the 重庆 2021 targets: the published tables
with hand-checked verdicts, a 42-district table with values on and just off each line, and bad tables
that are refused naming the file, the row and the column."""

import csv
from pathlib import Path

import pytest

from dagster_project.cli import main
from dagster_project.scoring.printed_annexes import TableError
from dagster_project.scoring.target_tables import check_table, choose_table
from schemas.profile import load_profile
from schemas.rubric import RUBRICS_DIR, load_rubric

PUBLISHED = Path(__file__).resolve().parents[1] / "fixtures" / "published"
DEPTS = PUBLISHED / "jiangbei2021_annex2_depts_4ind.csv"
STREETS = PUBLISHED / "jiangbei2021_annex2_streets_4ind.csv"
CLAIM = PUBLISHED / "chongqing2021_districts_supervision_claim.csv"
INSPECTION = PUBLISHED / "chongqing2021_districts_inspection_list.csv"
DISTRICTS_HEADER = PUBLISHED / "headers" / "chongqing2021_districts_4ind.csv"


@pytest.fixture(scope="module")
def chongqing():
    return load_profile("chongqing")


@pytest.fixture(scope="module")
def targets(chongqing):
    return load_rubric(chongqing.targets)


def by_name(result) -> dict[str, dict[str, str]]:
    return {row[result.table.name]: row for row in result.rows}


def outcome(result, label: str):
    return next(o for o in result.outcomes if o.target.label == label)


# ------------------------------------------------------------------------------ the published tables


def test_supervision_claim_no_district_reaches_70_percent(targets, chongqing):
    result = check_table(targets, "districts_supervision_claim", CLAIM, chongqing)
    assert result.header == [
        "序号",
        "区划",
        "已领取",
        "应领取",
        "领取比例_pct",
        "监管事项认领率_达标",
        "全部达标",
    ]
    rows = by_name(result)
    assert rows["万州区"]["领取比例_pct"] == "48.37"
    assert rows["万州区"]["监管事项认领率_达标"] == "否"
    assert rows["城口县"]["监管事项认领率_达标"] == "否"  # 59.83, the highest
    claim = outcome(result, "监管事项认领率")
    assert (len(claim.met), len(claim.missed)) == (0, 42)
    assert result.all_met() == (0, 42)
    # 石柱县 … 彭水县 are printed short: the profile's aliases know them
    assert (result.unknown_names, result.outside_group, result.absent_names) == ([], [], [])


def test_inspection_list_35_of_42_districts_reach_90_percent(targets, chongqing):
    result = check_table(targets, "districts_inspection_list", INSPECTION, chongqing)
    rows = by_name(result)
    assert rows["黔江区"]["行政检查实施清单编制率_达标"] == "是"  # 97.64
    assert rows["万州区"]["行政检查实施清单编制率_达标"] == "否"  # 81.95
    assert rows["万盛经开区"]["行政检查实施清单编制率_达标"] == "是"  # 90.02
    assert rows["九龙坡区"]["行政检查实施清单编制率_达标"] == "是"  # 100.0
    inspection = outcome(result, "行政检查实施清单编制率")
    assert dict(inspection.missed) == {
        "万州区": "81.95",
        "潼南区": "78.46",
        "荣昌区": "84.84",
        "城口县": "83.07",
        "云阳县": "76.06",
        "两江新区": "70.62",
        "重庆高新区": "50.28",
    }
    assert result.all_met() == (35, 42)
    # the district-only targets are checked on district tables, and only where the table has the column
    assert [o.target.label for o in result.outcomes] == ["行政检查实施清单编制率"]


def test_jiangbei_departments_19_of_28_meet_all_four(targets, chongqing):
    result = check_table(targets, "depts_4ind", DEPTS, chongqing)
    rows = by_name(result)
    police = rows["区公安分局"]
    assert (police["全程网办占比_达标"], police["平均到现场次数_达标"]) == ("否", "否")  # 46.51, 0.67
    assert (police["承诺时限压缩比_达标"], police["即办件占比_达标"]) == ("否", "是")  # 76.48, 55.81
    assert rows["区教委"]["即办件占比_达标"] == "是"  # printed "75", a whole percentage
    assert rows["区人防办"]["即办件占比_达标"] == "否"  # 33.33
    assert rows["区烟草专卖局"]["承诺时限压缩比_达标"] == "否"  # 60
    # By hand from the CSV: 区规划自然资源局, 区公安分局, 区城市管理局, 区教委, 区人力社保局,
    # 区新闻出版局, 区税务局, 区人防办 and 区烟草专卖局 each miss at least one target.
    missing_one = {n for n, r in rows.items() if r["全部达标"] == "否"}
    assert missing_one == {
        "区规划自然资源局",
        "区公安分局",
        "区城市管理局",
        "区教委",
        "区人力社保局",
        "区新闻出版局",
        "区税务局",
        "区人防办",
        "区烟草专卖局",
    }
    assert result.all_met() == (19, 28)
    assert [o.target.label for o in result.outcomes] == [
        "承诺时限压缩比",
        "平均到现场次数",
        "即办件占比",
        "全程网办占比",
    ]
    assert result.unknown_names == []


def test_the_table_is_written_back_unchanged_beside_the_verdicts(targets, chongqing):
    result = check_table(targets, "depts_4ind", DEPTS, chongqing)
    with DEPTS.open(encoding="utf-8", newline="") as f:
        received = list(csv.DictReader(f))
    assert [{k: r[k] for k in received[0]} for r in result.rows] == received


def test_jiangbei_streets_on_the_line_meet_the_target(targets, chongqing):
    result = check_table(targets, "streets_4ind", STREETS, chongqing)
    rows = by_name(result)
    assert rows["观音桥街道"]["承诺时限压缩比_pct"] == "80"
    assert rows["观音桥街道"]["承诺时限压缩比_达标"] == "是"
    assert rows["郭家沱街道"]["全程网办占比_pct"] == "80"
    assert rows["郭家沱街道"]["全程网办占比_达标"] == "是"
    assert rows["五宝镇"]["承诺时限压缩比_达标"] == "否"  # 79.38
    assert rows["石马河街道"]["即办件占比_达标"] == "否"  # 0
    assert result.all_met() == (9, 12)


# ------------------------------------------------------------------------------ a 42-district table

GOOD = {
    "事项数": "20",
    "承诺时限压缩比_pct": "90.00",
    "平均到现场次数": "0.10",
    "即办件占比_pct": "50.00",
    "全程网办占比_pct": "90.00",
}
# row -> the cells that differ from GOOD
CHOSEN = {
    1: {"承诺时限压缩比_pct": "80.00"},
    2: {"承诺时限压缩比_pct": "79.99"},
    3: {"平均到现场次数": "0.30"},
    4: {"平均到现场次数": "0.31"},
    5: {"即办件占比_pct": "40.00"},
    6: {"即办件占比_pct": "39.99"},
    7: {"全程网办占比_pct": "80.00"},
    8: {"全程网办占比_pct": "79.99"},
    9: {
        "承诺时限压缩比_pct": "80",
        "平均到现场次数": "0.3",
        "即办件占比_pct": "40",
        "全程网办占比_pct": "80",
    },
    10: {"即办件占比_pct": ""},  # '—': nothing to measure
    11: {"即办件占比_pct": "", "全程网办占比_pct": "12.5"},
}


def districts_table(path: Path, profile, changes=CHOSEN, encoding="utf-8", names=None) -> Path:
    """The 42 districts in the header's layout and the profile's printed order and names."""
    header = DISTRICTS_HEADER.read_text(encoding="utf-8").strip().split(",")
    printed = names or [r.printed_name for r in profile.table_rows("districts_4ind")]
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for n, name in enumerate(printed, start=1):
            writer.writerow({"序号": n, "区划": name} | GOOD | changes.get(n, {}))
    return path


def test_a_value_exactly_on_the_line_meets_the_target_and_one_hundredth_off_does_not(
    targets, chongqing, tmp_path
):
    result = check_table(targets, "districts_4ind", districts_table(tmp_path / "d.csv", chongqing), chongqing)
    rows = result.rows
    verdict = {n: rows[n - 1] for n in CHOSEN}
    assert verdict[1]["承诺时限压缩比_达标"] == "是"
    assert verdict[2]["承诺时限压缩比_达标"] == "否"
    assert verdict[3]["平均到现场次数_达标"] == "是"
    assert verdict[4]["平均到现场次数_达标"] == "否"
    assert verdict[5]["即办件占比_达标"] == "是"
    assert verdict[6]["即办件占比_达标"] == "否"
    assert verdict[7]["全程网办占比_达标"] == "是"
    assert verdict[8]["全程网办占比_达标"] == "否"
    assert [
        verdict[9][f"{t}_达标"] for t in ("承诺时限压缩比", "平均到现场次数", "即办件占比", "全程网办占比")
    ] == ["是"] * 4
    assert [verdict[n]["全部达标"] for n in range(1, 10)] == [
        "是",
        "否",
        "是",
        "否",
        "是",
        "否",
        "是",
        "否",
        "是",
    ]
    # a '—' is neither met nor missed: 全部达标 cannot say 是, and says 否 only for a target missed
    assert (verdict[10]["即办件占比_达标"], verdict[10]["全部达标"]) == ("", "")
    assert verdict[11]["全部达标"] == "否"
    instant = outcome(result, "即办件占比")
    assert (len(instant.met), len(instant.missed), len(instant.unmeasured)) == (39, 1, 2)
    assert result.all_met() == (36, 42)  # rows 2, 4, 6, 8 and 11 miss one, row 10 is not judged
    # 监管事项认领率 and 行政检查实施清单编制率 apply to districts but are not columns of this table
    assert len(result.outcomes) == 4


def test_the_district_only_targets_on_the_line(targets, chongqing, tmp_path):
    # 70.00 / 100 is not the float 0.7 read as a decimal: the check compares exact decimals
    claim = write(
        tmp_path / "c.csv",
        "序号,区划,已领取,应领取,领取比例_pct\n1,万州区,70,100,70.00\n2,黔江区,6999,10000,69.99\n",
    )
    rows = check_table(targets, "districts_supervision_claim", claim, chongqing).rows
    assert [r["监管事项认领率_达标"] for r in rows] == ["是", "否"]
    listed = write(
        tmp_path / "i.csv",
        "序号,区划,实施清单应编制数,实施清单已编制数,完成率_pct\n1,万州区,10,9,90.00\n2,黔江区,10000,8999,89.99\n",
    )
    rows = check_table(targets, "districts_inspection_list", listed, chongqing).rows
    assert [r["行政检查实施清单编制率_达标"] for r in rows] == ["是", "否"]


def test_a_gb18030_table_reads_as_its_utf8_copy(targets, chongqing, tmp_path):
    utf8 = districts_table(tmp_path / "u.csv", chongqing)
    gb = districts_table(tmp_path / "g.csv", chongqing, encoding="gb18030")
    assert gb.read_bytes() != utf8.read_bytes()
    assert (
        check_table(targets, "districts_4ind", gb, chongqing).rows
        == check_table(targets, "districts_4ind", utf8, chongqing).rows
    )


def test_names_outside_the_profile_are_reported_not_refused(targets, chongqing, tmp_path):
    names = [r.printed_name for r in chongqing.table_rows("districts_4ind")]
    names[0] = "万州新区"  # not an organisation of the profile
    names[1] = "区公安分局"  # a 江北 department in the districts' table
    result = check_table(
        targets, "districts_4ind", districts_table(tmp_path / "d.csv", chongqing, names=names), chongqing
    )
    assert result.unknown_names == ["万州新区"]
    assert result.outside_group == ["区公安分局"]
    assert result.absent_names == ["万州区", "黔江区"]
    lines = result.summary("chongqing")
    assert "not organisations of profile chongqing: 万州新区" in lines
    assert "the profile lists these rows, the table lacks them: 万州区, 黔江区" in lines


def test_the_targets_are_read_from_the_rubric(chongqing, tmp_path):
    # the same table against a rubric whose 全程网办占比 target is 40 %: 区公安分局's 46.51 meets it
    text = (RUBRICS_DIR / "chongqing-2021.yaml").read_text(encoding="utf-8")
    lowered = text.replace(
        "input: full_online_rate, at_least: 0.80", "input: full_online_rate, at_least: 0.40"
    )
    assert lowered != text
    (tmp_path / "lowered.yaml").write_text(lowered, encoding="utf-8")
    result = check_table(load_rubric(tmp_path / "lowered.yaml"), "depts_4ind", DEPTS, chongqing)
    assert by_name(result)["区公安分局"]["全程网办占比_达标"] == "是"
    assert "全程网办占比 ≥ 40 %: 28 of 28 met" in result.summary("chongqing")


# ------------------------------------------------------------------------------ bad tables FAIL


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_missing_column_is_refused_naming_it(targets, chongqing, tmp_path):
    text = DEPTS.read_text(encoding="utf-8")
    lines = [",".join(line.split(",")[:-1]) for line in text.splitlines()]  # drop 全程网办占比_pct
    with pytest.raises(
        TableError, match=r"d\.csv, row 1: not the layout of depts_4ind .*missing column 全程网办占比_pct"
    ):
        check_table(targets, "depts_4ind", write(tmp_path / "d.csv", "\n".join(lines)), chongqing)


def test_an_unknown_column_is_refused_naming_it(targets, chongqing, tmp_path):
    text = DEPTS.read_text(encoding="utf-8").replace("即办件占比_pct", "即办率_pct", 1)
    with pytest.raises(TableError, match="missing column 即办件占比_pct; unknown column 即办率_pct"):
        check_table(targets, "depts_4ind", write(tmp_path / "d.csv", text), chongqing)


def test_another_tables_layout_is_refused(targets, chongqing):
    with pytest.raises(TableError, match="not the layout of districts_4ind"):
        check_table(targets, "districts_4ind", CLAIM, chongqing)


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("abc", "'abc' is not a number"),
        ("NaN", "'NaN' is not a finite number"),
        ("inf", "'inf' is not a finite number"),
        ("-Infinity", "'-Infinity' is not a finite number"),
    ],
)
def test_a_cell_that_is_no_finite_number_is_refused_naming_row_and_column(
    targets, chongqing, tmp_path, cell, problem
):
    text = DEPTS.read_text(encoding="utf-8").replace(
        "6,区公安分局,43,76.48,0.67,", f"6,区公安分局,43,76.48,{cell},"
    )
    path = write(tmp_path / "d.csv", text)
    with pytest.raises(TableError, match=rf"d\.csv, row 7, column 平均到现场次数: {problem}"):
        check_table(targets, "depts_4ind", path, chongqing)


def test_a_count_with_decimals_is_refused(targets, chongqing, tmp_path):
    text = DEPTS.read_text(encoding="utf-8").replace("1,区交通局,165,", "1,区交通局,165.5,")
    with pytest.raises(TableError, match=r"row 2, column 事项数: '165.5' is not a whole number"):
        check_table(targets, "depts_4ind", write(tmp_path / "d.csv", text), chongqing)


def test_an_empty_file_and_a_header_alone_are_refused(targets, chongqing, tmp_path):
    with pytest.raises(TableError, match=r"e\.csv: the file is empty; expected the header 序号,区划,事项数"):
        check_table(targets, "districts_4ind", write(tmp_path / "e.csv", ""), chongqing)
    with pytest.raises(TableError, match="only the header, no rows"):
        check_table(targets, "districts_4ind", DISTRICTS_HEADER, chongqing)


def test_a_row_with_too_few_cells_or_listed_twice_is_refused(targets, chongqing, tmp_path):
    text = DEPTS.read_text(encoding="utf-8")
    short = text.replace("3,区农业农村委,70,86.04,0.01,45.71,98.57", "3,区农业农村委,70,86.04")
    with pytest.raises(TableError, match="row 4: 4 cells for the 7 columns of the header"):
        check_table(targets, "depts_4ind", write(tmp_path / "s.csv", short), chongqing)
    twice = text.replace("3,区农业农村委,", "3,区交通局,")
    with pytest.raises(TableError, match="row 4, column 部门名称: 区交通局 is listed again .first in row 2."):
        check_table(targets, "depts_4ind", write(tmp_path / "t.csv", twice), chongqing)


def test_an_unknown_table_lists_the_annexes_and_the_target_tables():
    with pytest.raises(TableError) as e:
        choose_table("annex1", ["chongqing-2021"])
    assert str(e.value) == (
        "rubric chongqing-2021 has no annex1; it has annexes (none) and target tables depts_4ind, "
        "streets_4ind, districts_4ind, districts_supervision_claim, districts_inspection_list"
    )
    assert choose_table("districts_4ind", ["dazhou-2021", "chongqing-2021"]).kind == "targets"
    assert choose_table("annex4", ["dazhou-2021", "chongqing-2021"]).kind == "annex"


# ------------------------------------------------------------------------------ ywtb score


@pytest.fixture
def profile_env(monkeypatch):
    # main() sets YWTB_PROFILE from --profile: monkeypatch restores it after the test
    monkeypatch.setenv("YWTB_PROFILE", "dazhou")
    monkeypatch.delenv("YWTB_RUBRIC", raising=False)


def test_ywtb_score_checks_a_received_table(profile_env, tmp_path, capsys):
    out = tmp_path / "checked.csv"
    args = ["score", "--profile", "chongqing", "--table", "districts_inspection_list"]
    assert main([*args, "--input", str(INSPECTION), "--output", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith(
        "行政检查实施清单编制率 ≥ 90 %: 35 of 42 met; missed by 万州区 (81.95), 潼南区 (78.46)"
    )
    assert "全部达标: 35 of 42 meet every checked target" in printed
    assert printed[-1] == f"wrote {out}"
    rows = {r["区划"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert (
        rows["黔江区"]["完成率_pct"],
        rows["黔江区"]["行政检查实施清单编制率_达标"],
        rows["黔江区"]["全部达标"],
    ) == (
        "97.64",
        "是",
        "是",
    )


def test_ywtb_score_refuses_a_bad_cell_in_one_line_without_a_trace(profile_env, tmp_path, capsys):
    bad = write(tmp_path / "bad.csv", DEPTS.read_text(encoding="utf-8").replace(",46.51", ",n/a"))
    code = main(["score", "--profile", "chongqing", "--table", "depts_4ind", "--input", str(bad)])
    err = capsys.readouterr().err
    assert code == 2
    assert err == f"ywtb score: {bad}, row 7, column 全程网办占比_pct: 'n/a' is not a number\n"
    assert not (tmp_path / "bad_checked.csv").exists()


def test_ywtb_score_lists_what_a_profile_has_for_an_unknown_table(profile_env, capsys):
    assert main(["score", "--profile", "chongqing", "--table", "annex1", "--input", str(DEPTS)]) == 2
    err = capsys.readouterr().err
    assert (
        "profile chongqing: rubric chongqing-2021 has no annex1; it has annexes (none) and target tables depts_4ind"
        in err
    )
    # the wrong profile: 达州's rubric has the annexes and no target table
    assert main(["score", "--profile", "dazhou", "--table", "districts_4ind", "--input", str(DEPTS)]) == 2
    err = capsys.readouterr().err
    assert "rubric dazhou-2021 has no districts_4ind; it has annexes annex1, annex2" in err
    assert "target tables (none)" in err
    assert main(["score", "--profile", "shanghai", "--table", "districts_4ind", "--input", str(DEPTS)]) == 2
    assert "no profile 'shanghai'" in capsys.readouterr().err


def test_ywtb_score_still_rescores_an_annex_with_the_profiles_rubric(profile_env, tmp_path, capsys):
    annex4 = PUBLISHED / "dazhou2021_annex4_city_matters.csv"
    assert (
        main(["score", "--table", "annex4", "--input", str(annex4), "--output", str(tmp_path / "a.csv")]) == 0
    )
    assert "39/39 rows reproduced" in capsys.readouterr().out
