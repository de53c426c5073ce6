"""rows_reconcile can fail: the file's own row count (counted by the reader from its bytes) is compared
with what the warehouse holds, so a row lost between the file and the write fails the check, and a month
whose check failed is not published."""

from __future__ import annotations

import dataclasses
import shutil

import pytest
from helpers import table_checksums

from dagster_project.cli import main
from dagster_project.defs.ingest import assets

pytestmark = pytest.mark.integration


def test_a_row_lost_between_the_file_and_the_write_fails_rows_reconcile_and_publishes_nothing(
    built, tmp_path, monkeypatch, capsys
):
    raw, wh = built
    shutil.copytree(raw, tmp_path / "raw")
    shutil.copytree(wh.parent, tmp_path / "wh")
    raw, working, exports = tmp_path / "raw", tmp_path / "wh" / "ywtb.duckdb", tmp_path / "wh" / "out"
    monkeypatch.setenv("YWTB_SALT", "warehouse-salt")
    before = table_checksums(working), table_checksums(working.with_name("published.duckdb"))
    write = assets.replace_month

    def write_all_but_one_case(con, month, contract, batches, source_file):
        if contract.name == "cases":
            first, *rest = batches
            batches = [dataclasses.replace(first, loaded=first.loaded.slice(1)), *rest]
        return write(con, month, contract, batches, source_file)

    monkeypatch.setattr(assets, "replace_month", write_all_but_one_case)

    args = ["run", "--months", "2021-06", "--raw", str(raw), "--warehouse", str(working)]
    assert main([*args, "--exports", str(exports)]) == 1

    out, err = capsys.readouterr()
    assert "raw/cases:rows_reconcile" in out + err
    assert "2021-06  not published" in err
    assert (table_checksums(working), table_checksums(working.with_name("published.duckdb"))) == before
