"""The published copy: where clones are not made, the spare is brought up to date by rewriting only what
differs, and never while a reader has it open."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from dagster_project.defs import file_copies
from dagster_project.defs.file_copies import CHUNK, SPARE_NAME, publish_copy, update_spare


def test_the_spare_is_rewritten_only_where_it_differs(tmp_path):
    source = os.urandom(10 * CHUNK + 1000)
    stale = bytearray(source + os.urandom(3 * CHUNK))  # longer than the source
    stale[2 * CHUNK + 5] ^= 0xFF
    stale[7 * CHUNK] ^= 0x01
    (tmp_path / "working").write_bytes(source)
    spare = tmp_path / "spare"
    spare.write_bytes(stale)

    assert update_spare(tmp_path / "working", spare) == 2 * CHUNK
    assert spare.read_bytes() == source


def test_a_spare_shorter_than_the_working_file_takes_the_rest(tmp_path):
    source = os.urandom(4 * CHUNK + 10)
    (tmp_path / "working").write_bytes(source)
    spare = tmp_path / "spare"
    spare.write_bytes(source[: 2 * CHUNK + 7])

    assert update_spare(tmp_path / "working", spare) == 2 * CHUNK + 10  # chunk 2 differs, then the rest
    assert spare.read_bytes() == source


def test_a_spare_a_reader_has_open_is_left_as_it_is(tmp_path):
    spare = tmp_path / "spare.duckdb"
    with duckdb.connect(spare) as con:
        con.execute("create table t as select 1 as x")
    before = spare.read_bytes()
    (tmp_path / "working").write_bytes(os.urandom(CHUNK))

    with duckdb.connect(spare, read_only=True):  # a DuckDB reader in this very process
        assert update_spare(tmp_path / "working", spare) is None
    assert spare.read_bytes() == before
    assert update_spare(tmp_path / "missing", tmp_path / "no-spare") is None


@pytest.fixture
def no_clones(monkeypatch):
    """As on ext4, whatever file system the tests run on."""
    monkeypatch.setattr(file_copies, "clone", lambda source, target: False)


def add_month(working: Path, month: int) -> None:
    with duckdb.connect(working) as con:
        con.execute("create table if not exists facts (month int, payload varchar)")
        con.execute("insert into facts select $m, md5(i::varchar) from range(200000) t(i)", {"m": month})


def months_in(path: Path) -> list[tuple[int, int]]:
    with duckdb.connect(path, read_only=True) as con:
        return con.execute("select month, count(*) from facts group by month order by month").fetchall()


def analyst(path: Path) -> subprocess.Popen:
    """Another process with the file open read-only in DuckDB; it counts the rows of `facts` when its
    stdin is closed, and exits."""
    reader = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(path)!r}, read_only=True); print('open', flush=True); sys.stdin.read(); print(c.execute('select count(*) from facts').fetchone()[0])"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert reader.stdout.readline() == "open\n"
    return reader


def test_publications_bring_the_spare_up_to_date_and_a_reader_keeps_the_copy_it_opened(tmp_path, no_clones):
    working = tmp_path / "ywtb.duckdb"
    spare = tmp_path / SPARE_NAME
    add_month(working, 1)
    published, how, _ = publish_copy(working)
    assert how == "copied" and not spare.exists()

    reader = analyst(published)
    add_month(working, 2)
    assert publish_copy(working)[1] == "copied"  # no spare yet: the first copy becomes it

    add_month(working, 3)
    assert publish_copy(working)[1] == "copied"  # the spare is the copy the analyst reads: left alone
    assert reader.communicate("")[0] == "200000\n"  # what the analyst opened, intact
    assert months_in(spare) == [(1, 200000), (2, 200000)]  # the copy just replaced

    add_month(working, 4)
    behind = working.stat().st_size - spare.stat().st_size
    _, how, written = publish_copy(working)  # the analyst is gone: the spare is brought up to date
    assert how == "spare updated"
    # Months 3 and 4, and the blocks of the file's headers and catalogue: not months 1 and 2 again.
    assert behind <= written <= behind + 4 * CHUNK, (behind, written)
    assert published.read_bytes() == working.read_bytes()
    assert months_in(published) == [(m, 200000) for m in (1, 2, 3, 4)]
    assert months_in(spare) == [(m, 200000) for m in (1, 2, 3)]  # the copy it replaced
    assert not list(tmp_path.glob(".published.duckdb.*"))


def two_publications(tmp_path: Path) -> tuple[Path, Path]:
    """The published copy holding month 1, and the next publication (months 1 and 2) ready to swap in."""
    published, fresh = tmp_path / "published.duckdb", tmp_path / ".published.next.duckdb"
    add_month(published, 1)
    add_month(fresh, 1)
    add_month(fresh, 2)
    return published, fresh


def swapped_during_connect(monkeypatch, published: Path, fresh: Path, fails: bool) -> list[Path]:
    """DuckDB's connect, with the run's swap falling inside the first call (as when it lands between
    DuckDB's reading the header and its reading the blocks); `fails`: DuckDB noticed the mix."""
    calls = []
    connect = duckdb.connect

    def connect_while_swapped(path, **kwargs):
        calls.append(path)
        if len(calls) == 1:
            con = connect(path, **kwargs)
            os.replace(fresh, published)
            if fails:
                con.close()
                raise duckdb.SerializationException("Serialization Error: Failed to deserialize")
            return con
        return connect(path, **kwargs)

    monkeypatch.setattr(file_copies.duckdb, "connect", connect_while_swapped)
    return calls


@pytest.mark.parametrize("fails", [True, False], ids=["duckdb-noticed", "duckdb-did-not-notice"])
def test_a_connection_made_across_a_swap_connects_again_to_the_new_copy(tmp_path, monkeypatch, fails):
    published, fresh = two_publications(tmp_path)
    calls = swapped_during_connect(monkeypatch, published, fresh, fails)

    with file_copies.connect_published(published) as con:
        assert con.execute("select count(distinct month) from facts").fetchone()[0] == 2
    assert calls == [published, published]


def test_a_file_that_is_not_a_warehouse_fails_at_once_without_retrying(tmp_path, monkeypatch):
    broken = tmp_path / "published.duckdb"
    broken.write_bytes(b"not a database" * 1000)
    calls = []
    connect = duckdb.connect
    monkeypatch.setattr(
        file_copies.duckdb, "connect", lambda path, **kw: calls.append(path) or connect(path, **kw)
    )

    with pytest.raises(duckdb.Error):
        file_copies.connect_published(broken)
    assert calls == [broken]


def test_a_copy_replaced_at_every_attempt_is_refused_in_one_line(tmp_path, monkeypatch):
    published = tmp_path / "published.duckdb"
    add_month(published, 1)
    connect = duckdb.connect

    spare = tmp_path / "spare.duckdb"

    def connect_and_swap(path, **kwargs):
        con = connect(path, **kwargs)
        spare.write_bytes(published.read_bytes())
        os.replace(spare, published)
        return con

    monkeypatch.setattr(file_copies.duckdb, "connect", connect_and_swap)
    with pytest.raises(duckdb.IOException, match="replaced 3 times while connecting"):
        file_copies.connect_published(published)
