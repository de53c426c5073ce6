"""The warehouse an analyst opens does not depend on which month ran last: no view holds a month, and
months rerun in any order leave every relation as a clean build of the same months left it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pytest

from dagster_project.cli import main

pytestmark = pytest.mark.integration

MONTHS = ["2021-01", "2021-02", "2021-03"]
SYSTEM_SCHEMAS = ("information_schema", "pg_catalog")
# A month written into SQL: '2021-02-01', '2021-02'.
DATE_LITERAL = re.compile(r"'\d{4}-\d{2}(-\d{2})?'")


@pytest.fixture(scope="module")
def three_months(tmp_path_factory) -> tuple[Path, Path]:
    """(raw, working warehouse) of a clean build of 2021-01..2021-03, tiny."""
    from dagster_project.sample.generator import parse_months
    from dagster_project.sample.writer import write_month

    raw = tmp_path_factory.mktemp("raw")
    for month in parse_months(",".join(MONTHS)):
        write_month(month, raw, scale=0.001, seed=5, bad_rows=0.005)
    mp = pytest.MonkeyPatch()
    mp.setenv("YWTB_SALT", "rerun-salt")
    mp.delenv("DAGSTER_HOME", raising=False)
    wh = tmp_path_factory.mktemp("wh") / "ywtb.duckdb"
    assert run(raw, wh, f"{MONTHS[0]}..{MONTHS[-1]}") == 0
    yield raw, wh
    mp.undo()


def run(raw: Path, working: Path, months: str) -> int:
    exports = working.parent / "out"
    return main(
        ["run", "--months", months, "--raw", str(raw), "--warehouse", str(working), "--exports", str(exports)]
    )


def relation_checksums(path: Path) -> dict[str, str]:
    """Row count and a hash of the sorted rows of every table and view of every schema; the audit
    schema's timestamps and run ids (when a file was read, which run built a month) are left out, they
    are meant to move."""
    with duckdb.connect(path, read_only=True) as con:
        columns = con.sql(
            f"""select schema_name, table_name, list(column_name order by column_index)
                from duckdb_columns()
                where database_name = current_database() and schema_name not in {SYSTEM_SCHEMAS}
                  and not (schema_name = 'audit' and (data_type like 'TIMESTAMP%' or column_name = 'run_id'))
                group by all"""
        ).fetchall()
        sums = {}
        for schema, table, names in columns:
            cols = ", ".join(f'"{c}"' for c in names)
            sums[f"{schema}.{table}"] = con.execute(
                f"""select count(*) || ':' || md5(coalesce(string_agg(x::varchar, '|' order by x::varchar), ''))
                    from (select {cols} from "{schema}"."{table}") x"""
            ).fetchone()[0]
        return sums


@pytest.mark.parametrize("file", ["ywtb.duckdb", "published.duckdb"])
def test_no_view_holds_a_date_literal(three_months, file):
    _, wh = three_months
    with duckdb.connect(wh.with_name(file), read_only=True) as con:
        views = con.sql(
            "select schema_name || '.' || view_name, sql from duckdb_views() where not internal"
        ).fetchall()
    assert views  # the staging and intermediate layers are views
    assert {name: DATE_LITERAL.findall(sql) for name, sql in views if DATE_LITERAL.search(sql)} == {}


def test_rerunning_february_then_january_leaves_every_relation_as_the_clean_build(three_months, tmp_path):
    raw, wh = three_months
    clean = {f: relation_checksums(wh.with_name(f)) for f in ("ywtb.duckdb", "published.duckdb")}
    working = tmp_path / "wh" / "ywtb.duckdb"
    shutil.copytree(wh.parent, working.parent)
    assert run(raw, working, "2021-02") == 0
    assert run(raw, working, "2021-01") == 0
    for file, sums in clean.items():
        rerun = relation_checksums(working.with_name(file))
        assert rerun.keys() == sums.keys(), file
        assert {t for t in sums if rerun[t] != sums[t]} == set(), file
