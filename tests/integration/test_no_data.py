"""No data is not full marks: on a sample where one department of group A delivers no cases, that
department is not ranked above any department that delivered data, and the annex says why."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import duckdb
import fastexcel
import polars as pl
import pytest

from dagster_project.cli import main
from dagster_project.reference import organisations
from dagster_project.sample import generator as gen

pytestmark = pytest.mark.integration
MONTHS = ["2021-05", "2021-06"]
SEED, SCALE = 11, 0.002


def busiest_of_group_a() -> tuple[str, str]:
    """The group-A department with the most cases: with data it ranks well, so silence must show."""
    ref = organisations().frame.filter(pl.col("city_group") == "A")
    cases = gen.cases_extract(dt.date(2021, 6, 1), SCALE, SEED)
    counts = cases.filter(pl.col("dept_code").is_in(ref["org_code"].to_list()))["dept_code"].value_counts()
    code = counts.sort("count", descending=True)["dept_code"][0]
    return code, ref.filter(pl.col("org_code") == code)["org_name"][0]


@pytest.fixture(scope="module")
def silent_world(tmp_path_factory) -> tuple[str, str, Path]:
    from dagster_project.sample.generator import parse_months
    from dagster_project.sample.writer import write_month

    code, name = busiest_of_group_a()
    raw = tmp_path_factory.mktemp("silent_raw")
    for month in parse_months(",".join(MONTHS)):
        write_month(month, raw, scale=SCALE, seed=SEED, silent={code})
    mp = pytest.MonkeyPatch()
    mp.setenv("YWTB_SALT", "silent-salt")
    mp.delenv("DAGSTER_HOME", raising=False)
    wh = tmp_path_factory.mktemp("silent_wh") / "ywtb.duckdb"
    args = ["run", "--months", ",".join(MONTHS), "--raw", str(raw), "--warehouse", str(wh)]
    assert main([*args, "--exports", str(wh.parent / "out")]) == 0
    yield code, name, wh
    mp.undo()


def test_a_department_without_cases_is_ranked_below_every_department_with_data(silent_world):
    code, name, wh = silent_world
    with duckdb.connect(wh, read_only=True) as con:
        scores = con.sql(
            "select * from scorecard.org_scores where month = '2021-06-01' and scoring_group = 'city_a'"
        ).pl()
        reasons = con.sql(
            "select item, status, points, reason from scorecard.item_scores where month = '2021-06-01' and org_code = ?",
            params=[code],
        ).pl()
    silent = scores.filter(pl.col("org_code") == code).row(0, named=True)
    assert silent["is_ranked"] is False and silent["group_rank"] is None
    others = scores.filter(pl.col("org_code") != code)
    assert others["group_rank"].null_count() < others.height  # the others with data are ranked
    volume = reasons.filter(pl.col("item") == "case_volume").row(0, named=True)
    assert volume["status"] == "no_data" and volume["points"] == 0.0
    assert "未报送办件数据" in volume["reason"]
    # nothing it did not deliver scores full marks
    assert reasons.filter(pl.col("status") == "no_data")["points"].max() == 0.0


def test_the_annex_lists_it_after_the_ranked_and_prints_why(silent_world):
    code, _, wh = silent_world
    out = wh.parent / "out" / "2021-06"
    rows = list(csv.DictReader((out / "annex1.csv").open(encoding="utf-8")))
    names = [r["部门"] for r in rows]
    with duckdb.connect(wh, read_only=True) as con:
        # Names as 附件1 prints them (an alias printed_in annex1 stands for the reference name).
        ranked = {
            r[0]
            for r in con.execute(
                """select a.org_name from scorecard.org_scores s join scorecard.annex1 a using (month, org_code)
                   where s.month = '2021-06-01' and s.scoring_group = 'city_a' and s.is_ranked"""
            ).fetchall()
        }
        (name,) = con.execute(
            "select org_name from scorecard.annex1 where month = '2021-06-01' and org_code = ?", [code]
        ).fetchone()
    assert name not in ranked and ranked
    assert names.index(name) > max(names.index(n) for n in ranked)
    row = rows[names.index(name)]
    assert row["累计办件数"] == "未报送" and row["累计主动评价率_pct"] == "未报送"
    assert row["依申请事项数"] not in ("", "未报送")  # its catalogue did arrive
    sheet = fastexcel.read_excel(out / "annexes.xlsx").load_sheet("附件1", header_row=None).to_polars().rows()
    printed = next(r for r in sheet if name in r)
    assert "未报送" in printed


def test_the_exported_annex_rescored_gives_back_its_scores_with_no_data(silent_world):
    from dagster_project.scoring.printed_annexes import rescore_table
    from schemas.rubric import load_rubric

    _, name, wh = silent_world
    out = wh.parent / "out" / "2021-06"
    result = rescore_table(
        load_rubric("dazhou-2021"), "annex1", out / "annex1.csv", {"annex5": out / "annex5.csv"}
    )
    row = next(r for r in result.rows if r["部门"] == name)
    assert abs(float(row["综合得分_residual"])) <= 0.05
