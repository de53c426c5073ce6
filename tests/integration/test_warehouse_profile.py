"""One warehouse holds one jurisdiction: a run records its profile, and a run of another is refused
before it touches the file."""

from __future__ import annotations

import datetime as dt
import shutil

import duckdb
import pytest
from helpers import table_checksums

from dagster_project.cli import main
from schemas.profile import mismatch_message

pytestmark = pytest.mark.integration


def held_profiles(path) -> list[str]:
    with duckdb.connect(path, read_only=True) as con:
        return [p for (p,) in con.sql("select profile from audit.warehouse_profile").fetchall()]


def test_a_run_records_the_profile_that_built_the_warehouse(built):
    _, wh = built
    assert held_profiles(wh) == ["dazhou"]


def test_a_warehouse_of_another_profile_refuses_the_run_in_one_line(tmp_path, monkeypatch, capsys):
    from dagster_project.sample.writer import write_month

    raw = tmp_path / "raw"
    write_month(dt.date(2021, 6, 1), raw, scale=0.001, seed=3)
    wh = tmp_path / "ywtb.duckdb"
    with duckdb.connect(wh) as con:
        con.execute("create schema audit")
        con.execute("create table audit.warehouse_profile (profile varchar not null)")
        con.execute("insert into audit.warehouse_profile values ('chongqing')")
    monkeypatch.setenv("YWTB_SALT", "profile-salt")
    monkeypatch.setenv("YWTB_PROFILE", "chongqing")  # main sets it from --profile; restored after the test
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    before = table_checksums(wh, schemas=("audit",))

    args = ["run", "--months", "2021-06", "--profile", "dazhou", "--warehouse", str(wh), "--raw", str(raw)]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err == f"ywtb run: {mismatch_message(wh, 'chongqing', 'dazhou')}\n"
    assert "built with profile 'chongqing'; this run asks for 'dazhou'" in err
    assert table_checksums(wh, schemas=("audit",)) == before
    assert held_profiles(wh) == ["chongqing"]
    assert not (tmp_path / "logs").exists()  # refused before the run opened its log


def test_the_built_warehouse_refuses_a_run_of_another_profile(built, tmp_path, monkeypatch, capsys):
    raw, wh = built
    copy = tmp_path / "ywtb.duckdb"
    shutil.copy(wh, copy)
    monkeypatch.setenv("YWTB_PROFILE", "dazhou")
    args = [
        "run",
        "--months",
        "2021-06",
        "--profile",
        "chongqing",
        "--raw",
        str(raw),
        "--warehouse",
        str(copy),
    ]
    assert main(args) == 2
    assert capsys.readouterr().err == f"ywtb run: {mismatch_message(copy, 'dazhou', 'chongqing')}\n"
    assert held_profiles(copy) == ["dazhou"]
