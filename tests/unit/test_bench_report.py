"""The benchmark's report says which targets are met and, when a month grows with the history, which
stage grows: checked on hand-made figures."""

import importlib.util
from pathlib import Path

spec = importlib.util.spec_from_file_location("bench_run", Path(__file__).parents[2] / "bench" / "run.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def year(month_s: list[float], stage_s: dict[str, list[float]]) -> dict:
    return {
        "year": {
            "month_s": month_s,
            "stage_s": stage_s,
            "first_s": month_s[0],
            "tenth_s": month_s[-1],
            "tenth_to_first": month_s[-1] / month_s[0],
        }
    }


def test_a_tenth_month_slower_than_the_first_is_not_met_and_names_the_stage_that_grew():
    line = bench.year_verdict(
        year(
            [47.2, *[50.0] * 8, 54.5],
            {
                "ingest": [16.7, *[14.0] * 8, 13.3],  # faster: not named
                "dbt": [19.4, *[20.0] * 8, 20.2],  # 0.8 s more: noise, not named
                "published copy": [0.6, *[6.0] * 8, 10.7],
            },
        )
    )
    assert "54.5 s against 47.2 s (1.15×); grew: published copy 0.6 → 10.7 s" in line
    assert line.endswith("| **not met** |")


def test_a_flat_year_is_met_and_names_no_stage():
    line = bench.year_verdict(year([47.7, *[45.0] * 8, 44.8], {"published copy": [0.3] * 10}))
    assert "44.8 s against 47.7 s (0.94×) |" in line
    assert line.endswith("| met |")


def test_a_year_not_measured_says_so():
    assert "not measured" in bench.year_verdict({})


def size(cases: int, pipeline_s: float, floor_s: float, **more) -> dict:
    stages = {"ingest": {"seconds": pipeline_s, "peak_rss_mb": 100.0}}
    return {"cases": cases, "pipeline_s": pipeline_s, "floor_s": floor_s, "ratio": pipeline_s / floor_s,
            "cases_per_s": cases / pipeline_s, "peak_rss_mb": 100.0, "stages": stages, **more}  # fmt: skip


def test_the_report_sets_storing_the_files_against_the_floor_and_says_when_it_was_not_measured():
    figures = {
        "machine": "m", "measured_at": "t", "month": "2021-06", "runs": 3,
        "large": size(20, 60.0, 20.0, storage_s=41.0), "half": size(10, 30.0, 10.0),
        "ratio": 3.0, "peak_rss_mb": 100.0, "growth_10m_to_20m": 2.0,
    }  # fmt: skip
    report = bench.report(figures)
    assert "| large | 20 | 60.0 s | 20.0 s | 3.0× | 0 | 100 MB | 41.0 s (2.0× the floor) |" in report
    assert "| half | 10 | 30.0 s | 10.0 s | 3.0× | 0 | 100 MB | — |" in report
    assert "| pipeline ≤ 3× the floor | 3.0× | met |" in report


def test_the_report_says_what_the_month_would_take_with_ingest_at_the_cost_of_storing_the_files():
    large = size(20, 100.0, 20.0, storage_s=30.0)
    large["stages"] |= {
        "dbt": {"seconds": 25.0, "peak_rss_mb": 1.0},
        "published copy": {"seconds": 5.0, "peak_rss_mb": 1.0},
    }
    figures = {
        "machine": "m", "measured_at": "t", "month": "2021-06", "runs": 3,
        "large": large, "half": size(10, 50.0, 10.0),
        "ratio": 5.0, "peak_rss_mb": 100.0, "growth_10m_to_20m": 2.0,
    }  # fmt: skip
    # 30 s of storing, then the 25 + 5 s of the stages after ingest (ingest's own 100 s is not counted).
    assert (
        "the 20-case month would have taken 60.0 s (30.0 s storing, 30.0 s after ingest): 3.0× the floor"
        in bench.report(figures)
    )
    assert bench.ingest_at_storage_cost(size(20, 100.0, 20.0)) is None  # storing not measured
