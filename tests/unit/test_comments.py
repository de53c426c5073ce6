"""The descriptions analysts read come from the contracts: every column of every scorecard contract
and audit relation is described in Chinese, and a column no description names is reported."""

import re

import duckdb
import pytest

from dagster_project.defs.publish.comments import describe, python_relations
from schemas.rubric import load_rubric

CJK = re.compile(r"[\u4e00-\u9fff]")


# the rubrics that score organisations into categories (the others publish targets or one table)
@pytest.mark.parametrize("rubric", ["dazhou-2021", "city-dept-004"])
def test_every_column_of_the_python_made_relations_has_a_chinese_description(rubric):
    relations = python_relations(load_rubric(rubric))
    assert {"scorecard.item_scores", "scorecard.org_scores", "audit.months", "audit.ingest_log"} <= set(
        relations
    )
    plain = {
        f"{relation}.{column}": text
        for relation, (about, columns) in relations.items()
        for column, text in {"": about, **columns}.items()
        if not CJK.search(text)
    }
    assert plain == {}


def test_describing_comments_each_column_and_names_those_without_a_description():
    con = duckdb.connect()
    con.execute("create schema audit")
    con.execute("create table audit.ingest_log (month date, extract varchar, stray bigint)")
    con.execute("create view audit.months as select month from audit.ingest_log")
    missing = describe(con, python_relations(load_rubric("dazhou-2021")))
    assert missing == ["audit.ingest_log.stray"]
    comments = con.execute(
        "select table_name, column_name, comment from duckdb_columns() where schema_name = 'audit' order by all"
    ).fetchall()
    assert comments == [
        ("ingest_log", "extract", "数据项（raw 中的表名）"),
        ("ingest_log", "month", "数据月份（分区，月初日期）"),
        ("ingest_log", "stray", None),
        ("months", "month", "数据月份（分区，月初日期）"),
    ]
    assert (
        con.execute("select comment from duckdb_views() where view_name = 'months'")
        .fetchone()[0]
        .startswith("发布副本所含月份")
    )
