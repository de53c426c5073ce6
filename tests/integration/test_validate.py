"""`ywtb validate`: a delivery checked against the raw contracts without the warehouse."""

from __future__ import annotations

import csv
import shutil

import pytest

from dagster_project.cli import main


def planted(raw, month: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    with (raw / month / "_planted_bad_rows.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            counts[row["extract"]] = counts.get(row["extract"], 0) + 1
    return counts


@pytest.mark.parametrize("month", ["2021-02", "2021-04", "2021-06"])
def test_a_delivery_is_reported_file_by_file_with_its_quarantine_and_accepted(sample_raw, month, capsys, env):
    assert main(["validate", "--raw", str(sample_raw), "--months", month]) == 0
    out = capsys.readouterr().out
    for extract, n in planted(sample_raw, month).items():
        line = next(line for line in out.splitlines() if line.startswith(f"  ok   {extract} "))
        assert f"{n:,} to quarantine" in line, line
    assert "e.g. row" in out  # sample rows, with their reason
    assert not (env / "wh").exists()  # the warehouse is never touched


def test_a_file_level_problem_fails_the_delivery_naming_the_file(sample_raw, tmp_path, capsys):
    raw = tmp_path / "raw"
    shutil.copytree(sample_raw / "2021-06", raw / "2021-06")
    cases = next((raw / "2021-06").glob("办件*.csv"))
    cases.write_text(cases.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    assert main(["validate", "--raw", str(raw), "--months", "2021-06"]) == 1
    out = capsys.readouterr().out
    failed = [line for line in out.splitlines() if line.startswith("  FAIL")]
    assert len(failed) == 1 and cases.name in failed[0] and "wrong delimiter" in failed[0]
    assert any(
        line.startswith("  ok   evaluations") for line in out.splitlines()
    )  # the others are still checked


def test_a_benchmark_month_has_exactly_the_rows_asked_made_in_slices_and_all_valid(tmp_path, capsys):
    import datetime as dt

    import polars as pl

    from dagster_project.sample.province import write_province_month

    paths = write_province_month(
        dt.date(2021, 6, 1),
        tmp_path,
        cases=2500,
        evaluations=1800,
        certificates=300,
        slice_size=1000,
        progress=str,
    )
    cases = pl.read_csv(paths["cases"], infer_schema=False)
    assert cases.height == 2500 and cases["办件编号"].n_unique() == 2500  # ids unique across slices
    assert pl.read_csv(paths["evaluations"], infer_schema=False).height == 1800
    assert pl.read_csv(paths["certificates"], infer_schema=False).height == 300
    assert main(["validate", "--raw", str(tmp_path), "--months", "2021-06"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  ok")]
    assert len(lines) == 8 and all(line.endswith(", 0 to quarantine") for line in lines)
