"""The benchmark's report: the ratios to both floors, which targets are met, the shares of the run's
fixed costs, and when a month grows with the history which stage grows: checked on hand-made figures."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).parents[2] / "bench" / "run.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)

RUN = {bench.RUN_COPY: 0.0, bench.COMMIT: 0.5, bench.BETWEEN: 1.0, bench.PROCESS: 4.0}


def size(cases: int, pipeline_s: float, floor_s: float, keep_s: float, peak_rss_mb: float = 100.0) -> dict:
    stages = {
        "ingest": {"seconds": pipeline_s / 2, "peak_rss_mb": peak_rss_mb},
        bench.PUBLISHED: {"seconds": pipeline_s / 10, "peak_rss_mb": 50.0},
    }
    return {"cases": cases, "pipeline_s": pipeline_s, "floor_s": floor_s, "keep_s": keep_s,
            "keep_stored_s": keep_s / 2, "peak_rss_mb": peak_rss_mb, "stages": stages, "run": RUN}  # fmt: skip


def year(month_s: list[float], stage_s: dict[str, list[float]], run_s: dict | None = None) -> dict:
    return {"cases_per_month": 2_000_000, "month_s": month_s, "stage_s": stage_s, "run_s": run_s or {}}


def figures(**more) -> dict:
    return {"machine": "m", "measured_at": "t", "month": "2021-06", "runs": 3, **more}


def verdicts(r: dict) -> dict[str, tuple[str, bool]]:
    return {what: (figure, ok) for what, figure, ok in bench.targets(r)}


def test_each_size_is_set_against_both_floors_with_its_own_limits():
    r = figures(
        city=size(2_000_000, 60.0, 10.0, 20.0),  # 6.0× compute (met, at the limit), 3.0× keep (met)
        large=size(20_000_000, 300.0, 50.0, 100.0),  # 6.0× compute (not met: ≤ 5×), 3.0× keep (not met)
    )
    got = verdicts(r)
    assert got["a 2,000,000-case month ≤ 6× the compute floor"] == ("6.0× (60.0 s against 10.0 s)", True)
    assert got["a 2,000,000-case month ≤ 3× the keep floor"] == ("3.0× (60.0 s against 20.0 s)", True)
    assert got["a 20,000,000-case month ≤ 5× the compute floor"] == ("6.0× (300.0 s against 50.0 s)", False)
    assert got["a 20,000,000-case month ≤ 2.5× the keep floor"] == ("3.0× (300.0 s against 100.0 s)", False)


def test_peak_memory_and_growth_from_the_half_size():
    r = figures(
        half=size(10_000_000, 100.0, 20.0, 40.0),
        large=size(20_000_000, 221.0, 40.0, 80.0, peak_rss_mb=4097.0),
    )
    got = verdicts(r)
    assert got["peak memory of the 20,000,000-case month ≤ 4 GiB"] == ("4.00 GiB", False)
    assert got["20,000,000 cases ≤ 2.2× the time of 10,000,000"] == ("2.21× (221.0 s against 100.0 s)", False)
    r["large"]["peak_rss_mb"] = 4096.0
    assert verdicts(r)["peak memory of the 20,000,000-case month ≤ 4 GiB"] == ("4.00 GiB", True)


def test_a_tenth_month_slower_than_the_first_is_not_met_and_names_what_grew():
    y = year(
        [47.2, *[50.0] * 8, 54.5],
        {
            "ingest": [16.7, *[14.0] * 8, 13.3],  # faster: not named
            "dbt": [19.4, *[20.0] * 8, 20.2],  # 0.8 s more: noise, not named
            "published copy": [0.6, *[6.0] * 8, 10.7],
        },
        {bench.RUN_COPY: [0.1, *[1.0] * 8, 2.5]},
    )
    figure, ok = verdicts(figures(year=y))["the 10th month of a year ≤ 1.15× the 1st"]
    assert figure == (
        "1.15× (54.5 s against 47.2 s); grew: published copy 0.6 → 10.7 s, "
        "run's copy of the working warehouse 0.1 → 2.5 s"
    )
    assert ok is False  # 54.5 / 47.2 = 1.155 is over 1.15 though it prints as 1.15


def test_a_flat_year_is_met_and_names_nothing():
    y = year([47.7, *[45.0] * 8, 44.8], {"published copy": [0.3] * 10})
    assert verdicts(figures(year=y))["the 10th month of a year ≤ 1.15× the 1st"] == (
        "0.94× (44.8 s against 47.7 s)",
        True,
    )


def test_targets_without_figures_are_not_listed():
    assert bench.targets(figures()) == []
    assert [what for what, _, _ in bench.targets(figures(city=size(2_000_000, 60.0, 10.0, 20.0)))] == [
        "a 2,000,000-case month ≤ 6× the compute floor",
        "a 2,000,000-case month ≤ 3× the keep floor",
    ]


def test_the_fixed_costs_are_shares_of_their_month():
    run_s = {bench.RUN_COPY: [0.0, *[1.0] * 8, 2.0], bench.COMMIT: [0.2] * 10,
             bench.BETWEEN: [1.0] * 10, bench.PROCESS: [5.0] * 10}  # fmt: skip
    y = year([20.0, *[22.0] * 8, 25.0], {bench.PUBLISHED: [0.4, *[1.0] * 8, 2.5]}, run_s)
    lines = bench.fixed_costs(figures(city=size(2_000_000, 40.0, 10.0, 20.0), year=y))
    assert "| 2,000,000 cases, empty warehouse | 40.0 | 0.0 s (0%) | 4.0 s (10%) | 0.5 s (1%) | 1.0 s (2%) | 4.0 s (10%) |" in lines  # fmt: skip
    assert "| 2,000,000 cases, 10th month of the year | 25.0 | 2.0 s (8%) | 2.5 s (10%) | 0.2 s (1%) | 1.0 s (4%) | 5.0 s (20%) |" in lines  # fmt: skip


def test_the_report_prints_the_ratios_to_both_floors_and_how_many_runs():
    r = figures(city=size(2_000_000, 60.0, 10.0, 20.0), runs=1, note="A shared machine.")
    report = bench.report(r)
    assert "| 2,000,000 | 60.0 s | 10.0 s | 6.0× | 20.0 s (10.0 s) | 3.0× | 33,333 | 100 MiB |" in report
    assert "one run each (BENCH_RUNS=1)" in report
    assert "\nA shared machine.\n" in report
    assert "| a 2,000,000-case month ≤ 3× the keep floor | 3.0× (60.0 s against 20.0 s) | met |" in report


def test_the_keep_floor_computes_from_its_tables_what_the_compute_floor_computes_from_the_files(tmp_path):
    import datetime as dt

    import duckdb

    from dagster_project.sample.writer import write_month

    spec = importlib.util.spec_from_file_location(
        "bench_floor", Path(__file__).parents[2] / "bench" / "floor.py"
    )
    floor = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(floor)
    write_month(dt.date(2021, 6, 1), tmp_path, scale=0.001, seed=3)
    folder = tmp_path / "2021-06"
    tables = ("case_flow", "evaluation_counts", "certificate_counts", "matter_counts")
    indicators = {}
    for kind, database in (("compute", ":memory:"), ("keep", str(tmp_path / "kept.duckdb"))):
        with duckdb.connect(database) as con:
            (floor.keep if kind == "keep" else floor.compute)(con, folder)
            floor.indicators(con, "2021-06")
            indicators[kind] = {
                t: con.sql(
                    f"select * exclude (dept_code), dept_code::varchar from {t} order by all"
                ).fetchall()
                for t in tables
            }
    assert indicators["compute"]["case_flow"]  # not two empty answers
    assert indicators["keep"] == indicators["compute"]
