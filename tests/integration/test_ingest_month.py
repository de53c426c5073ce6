"""A generated month through `ywtb run`: bad rows quarantined (only those), counts reconcile, no personal
data anywhere, reruns change nothing, file problems fail the month naming the file."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from helpers import personal_values, table_checksums

from dagster_project.cli import main
from dagster_project.sample.writer import EXPECTED_REASON, MANGLED_FILE, PLANTED_FILE
from schemas.raw import CONTRACTS

pytestmark = pytest.mark.integration
MONTHS = ["2021-02", "2021-04", "2021-06"]  # GB18030, xlsx, UTF-8


@pytest.fixture(scope="module")
def warehouse(sample_raw, tmp_path_factory) -> Path:
    mp = pytest.MonkeyPatch()
    mp.setenv("YWTB_SALT", "integration-salt")
    mp.delenv("DAGSTER_HOME", raising=False)
    path = tmp_path_factory.mktemp("wh") / "ywtb.duckdb"
    assert (
        main(["run", "--months", ",".join(MONTHS), "--raw", str(sample_raw), "--warehouse", str(path)]) == 0
    )
    yield path
    mp.undo()


def query(path: Path, sql: str, **params) -> pl.DataFrame:
    with duckdb.connect(path, read_only=True) as con:
        return con.sql(sql, params=params or None).pl()


@pytest.mark.parametrize("month", MONTHS)
def test_every_planted_bad_row_is_quarantined_with_its_reason_and_only_those(sample_raw, warehouse, month):
    planted = pl.read_csv(sample_raw / month / PLANTED_FILE)
    assert set(planted["extract"]) >= {"cases", "evaluations", "certificates", "matters"}
    for name in CONTRACTS:
        expected = planted.filter(pl.col("extract") == name).sort("source_row")
        got = query(
            warehouse,
            f"select source_file, source_row, reason from quarantine.{name} where month = $m order by source_row",
            m=f"{month}-01",
        )
        assert got["source_row"].to_list() == expected["source_row"].to_list(), name
        assert {Path(f).name for f in got["source_file"]} <= set(expected["source_file"])
        for kind, reason in zip(expected["kind"], got["reason"], strict=True):
            assert EXPECTED_REASON[kind] in reason, (name, kind, reason)


def rows_in(path: Path) -> int:
    """The data rows of a delivered file, counted without the pipeline's reader."""
    if path.suffix == ".xlsx":
        import fastexcel

        book = fastexcel.read_excel(path)
        return sum(book.load_sheet(name).height for name in book.sheet_names)
    encoding = "utf-8-sig" if _utf8(path) else "gb18030"
    with path.open(encoding=encoding, newline="") as f:
        return sum(1 for record in csv.reader(f) if record) - 1


def _utf8(path: Path) -> bool:
    try:
        path.read_bytes().decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


@pytest.mark.parametrize("month", MONTHS)
def test_rows_read_are_the_files_rows_and_equal_rows_loaded_plus_rows_quarantined(
    sample_raw, warehouse, month
):
    log = query(warehouse, "select * from audit.ingest_log where month = $m", m=f"{month}-01")
    assert sorted(log["extract"]) == sorted(CONTRACTS)
    assert log["values_masked"].to_list() == [0] * len(
        CONTRACTS
    )  # the sample types no one's number into text
    for r in log.iter_rows(named=True):
        assert r["rows_read"] == rows_in(sample_raw / r["source_file"]), r["extract"]
        raw = query(
            warehouse, f"select count(*) n from raw.{r['extract']} where month = $m", m=f"{month}-01"
        ).item()
        quarantined = query(
            warehouse, f"select count(*) n from quarantine.{r['extract']} where month = $m", m=f"{month}-01"
        ).item()
        assert (r["rows_loaded"], r["rows_quarantined"]) == (raw, quarantined)
        assert r["rows_read"] == raw + quarantined > 0


@pytest.mark.parametrize("month", MONTHS)
def test_mangled_id_numbers_keep_their_row_lose_their_key_and_are_counted(sample_raw, warehouse, month):
    mangled = pl.read_csv(sample_raw / month / MANGLED_FILE)
    assert mangled.height > 0
    rows = query(
        warehouse,
        "select applicant_key, applicant_key_status from raw.cases where month = $m and source_row in "
        "(select unnest($rows))",
        m=f"{month}-01",
        rows=mangled["source_row"].to_list(),
    )
    assert rows.height == mangled.height
    assert rows["applicant_key_status"].unique().to_list() == ["mangled"]
    assert rows["applicant_key"].null_count() == rows.height
    logged = query(
        warehouse,
        "select keys_mangled from audit.ingest_log where month = $m and extract = 'cases'",
        m=f"{month}-01",
    )
    assert logged.item() == mangled.height


def test_no_name_id_number_or_phone_reaches_the_warehouse(sample_raw, warehouse):
    secrets = personal_values(sample_raw, MONTHS)
    assert len(secrets) > 1000
    with duckdb.connect(warehouse, read_only=True) as con:
        columns = con.sql(
            "select table_schema, table_name, column_name from information_schema.columns where data_type = 'VARCHAR'"
        ).fetchall()
        leaks = []
        for schema, table, column in columns:
            found = con.sql(f'select distinct "{column}" from {schema}.{table}').fetchall()
            leaks += [(schema, table, column, v) for (v,) in found if v in secrets]
    assert leaks == []


def checksums(path: Path) -> dict[str, str]:
    return table_checksums(path, schemas=("raw", "quarantine"))


def test_rerunning_a_month_leaves_every_raw_table_unchanged(sample_raw, warehouse, tmp_path):
    copy = tmp_path / "ywtb.duckdb"
    shutil.copy(warehouse, copy)
    before = checksums(copy)
    assert main(["run", "--months", "2021-06", "--raw", str(sample_raw), "--warehouse", str(copy)]) == 0
    assert checksums(copy) == before


def test_a_missing_file_fails_the_month_naming_the_file(sample_raw, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("YWTB_SALT", "s")
    raw = tmp_path / "raw"
    shutil.copytree(sample_raw / "2021-06", raw / "2021-06")
    next((raw / "2021-06").glob("好差评*")).unlink()
    assert (
        main(["run", "--months", "2021-06", "--raw", str(raw), "--warehouse", str(tmp_path / "w.duckdb")])
        == 1
    )
    assert "missing file for 好差评" in capsys.readouterr().err


def test_a_missing_required_column_fails_the_month_naming_the_file(sample_raw, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("YWTB_SALT", "s")
    raw = tmp_path / "raw"
    shutil.copytree(sample_raw / "2021-06", raw / "2021-06")
    path = next((raw / "2021-06").glob("证照数据*"))
    frame = pl.read_csv(path, infer_schema=False)
    frame.drop("证照来源").write_csv(path)
    assert (
        main(["run", "--months", "2021-06", "--raw", str(raw), "--warehouse", str(tmp_path / "w.duckdb")])
        == 1
    )
    err = capsys.readouterr().err
    assert path.name in err and "missing required column: 证照来源 (origin)" in err


def test_the_staging_views_hold_what_was_ingested_and_the_reference_seeds_are_loaded(warehouse):
    for name in CONTRACTS:
        raw = query(warehouse, f"select count(*) from raw.{name}").item()
        assert query(warehouse, f"select count(*) from staging.stg_platform__{name}").item() == raw > 0
    assert query(warehouse, "select count(*) from reference.ref_organisations").item() == 98
    comment = query(
        warehouse,
        "select comment from duckdb_columns() where table_name = 'stg_platform__cases' and column_name = 'case_id'",
    )
    assert comment.item() == "办件编号"
