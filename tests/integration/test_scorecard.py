"""The scored tables and annexes built from the warehouse: their contracts, their published column
sets, the workbook's layout, and that re-scoring the exported tables gives back their scores."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import fastexcel
import pandera.errors
import polars as pl
import pytest

from dagster_project.defs.publish.scored_tables import build_month, read_month
from dagster_project.scoring.printed_annexes import rescore_table
from schemas.rubric import load_rubric

pytestmark = pytest.mark.integration
PUBLISHED = Path(__file__).resolve().parents[1] / "fixtures" / "published"
HEADERS = {
    "annex1": PUBLISHED / "dazhou2021_annex1_city_groupA.csv",
    "annex2": PUBLISHED / "headers" / "dazhou2021_annex2_city_groupB.csv",
    "annex3": PUBLISHED / "headers" / "dazhou2021_annex3_county_summary.csv",
    "annex4": PUBLISHED / "dazhou2021_annex4_city_matters.csv",
    "annex5": PUBLISHED / "dazhou2021_annex5_city_datashare.csv",
    "annex6": PUBLISHED / "dazhou2021_annex6_county_matters.csv",
    "annex7": PUBLISHED / "headers" / "dazhou2021_annex7_county_datashare.csv",
    "annex8": PUBLISHED / "headers" / "dazhou2021_annex8_county_engineering.csv",
}
JUNE = dt.date(2021, 6, 1)


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as f:
        return next(csv.reader(f))


@pytest.fixture(scope="module")
def exports(built) -> Path:
    return built[1].parent / "out" / "2021-06"


@pytest.fixture(scope="module")
def june_tables(built) -> dict[str, pl.DataFrame]:
    with duckdb.connect(built[1], read_only=True) as con:
        return build_month(load_rubric("dazhou-2021"), JUNE, read_month(con, JUNE))


def test_each_annex_lists_every_organisation_of_its_groups_once(built):
    with duckdb.connect(built[1], read_only=True) as con:
        rows = {
            f"annex{n}": con.execute(
                f"select count(*) from scorecard.annex{n} where month = '2021-06-01'"
            ).fetchone()[0]
            for n in range(1, 9)
        }
    assert rows == {
        "annex1": 23,
        "annex2": 16,
        "annex3": 8,
        "annex4": 39,
        "annex5": 39,
        "annex6": 8,
        "annex7": 8,
        "annex8": 8,
    }


def test_exports_have_exactly_the_published_column_sets(exports):
    for name, published in HEADERS.items():
        assert header(exports / f"{name}.csv") == header(published), name


def test_exported_annexes_rescore_to_their_own_printed_scores(exports):
    """Re-scoring reads the printed (rounded) inputs back, so a score may move by the rounding of its
    inputs: 人均主动评价数 printed 0.00 is worth up to 0.03 points. Nothing else differs."""
    rubric = load_rubric("dazhou-2021")
    joined = {
        "annex1": {"annex5": exports / "annex5.csv"},
        "annex2": {"annex5": exports / "annex5.csv"},
        "annex3": {"annex7": exports / "annex7.csv", "annex8": exports / "annex8.csv"},
    }
    for name in HEADERS:
        result = rescore_table(rubric, name, exports / f"{name}.csv", joined.get(name))
        assert result.given == [], name
        score = rubric.annexes[name].sort_column.header
        residuals = [abs(float(r[f"{score}_residual"])) for r in result.rows]
        assert len(residuals) == len(result.rows) > 0
        assert max(residuals) <= 0.05, (name, max(residuals))


def test_annexes_spell_the_names_their_printed_tables_spell(exports, built):
    """附件1 prints 市文化旅游局 where 附件4 prints 市文化体育和旅游局; 附件4 prints 达州市退役军人事务局,
    附件6 高新区: the profile's aliases say which table prints which (printed_in), in the export and the
    warehouse alike, while the other annexes keep the reference name."""

    def names(annex: str) -> set[str]:
        with (exports / f"{annex}.csv").open(encoding="utf-8") as f:
            return {row[1] for row in list(csv.reader(f))[1:]}

    assert "市文化旅游局" in names("annex1") and "市文化体育和旅游局" not in names("annex1")
    assert {"市文化体育和旅游局", "达州市退役军人事务局"} <= names("annex4")
    assert "市退役军人事务局" not in names("annex4")
    assert "市退役军人事务局" in names("annex5")
    assert "高新区" in names("annex6") and "达州高新区" not in names("annex6")
    with duckdb.connect(built[1], read_only=True) as con:
        printed = con.execute(
            "select org_name from scorecard.annex1 where month = '2021-06-01' and org_code = '511700021'"
        ).fetchone()
    assert printed == ("市文化旅游局",)


def test_every_category_is_the_sum_of_its_items_and_every_loss_has_a_reason(june_tables):
    items, orgs = june_tables["item_scores"], june_tables["org_scores"]
    sums = items.group_by("org_code", "category").agg(pl.col("points").sum())
    long = orgs.unpivot(
        index="org_code",
        on=[
            c
            for c in orgs.columns
            if c.endswith("_points") and c not in ("deduction_points", "total_points", "max_points")
        ],
    ).drop_nulls("value")
    joined = long.with_columns(category=pl.col("variable").str.strip_suffix("_points")).join(
        sums, on=["org_code", "category"]
    )
    assert joined.height == long.height
    assert (joined["value"] - joined["points"]).abs().max() < 1e-9
    lost = items.filter(pl.col("points_lost") > 0)
    assert lost.height > 0 and lost["reason"].str.len_chars().min() > 0


def test_a_table_breaking_its_contract_fails(june_tables, built):
    """Protection check: a corrupted annex or score table does not pass its contract."""
    from dagster_project.scoring import month_scores
    from dagster_project.scoring.printed_annexes import max_points
    from schemas.marts import scorecard as contracts

    rubric = load_rubric("dazhou-2021")
    annex4 = contracts.annex(rubric, "annex4", rubric.annexes["annex4"], month_scores.field_name, max_points)
    good = june_tables["annex4"]
    annex4.validate(good)
    breaks = {
        "a score above the maximum": good.with_columns(matters_points=pl.lit(32.5)),
        "rows out of score order": good.reverse().with_columns(
            rank=pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
        ),
        "an organisation twice": pl.concat([good, good.head(1)]),
        "序号 with a gap": good.with_columns(rank=pl.col("rank") * 2),
    }
    for what, bad in breaks.items():
        with pytest.raises(pandera.errors.SchemaError):
            annex4.validate(bad)
            pytest.fail(what)
    items = june_tables["item_scores"]
    with pytest.raises(pandera.errors.SchemaError):
        contracts.item_scores.validate(items.with_columns(points=pl.col("full_points") + 1))
    orgs = june_tables["org_scores"]
    with pytest.raises(pandera.errors.SchemaError):
        contracts.org_scores(rubric).validate(orgs.with_columns(total_points=pl.col("total_points") + 0.5))
    with pytest.raises(pandera.errors.SchemaError):
        contracts.org_scores(rubric).validate(orgs.with_columns(group_rank=pl.lit(1, dtype=pl.Int64)))


def test_the_workbook_has_the_printed_layout(exports):
    book = fastexcel.read_excel(exports / "annexes.xlsx")
    assert book.sheet_names == [f"附件{n}" for n in range(1, 9)]
    annex4 = book.load_sheet("附件4", header_row=None).to_polars()
    cells = annex4.rows()
    assert cells[0][0] == "附件4 市级部门事项梳理进度表（2021年1月1日至6月30日）"
    # a two-level header: 办事指南异常数 over 准确类 / 便利类 / 错敏类
    assert cells[1][:3] == ("序号", "部门", "依申请事项数")
    assert cells[1][6] == "办事指南异常数" and cells[2][6:9] == ("准确类", "便利类", "错敏类")
    body = cells[3:]
    assert [int(float(r[0])) for r in body] == list(range(1, 40))
    scores = [float(r[-1]) for r in body]
    assert scores == sorted(scores, reverse=True)
    annex1 = book.load_sheet("附件1", header_row=None).to_polars().rows()
    assert annex1[1][2] == "事项梳理（32分）"  # the category row above the headers
    assert annex1[2][3] == "机构配置准确率"  # the header without the CSV's _pct
    assert any(cell == "—" for row in annex1[3:] for cell in row)  # not applicable, never 0


def test_item_scores_explain_each_point_lost_with_the_value_for_full_marks(june_tables):
    items = june_tables["item_scores"]
    proportional = items.filter(pl.col("item") == "instant_matters", pl.col("points_lost") > 0)
    for row in proportional.iter_rows(named=True):
        assert row["full_marks_at"] == 0.51
        assert row["points"] == pytest.approx(
            3 * row["value"] / 0.51 if row["scoring_group"] != "county" else 2 * row["value"] / 0.51
        )


OPS_HEADERS = {
    "ops_city": PUBLISHED / "dazhou2021_06_ops_city.csv",
    "ops_county": PUBLISHED / "headers" / "dazhou2021_06_ops_county.csv",
}


def test_operations_tables_have_exactly_the_published_column_sets(exports):
    for name, published in OPS_HEADERS.items():
        assert header(exports / f"{name}.csv") == header(published), name


def test_the_city_operations_table_prints_the_published_rows_names_and_order(exports):
    # the sample has cases for every department, 市新闻出版局 too: the printed table does not list it
    printed = list(csv.DictReader(OPS_HEADERS["ops_city"].open(encoding="utf-8")))
    ours = list(csv.DictReader((exports / "ops_city.csv").open(encoding="utf-8")))
    assert [(r["序号"], r["部门"]) for r in ours] == [(r["序号"], r["部门"]) for r in printed]
    assert len(ours) == 41 and ours[5]["部门"] == "市税务局" and ours[35]["部门"] == "达州市国家安全局"


def test_operations_table_prints_the_months_counts_and_zero_for_nothing_to_measure(exports, built):
    with duckdb.connect(built[1], read_only=True) as con:
        finished = dict(
            con.execute(
                """select o.org_name, v.value::bigint from indicators.ind_indicator_values v
                   join reference.ref_organisations o using (org_code)
                   where v.month = '2021-06-01' and v.period_window = 'month'
                     and v.indicator_code = 'finished_cases' and o.org_level = 'county'"""
            ).fetchall()
        )
    rows = list(csv.DictReader((exports / "ops_county.csv").open(encoding="utf-8")))
    assert {r["地区"]: int(r["办件情况_办结"]) for r in rows} == finished
    city = list(csv.DictReader((exports / "ops_city.csv").open(encoding="utf-8")))
    none_promised = [r for r in city if r["承诺件办件情况_办结"] == "0"]
    assert all(r["承诺件办件效率_提前办结_pct"] == "0.00" for r in none_promised)


def test_operations_contract_fails_when_a_part_exceeds_its_whole(built):
    from dagster_project.defs.publish.ops_tables import read_ops
    from schemas.marts.ops import ops_case_flow

    with duckdb.connect(built[1], read_only=True) as con:
        frame = read_ops(con, JUNE).drop("org_name")
    ops_case_flow.validate(frame)
    with pytest.raises(pandera.errors.SchemaError, match="online_finished_cases_within_finished_cases"):
        ops_case_flow.validate(frame.with_columns(online_finished_cases=pl.col("finished_cases") + 1))


def test_completeness_reconciles_with_what_was_ingested(built):
    with duckdb.connect(built[1], read_only=True) as con:
        by_org = dict(
            con.execute(
                """select extract, sum(rows_loaded + rows_quarantined) from completeness.extracts_by_org
                   where month = '2021-06-01' group by all"""
            ).fetchall()
        )
        ingested = dict(
            con.execute(
                "select extract, rows_read from audit.ingest_log where month = '2021-06-01'"
            ).fetchall()
        )
    assert by_org == {extract: n for extract, n in ingested.items() if extract != "spot_checks"}


def test_each_organisation_gets_a_feedback_form_with_its_own_ledger_rows_and_matters(built, exports):
    with duckdb.connect(built[1], read_only=True) as con:
        matters = con.sql(
            """select o.org_name, m.matter_code from completeness.matters_without_cases m
               join reference.ref_organisations o on o.org_code = m.dept_code where m.month = '2021-06-01'"""
        ).pl()
        ledger = con.sql(
            """select o.org_name, l.item_label from scorecard.rectification_ledger l
               join reference.ref_organisations o using (org_code) where l.month = '2021-06-01'"""
        ).pl()
        used = con.execute(
            """select count(*) from completeness.matters_without_cases m
               join marts.fct_case_states c using (matter_code) where m.month = '2021-06-01'"""
        ).fetchall()[0][0]
    assert matters.height and ledger.height and used == 0
    forms = {p.stem: p for p in (exports / "feedback").glob("*.xlsx")}
    assert set(forms) == set(matters["org_name"]) | set(ledger["org_name"])
    both = sorted(set(matters["org_name"]) & set(ledger["org_name"]))
    assert both
    name = both[0]
    rows = fastexcel.read_excel(forms[name]).load_sheet(0, header_row=None).to_polars().rows()
    cells = [[c for c in row if c not in (None, "")] for row in rows]
    assert cells[1] == ["填报单位", name, "联系人"]  # 联系人, 联系电话, 填报日期 left blank to fill in
    assert cells[2] == ["联系电话", "填报日期"]
    ledger_at = next(i for i, r in enumerate(rows) if r[0] == "序号")
    matters_at = next(i for i, r in enumerate(rows) if i > ledger_at and r[0] == "序号")
    assert rows[ledger_at][-1] == "整改措施及完成情况（请填写）"
    mine = ledger.filter(pl.col("org_name") == name)
    listed = [r[1] for r in rows[ledger_at + 1 : matters_at - 2]]
    assert listed == mine["item_label"].to_list()
    assert [c for c in rows[matters_at] if c] == [
        "序号",
        "事项编码",
        "事项名称",
        "办件量",
        "未产生办件的原因（请填写）",
    ]
    codes = [r[1] for r in rows[matters_at + 1 :]]
    assert sorted(codes) == sorted(matters.filter(pl.col("org_name") == name)["matter_code"])


def test_the_ledger_lists_only_losses_with_the_item_scores_value_for_full_marks_and_closes_fixed_rows(
    built, exports
):
    with duckdb.connect(built[1], read_only=True) as con:
        june = con.sql(
            """select l.*, i.full_marks_at as scored_full_marks_at, i.points_lost as scored_lost
               from scorecard.rectification_ledger l join scorecard.item_scores i using (month, rubric, org_code, item)
               where l.month = '2021-06-01'"""
        ).pl()
        total = con.execute(
            "select count(*) from scorecard.rectification_ledger where month = '2021-06-01'"
        ).fetchall()[0][0]
        may_open = con.sql(
            "select org_code, item, first_month from scorecard.rectification_ledger where month = '2021-05-01'"
        ).pl()
    assert june.height == total > 0
    assert june["points_lost"].min() >= 0.005  # never a row that loses 0.00
    same = june.select(pl.col("full_marks_at").eq_missing(pl.col("scored_full_marks_at")).all()).item()
    assert same
    closed = june.filter(pl.col("status") == "closed")
    assert closed.height > 0 and closed["scored_lost"].max() < 0.005  # fixed in June
    carried = june.filter(pl.col("status") != "new").join(may_open, on=["org_code", "item"], suffix="_may")
    assert carried.height == june.filter(pl.col("status") != "new").height  # every carried row was in May's
    assert (carried["first_month"] == carried["first_month_may"]).all()
    book = (
        fastexcel.read_excel(exports / "问题整改台账.xlsx").load_sheet(0, header_row=None).to_polars().rows()
    )
    assert book[1] == (
        "序号", "组别", "单位", "指标", "当前值", "满分要求", "失分", "首次出现", "状态", "责任单位", "整改时限", "整改情况"
    )  # fmt: skip
    body = book[2:]
    assert len(body) == total
    assert {r[8] for r in body} == {"新增", "未整改", "已销账"}
    groups = [r[1] for r in body]
    assert groups == sorted(groups, key=["市级部门A组", "市级部门B组", "县（市、区）"].index)


def test_ywtb_report_writes_the_month_from_the_published_copy(built, tmp_path):
    from dagster_project.cli import main

    assert (
        main(["report", "--month", "2021-06", "--warehouse", str(built[1]), "--exports", str(tmp_path)]) == 0
    )
    assert (tmp_path / "2021-06" / "report.html").stat().st_size > 10_000
    assert (
        main(["report", "--month", "2020-01", "--warehouse", str(built[1]), "--exports", str(tmp_path)]) == 2
    )


def test_a_profile_without_targets_writes_no_target_table_and_checks_none(exports, built):
    """达州 states no pass/fail targets: no 四个指标 table (those are 重庆's, test_chongqing.py) and no check."""
    assert not list(exports.glob("*4ind*.csv")) and not list(exports.glob("four_indicators*.csv"))
    with duckdb.connect(built[1], read_only=True) as con:
        assert con.execute("select count(*) from scorecard.target_checks").fetchone() == (0,)


def test_no_personal_data_in_the_warehouse_the_published_copy_or_any_export(built):
    """Names, ID numbers and phone numbers of the raw files appear nowhere a reader can look."""
    import re
    import zipfile

    from helpers import personal_values

    raw, wh = built
    secrets = personal_values(raw, ["2021-05", "2021-06"])
    long_ones = {s for s in secrets if len(s) >= 11}  # ID and phone numbers: searched inside any text
    assert len(secrets) > 1000 and long_ones
    numbers = re.compile(r"[0-9Xx]{11,18}")  # ID and phone numbers, wherever they sit in a text
    leaks = []
    for db in (wh, wh.with_name("published.duckdb")):
        with duckdb.connect(db, read_only=True) as con:
            for schema, table, column in con.sql(
                "select table_schema, table_name, column_name from information_schema.columns where data_type = 'VARCHAR'"
            ).fetchall():
                for (value,) in con.sql(f'select distinct "{column}" from {schema}."{table}"').fetchall():
                    if value and (value in secrets or set(numbers.findall(value)) & long_ones):
                        leaks.append((db.name, schema, table, column, value))
    for path in (wh.parent / "out").rglob("*"):
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                text = "".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
        elif path.suffix in (".csv", ".html", ".md"):
            text = path.read_text(encoding="utf-8")
        else:
            continue
        cells = set(re.split(r"[,|\n<>]", text))  # whole cells of CSV, Markdown, HTML and the sheets' XML
        leaks += [(path.name, s) for s in (set(numbers.findall(text)) & long_ones) | (secrets & cells)]
    assert leaks == []


def test_county_evaluations_per_resident_are_a_citys_not_all_zero(built, exports):
    """The sample delivers populations scaled like its volume, and 人均 divides by the delivered one."""
    rows = list(csv.DictReader((exports / "annex3.csv").open(encoding="utf-8")))
    per_capita = [float(r["人均主动评价数"]) for r in rows]
    assert len(per_capita) == 8 and min(per_capita) >= 0.05
    with duckdb.connect(built[1], read_only=True) as con:
        pairs = con.execute(
            """select v.denominator, a.value from indicators.ind_indicator_values v
               join marts.fct_assessed_inputs a
                 on a.org_code = v.org_code and a.month = v.month and a.indicator_code = 'resident_population'
               where v.indicator_code = 'active_evaluations_per_capita' and v.month = '2021-06-01'"""
        ).fetchall()
    assert len(pairs) == 16 and all(float(d) == v for d, v in pairs)  # 8 counties, month and year to date
