"""Writing a month: rows read are the file's count, so a row lost on the way shows; a full disk is
said as such and leaves the month, and no temporary file, behind."""

from __future__ import annotations

import dataclasses
import datetime as dt
import errno
import tempfile

import duckdb
import pytest
from test_boundary import GOOD, cases_file, row

from dagster_project.defs.ingest.boundary import ingest_file
from dagster_project.defs.ingest.store import reconcile, replace_month
from dagster_project.defs.publish.atomic import DiskFull
from schemas.raw import CONTRACTS

JUNE = dt.date(2021, 6, 1)
CASES = CONTRACTS["cases"]


@pytest.fixture
def ingested(tmp_path, june_context):
    rows = [GOOD | {"办件编号": f"C{i}"} for i in range(5)] + [row(dept="511700999")]
    return ingest_file(cases_file(tmp_path, rows), CASES, june_context, "s")


@pytest.fixture
def con(tmp_path):
    with duckdb.connect(tmp_path / "w.duckdb") as c:
        yield c


def test_rows_read_are_the_files_count_and_reconcile(con, ingested):
    written = replace_month(con, JUNE, CASES, [ingested], "2021-06/cases.csv")
    assert (written.rows_read, written.rows_loaded, written.rows_quarantined) == (6, 5, 1)
    assert reconcile(con, JUNE, CASES) == {"rows_read": 6, "rows_loaded": 5, "rows_quarantined": 1}


def test_a_row_lost_between_the_file_and_the_warehouse_breaks_the_reconciliation(con, ingested):
    lost = dataclasses.replace(ingested, loaded=ingested.loaded.slice(1))  # a bug drops one row
    replace_month(con, JUNE, CASES, [lost], "2021-06/cases.csv")
    counts = reconcile(con, JUNE, CASES)
    assert counts["rows_read"] == 6 != counts["rows_loaded"] + counts["rows_quarantined"]


def test_the_masked_values_are_logged(con, ingested):
    replace_month(con, JUNE, CASES, [dataclasses.replace(ingested, values_masked=3)], "2021-06/cases.csv")
    assert con.execute("select values_masked from audit.ingest_log").fetchone() == (3,)


def test_a_log_made_before_the_masked_count_existed_gets_its_column(con, ingested):
    con.execute("create schema audit")
    con.execute(
        "create table audit.ingest_log (month date not null, extract varchar not null, source_file varchar "
        "not null, encoding varchar, rows_read bigint not null, rows_loaded bigint not null, rows_quarantined "
        "bigint not null, unknown_columns varchar, keys_valid bigint, keys_mangled bigint, keys_invalid "
        "bigint, keys_missing bigint, primary key (month, extract))"
    )
    replace_month(con, JUNE, CASES, [ingested], "2021-06/cases.csv")
    assert con.execute("select rows_read, values_masked from audit.ingest_log").fetchone() == (6, 0)


def no_space(*_):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_while_reading_is_said_as_such_and_leaves_the_month_and_no_file(
    con, ingested, tmp_path, monkeypatch
):
    replace_month(con, JUNE, CASES, [ingested], "2021-06/cases.csv")
    before = reconcile(con, JUNE, CASES)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def batches():
        yield ingested
        no_space()

    with pytest.raises(DiskFull, match=r"disk full while loading 2021-06/cases\.csv into .*w\.duckdb"):
        replace_month(con, JUNE, CASES, batches(), "2021-06/cases.csv")
    assert reconcile(con, JUNE, CASES) == before
    assert list((tmp_path / "tmp").iterdir()) == []


class FullDiskConnection:
    """DuckDB as it behaves when its file system fills: the insert fails, and the transaction is then
    gone, so the rollback fails too."""

    def __init__(self, con):
        self.con = con

    def execute(self, sql, *args):
        if sql.startswith("insert into raw."):
            raise duckdb.IOException('Could not write file "w.duckdb.wal": No space left on device')
        if sql == "rollback":
            self.con.execute("rollback")
            raise duckdb.TransactionException("cannot rollback - no transaction is active")
        return self.con.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.con, name)


def test_a_full_disk_in_duckdb_is_not_hidden_by_the_rollback_that_fails_after_it(con, ingested):
    with pytest.raises(DiskFull, match="disk full while loading") as e:
        replace_month(FullDiskConnection(con), JUNE, CASES, [ingested], "2021-06/cases.csv")
    cause = e.value.__cause__
    assert isinstance(cause, duckdb.IOException)
    assert any("rollback that followed failed too" in note for note in cause.__notes__)


def test_another_error_is_raised_as_itself(con, ingested):
    def batches():
        yield ingested
        raise ValueError("not a disk problem")

    with pytest.raises(ValueError, match="not a disk problem"):
        replace_month(con, JUNE, CASES, batches(), "2021-06/cases.csv")
