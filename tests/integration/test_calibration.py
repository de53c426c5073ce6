"""The generator calibrated to a published 运行情况表: running the pipeline on what it generates
reproduces the table as printed (its rows, 序号 and names, in its order) and cell by cell, except the
cells it names (where the table contradicts itself or the formulas cannot give the printed value), for
the city layout and the county layout."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from dagster_project.cli import main
from dagster_project.sample.calibrate import CalibrationError, write_calibrated

pytestmark = pytest.mark.integration
PUBLISHED = Path(__file__).resolve().parents[1] / "fixtures" / "published"
JUNE = dt.date(2021, 6, 1)


def differing_cells(published: Path, ours: Path) -> set[tuple[str, str]]:
    """(printed name, header) of every cell whose value differs. The rows must be the printed ones:
    the same 序号 and names, in the same order, and no other row."""
    with published.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with ours.open(encoding="utf-8") as f:
        built = list(csv.DictReader(f))
    assert list(built[0]) == list(rows[0])
    name = list(rows[0])[1]
    assert [(r["序号"], r[name]) for r in built] == [(r["序号"], r[name]) for r in rows]
    cells = set()
    for row, mine in zip(rows, built, strict=True):
        for header in list(row)[2:]:
            if abs(float(row[header] or 0) - float(mine[header] or 0)) > 1e-9:
                cells.add((row[name], header))
    return cells


def calibrate_and_run(table: Path, tmp_path: Path) -> tuple[set, set]:
    raw, out = tmp_path / "raw", tmp_path / "out"
    result = write_calibrated(table, JUNE, raw)
    args = [
        "run",
        "--months",
        "2021-05,2021-06",
        "--raw",
        str(raw),
        "--warehouse",
        str(tmp_path / "wh.duckdb"),
    ]
    assert main([*args, "--exports", str(out)]) == 0
    return result.unreproducible(), differing_cells(table, out / "2021-06" / f"{result.layout}.csv")


def test_the_published_city_table_is_reproduced_as_printed_but_for_the_cells_named(tmp_path):
    # its 41 rows in its order with its 序号 and spellings (市税务局, 达州市国家安全局), without the
    # organisations it does not print (市新闻出版局): the profile's ref_published_rows.csv
    named, differing = calibrate_and_run(PUBLISHED / "dazhou2021_06_ops_city.csv", tmp_path)
    assert differing == named
    # the three cells no reading of 办理提速 can give with the table's own counts:
    assert named == {
        (
            "市残疾人联合会",
            "承诺件办件效率_办理提速_pct",
        ),  # all promised cases online, yet 53.33 against 0.00
        ("市林业局", "承诺件办件效率_办理提速_pct"),  # 100.00 needs same-day cases, only 2 accepted in June
        ("市生态环境局", "承诺件办件效率_办理提速_pct"),  # −75.19 with its 35 acceptances and 32 online
    }


def test_a_county_table_in_the_published_layout_is_reproduced_cell_by_cell(built, tmp_path):
    # The county table's values are not published; a table in its layout, built by the pipeline from
    # the sample, is calibrated to instead.
    table = built[1].parent / "out" / "2021-06" / "ops_county.csv"
    with table.open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == next(
            csv.reader((PUBLISHED / "headers" / "dazhou2021_06_ops_county.csv").open(encoding="utf-8"))
        )
    named, differing = calibrate_and_run(table, tmp_path)
    assert named == set() and differing == set()


def test_a_table_in_another_layout_is_refused(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text(
        (PUBLISHED / "dazhou2021_annex4_city_matters.csv").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(CalibrationError, match="not the column set of a published 运行情况表"):
        write_calibrated(table, JUNE, tmp_path / "raw")
