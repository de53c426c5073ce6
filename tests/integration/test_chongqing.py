"""A second city on the same product: `ywtb sample --profile chongqing --calibrate-to` each published
"四个指标" table (江北's departments, its 街镇, and a 42-district table in the 重庆 layout), then
`ywtb run --profile chongqing`: every exported table equals its printed one cell by cell, rows in the
printed order, except the cells the calibration named."""

from __future__ import annotations

import csv
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs.publish.four_indicators import cell_text
from dagster_project.sample.calibration.four_indicators import COMPRESSION, FULL_ONLINE, INSTANT, VISITS
from schemas.profile import load_profile
from schemas.rubric import load_rubric

pytestmark = pytest.mark.integration
PUBLISHED = Path(__file__).resolve().parents[1] / "fixtures" / "published"
SEED = 19
MONTH = "2021-06"
# One warehouse a table: a district's value is its departments' and 街镇' sum, so the 42-district
# table and 江北's departments cannot both hold in one month.
TABLES = ("depts_4ind", "streets_4ind", "districts_4ind")
NAMED = re.compile(r"^  row (\d+) (\S+) (\S+): (.*)$")


def read(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def districts_table(path: Path) -> Path:
    """The 42 districts in the 重庆 layout and the profile's printed order, with values made from
    whole counts of matters (so each can be printed), and one 即办件 share no count of 4 rounds to."""
    table = load_rubric("chongqing-2021").tables["districts_4ind"]
    columns = dict(zip((COMPRESSION, VISITS, INSTANT, FULL_ONLINE), table.columns[1:], strict=True))
    rows = [read(PUBLISHED / "headers" / "chongqing2021_districts_4ind.csv")[0]]
    for r in load_profile("chongqing").table_rows("districts_4ind"):
        n = 4 + (r.row_number * 7) % 61
        legal = 20 * n
        values = {
            COMPRESSION: (legal - (r.row_number * 13) % (legal // 2)) / legal,
            VISITS: (r.row_number % 5) / n,
            INSTANT: (r.row_number * 3 % (n + 1)) / n,
            FULL_ONLINE: (n - r.row_number % 3) / n,
        }
        cells = [cell_text(columns[code], v) for code, v in values.items()]
        rows.append([str(r.row_number), r.printed_name, str(n), *cells])
    rows[1][2:] = ["4", "81.25", "0.25", "33.33", "75"]  # 万州区: no k/4 prints 33.33
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    return path


def ywtb(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    """The command line in a process of its own, as an office runs it: a process holds one profile's
    definitions (the 达州 tests in this process built theirs)."""
    return subprocess.run(
        [sys.executable, "-m", "dagster_project.cli", *args], env=env, capture_output=True, text=True
    )


@pytest.fixture(scope="module")
def chongqing(tmp_path_factory):
    """{table: (printed file, named cells, warehouse)}: each table calibrated and run on its own."""
    base = tmp_path_factory.mktemp("chongqing")
    files = {
        "depts_4ind": PUBLISHED / "jiangbei2021_annex2_depts_4ind.csv",
        "streets_4ind": PUBLISHED / "jiangbei2021_annex2_streets_4ind.csv",
        "districts_4ind": districts_table(base / "districts_4ind.csv"),
    }
    env = {k: v for k, v in os.environ.items() if k not in ("DAGSTER_HOME", "YWTB_PROFILE")}
    env["YWTB_SALT"] = "chongqing-salt"
    built = {}
    for table in TABLES:
        raw, wh = base / table / "raw", base / table / "wh" / "ywtb.duckdb"
        sample = ywtb(
            *("sample", "--profile", "chongqing", "--calibrate-to", str(files[table]), "--month", MONTH),
            *("--out", str(raw), "--scale", "0.001", "--seed", str(SEED)),
            env=env,
        )
        assert sample.returncode == 0, sample.stderr
        named = {(m[2], m[3]): m[4] for m in map(NAMED.match, sample.stdout.splitlines()) if m}
        run = ywtb(
            *("run", "--profile", "chongqing", "--months", MONTH, "--raw", str(raw)),
            *("--warehouse", str(wh), "--exports", str(wh.parent / "out")),
            env=env,
        )
        assert run.returncode == 0, f"{table}: {run.stdout}{run.stderr}"
        built[table] = (files[table], named, wh)
    return built


def test_the_calibration_names_exactly_the_cells_no_whole_count_reaches(chongqing):
    tables = chongqing
    assert set(tables["depts_4ind"][1]) == {
        ("区人力社保局", "全程网办占比_pct"),
        ("区人防办", "即办件占比_pct"),
    }
    assert "42.86" in tables["depts_4ind"][1][("区人力社保局", "全程网办占比_pct")]
    assert tables["streets_4ind"][1] == {}
    assert set(tables["districts_4ind"][1]) == {("万州区", "即办件占比_pct")}


@pytest.mark.parametrize("table", TABLES)
def test_each_exported_table_is_the_printed_one_cell_by_cell_in_printed_order(chongqing, table):
    printed_file, named, wh = chongqing[table]
    printed, exported = read(printed_file), read(wh.parent / "out" / MONTH / f"{table}.csv")
    assert exported[0] == printed[0]
    assert [r[:2] for r in exported] == [r[:2] for r in printed]  # 序号 and the printed names, in order
    differing = {
        (p[1], header)
        for p, e in zip(printed[1:], exported[1:], strict=True)
        for header, pc, ec in zip(printed[0], p, e, strict=True)
        if pc != ec
    }
    assert differing == set(named)


def test_a_named_cell_shows_the_closest_value_the_counts_allow(chongqing):
    wh = chongqing["depts_4ind"][2]
    rows = read(wh.parent / "out" / MONTH / "depts_4ind.csv")
    hrss = next(r for r in rows if r[1] == "区人力社保局")
    assert hrss[2:] == ["14", "85.78", "0.57", "57.14", "42.86"]


def test_the_warehouse_holds_chongqing_and_no_dazhou_organisation(chongqing):
    wh = chongqing["depts_4ind"][2]
    with duckdb.connect(wh, read_only=True) as con:
        codes = {c for (c,) in con.sql("select org_code from reference.ref_organisations").fetchall()}
        checked = con.execute(
            "select count(distinct org_code) from scorecard.target_checks where month = '2021-06-01'"
        ).fetchone()[0]
    assert codes == {o.org_code for o in load_profile("chongqing").organisations}
    assert not codes & {o.org_code for o in load_profile("dazhou").organisations}
    assert checked == len(codes)  # every district, department and 街镇 is checked against the targets
