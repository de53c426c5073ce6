"""The warehouse built by `ywtb run` over two sample months: every indicator for every organisation,
reruns change nothing, the marts agree with a recomputation from the raw tables, formulas are unit-tested."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import polars as pl
import pytest
from helpers import table_checksums

from dagster_project.cli import main
from dagster_project.defs.file_copies import connect_published
from dagster_project.defs.transform.assets import DBT_DIR

pytestmark = pytest.mark.integration
MONTHS = ["2021-05", "2021-06"]  # the months the `built` fixture (conftest.py) runs


def q(path: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(path, read_only=True) as con:
        return con.sql(sql).pl()


def test_every_organisation_has_every_applicable_indicator_for_both_windows_and_months(built):
    _, wh = built
    counts = q(
        wh,
        """
        select v.month, v.period_window, o.org_level, count(distinct v.org_code) as orgs,
               count(distinct v.indicator_code) as indicators, count(*) as n
        from indicators.ind_indicator_values v join marts.dim_organisations o using (org_code)
        group by all order by all
        """,
    )
    catalogue = q(wh, "select org_levels, count(*) n from reference.ref_indicators group by all")
    per_level = dict(catalogue.iter_rows())
    orgs = dict(q(wh, "select org_level, count(*) from marts.dim_organisations group by all").iter_rows())
    assert counts.height == len(MONTHS) * 2 * 3
    for r in counts.iter_rows(named=True):
        expected = per_level["all"] + (per_level["county"] if r["org_level"] == "county" else 0)
        assert (r["orgs"], r["indicators"], r["n"]) == (
            orgs[r["org_level"]],
            expected,
            orgs[r["org_level"]] * expected,
        )


def test_rates_keep_their_numerator_and_denominator_and_are_null_only_on_zero(built):
    _, wh = built
    bad = q(
        wh,
        """
        select * from indicators.ind_indicator_values v join reference.ref_indicators c using (indicator_code)
        where c.unit != 'count' and (
            v.denominator is null
            or (v.denominator = 0) != (v.value is null)
            or (v.denominator != 0 and abs(v.value - v.numerator / v.denominator) > 1e-12))
        """,
    )
    assert bad.is_empty()


def independent_counts(raw: Path, month: str) -> pl.DataFrame:
    """Applied, accepted and finished cases per department, straight from the month's raw file."""
    from dagster_project.defs.ingest.readers import find_file, read_file
    from schemas.raw import CONTRACTS

    contract = CONTRACTS["cases"]
    table = pl.from_arrow(read_file(find_file(raw / month, contract)).table)
    table = table.rename({c.label: c.name for c in contract.columns if c.label in table.columns})
    planted = pl.read_csv(raw / month / "_planted_bad_rows.csv").filter(pl.col("extract") == "cases")
    good = table.with_row_index("source_row", offset=1).filter(
        ~pl.col("source_row").is_in(planted["source_row"].to_list())
    )
    start = pl.lit(f"{month}-01").str.to_datetime()
    end = start.dt.offset_by("1mo")

    def in_month(col: str) -> pl.Expr:
        t = pl.col(col).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False)
        return (t >= start) & (t < end)

    return good.group_by(pl.col("dept_code").alias("org_code")).agg(
        applied_cases=in_month("apply_time").sum(),
        accepted_cases=in_month("accept_time").sum(),
        finished_cases=in_month("finish_time").sum(),
    )


@pytest.mark.parametrize("month", MONTHS)
def test_monthly_case_counts_agree_with_a_recount_from_the_raw_file(built, month):
    raw, wh = built
    expected = independent_counts(raw, month)
    marts = q(
        wh,
        f"""
        pivot (select org_code, indicator_code, numerator from indicators.ind_indicator_values
               where month = date '{month}-01' and period_window = 'month'
                 and indicator_code in ('applied_cases', 'accepted_cases', 'finished_cases'))
        on indicator_code using first(numerator)
        """,
    )
    joined = expected.join(marts, on="org_code", how="left", suffix="_mart")
    for col in ("applied_cases", "accepted_cases", "finished_cases"):
        assert (joined[col].cast(pl.Float64) == joined[f"{col}_mart"]).all(), col


def test_the_year_to_date_adds_up_the_months(built):
    _, wh = built
    sums = q(
        wh,
        """
        with m as (select org_code, indicator_code, sum(numerator) month_sum from indicators.ind_indicator_values
                   where period_window = 'month' group by all),
             y as (select org_code, indicator_code, numerator ytd from indicators.ind_indicator_values
                   where period_window = 'ytd' and month = (select max(month) from indicators.ind_indicator_values))
        select * from m join y using (org_code, indicator_code)
        where indicator_code in ('accepted_cases', 'finished_cases', 'active_evaluations')
        """,
    )
    # Every event is counted in the extract of the month it happened in, so the year to date is exactly
    # the sum of the months loaded. (Events before the first loaded month are not counted, not even
    # through the later states of the same cases: a partial count of an unloaded month would be worse.)
    assert set(sums["indicator_code"]) == {"accepted_cases", "finished_cases", "active_evaluations"}
    assert (sums["month_sum"] == sums["ytd"]).all()


def mart_checksums(path: Path) -> dict[str, str]:
    """Every table analysts read: the marts, the indicators and the scored tables."""
    return table_checksums(path, schemas=("marts", "indicators", "scorecard"))


def test_rerunning_a_month_leaves_every_mart_unchanged(built, tmp_path):
    raw, wh = built
    copy = tmp_path / "ywtb.duckdb"
    shutil.copy(wh, copy)
    before = mart_checksums(copy)
    assert {"indicators.ind_indicator_values", "scorecard.item_scores", "scorecard.annex1"} <= set(before)
    assert main(["run", "--months", "2021-05", "--raw", str(raw), "--warehouse", str(copy)]) == 0
    assert mart_checksums(copy) == before


def test_the_dbt_unit_tests_of_every_formula_pass(built, tmp_path):
    _, wh = built
    copy = tmp_path / "ywtb.duckdb"
    shutil.copy(wh, copy)
    dbt = str(Path(sys.executable).with_name("dbt"))
    run = subprocess.run(
        [dbt, "test", "--select", "test_type:unit", "--vars", '{"month": "2021-06"}'],
        cwd=DBT_DIR,
        env={"YWTB_WAREHOUSE": str(copy), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout[-3000:]
    declared = sum(
        text.count("\n  - name: ")
        for text in (p.read_text() for p in DBT_DIR.glob("models/**/*unit_tests.yml"))
    )
    assert declared >= 8
    assert f"PASS={declared} " in run.stdout


def test_marts_carry_chinese_labels_on_every_column(built):
    _, wh = built
    missing = q(
        wh,
        "select table_name, column_name from duckdb_columns() where schema_name in ('marts', 'scorecard') and (comment is null or comment = '')",
    )
    assert missing.is_empty()


def test_analysts_query_the_published_copy_without_error_while_a_month_is_rematerialized(built, tmp_path):
    raw, wh = built
    working = tmp_path / "ywtb.duckdb"
    shutil.copy(wh, working)
    published = working.with_name("published.duckdb")
    shutil.copy(wh.with_name("published.duckdb"), published)
    env = {"YWTB_SALT": "warehouse-salt", "PATH": "/usr/bin:/bin", "YWTB_EXPORTS": str(tmp_path / "out")}
    ywtb = str(Path(sys.executable).with_name("ywtb"))
    run = subprocess.Popen(
        [ywtb, "run", "--months", "2021-06", "--raw", str(raw), "--warehouse", str(working)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    queries = 0
    while run.poll() is None:
        with connect_published(published) as con:
            assert con.execute("select count(*) from indicators.ind_indicator_values").fetchone()[0] > 0
        queries += 1
    assert run.returncode == 0, run.stderr[-2000:]
    assert queries > 10
    assert not list(tmp_path.glob(".published.duckdb.*.tmp"))


def test_a_backfill_of_the_range_in_one_run_builds_the_same_marts_as_month_by_month(
    built, tmp_path, monkeypatch
):
    import dagster as dg

    from dagster_project.definitions import MONTHLY_JOB, defs
    from dagster_project.defs.partitions import register_months

    raw, wh = built
    working = tmp_path / "ywtb.duckdb"
    monkeypatch.setenv("YWTB_RAW_DIR", str(raw))
    monkeypatch.setenv("YWTB_WAREHOUSE", str(working))
    instance = dg.DagsterInstance.ephemeral()
    register_months(instance, MONTHS)
    result = defs.resolve_job_def(MONTHLY_JOB).execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": MONTHS[0],
            "dagster/asset_partition_range_end": MONTHS[-1],
        },
    )
    assert result.success
    partitions = {
        e.event_specific_data.materialization.partition
        for e in result.get_asset_materialization_events()
        if e.event_specific_data.materialization.asset_key
        == dg.AssetKey(["indicators", "ind_indicator_values"])
    }
    assert partitions == set(MONTHS)
    assert mart_checksums(working) == mart_checksums(wh)
