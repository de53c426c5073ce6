"""What an analyst reads in the published copy: the queries of docs/analysts.md give the sample's
values; the copy says which months it holds, when each was built and from which files, and shows a
month left behind by an earlier month's rebuild; every column of the relations Python makes is
described in Chinese, in the working file and in the published copy."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from dagster_project.cli import main
from dagster_project.defs.ingest.deliveries import file_fingerprint

pytestmark = pytest.mark.integration

GUIDE = Path(__file__).parents[2] / "docs" / "analysts.md"
CJK = re.compile(r"[\u4e00-\u9fff]")


def published(built) -> Path:
    return built[1].with_name("published.duckdb")


def guide_statements() -> list[tuple[str, str]]:
    """(title, SQL) of every statement in the ```sql fences of the guide; the title is the statement's
    first comment line, else its first line."""
    found = []
    for block in re.findall(r"```sql\n(.*?)```", GUIDE.read_text(), re.S):
        lines: list[str] = []
        for line in block.splitlines():
            lines.append(line)
            if line.rstrip().endswith(";"):
                sql = "\n".join(lines)
                comments = [x[3:] for x in lines if x.startswith("-- ")]
                found.append((comments[0] if comments else lines[0], sql))
                lines = []
        assert not "\n".join(lines).strip(), f"a statement of the guide does not end with ';': {lines}"
    return found


# Hand-checked on the sample (tests/integration/conftest.py: 2021-05 and 2021-06). 全程网办率 scores
# 3 × value / 0.85 (2 for a county), so a value is points × 0.85 / 3: 国家税务总局达州市税务局 2.4706
# points is 70 %; the same matter catalogue both months, hence 2 months each.
MISSED_FULL_ONLINE = [
    ("国家税务总局达州市税务局", 2, 70.0, 85.0, 0.53),
    ("市交通运输局", 2, 75.0, 85.0, 0.35),
    ("市商务局", 2, 77.78, 85.0, 0.25),
    ("市自然资源和规划局", 2, 82.35, 85.0, 0.09),
    ("市住房公积金管理中心", 2, 83.33, 85.0, 0.06),
    ("市退役军人事务局", 2, 83.33, 85.0, 0.06),
    ("市消防救援支队", 2, 84.21, 85.0, 0.03),
]
TREND = [(date(2021, 5, 1), 67.84, 81.93, 10), (date(2021, 6, 1), 79.65, 84.54, 11)]
IMPROVED = [
    ("万源市", 76.29, 84.5, 8.21, 6, 1),
    ("市公共资源交易服务中心", 75.37, 81.86, 6.49, 11, 14),
    ("市司法局", 80.85, 86.35, 5.49, 12, 6),
    ("市住房和城乡建设局", 80.88, 86.33, 5.45, 11, 7),
    ("市邮政管理局", 80.29, 84.93, 4.64, 9, 9),
]
EXTRACTS = [
    "assessed_inputs",
    "cases",
    "certificates",
    "evaluations",
    "matters",
    "project_cases",
    "projects",
    "spot_checks",
]


def test_every_query_of_the_analysts_guide_gives_the_samples_values(built):
    statements = guide_statements()
    with duckdb.connect(published(built), read_only=True) as con:
        results = {title: con.execute(sql).fetchall() for title, sql in statements}

        assert (
            results.pop(
                "Which city departments missed 全程网办率 in 2021 (indicator full_online_rate, rubric item"
            )
            == MISSED_FULL_ONLINE
        )
        # the same departments, from the indicator table: the assessed ones (in a group) below 85 %
        below = con.execute(
            "select o.org_name, count(*) from indicators.ind_indicator_values v "
            "join reference.ref_organisations o using (org_code) "
            "where v.indicator_code = 'full_online_rate' and v.period_window = 'ytd' and v.value < 0.85 "
            "and o.org_level = 'city_dept' and o.city_group is not null group by all"
        ).fetchall()
        assert sorted(below) == sorted((name, months) for name, months, *_ in MISSED_FULL_ONLINE)

        assert (
            results.pop(
                "A department's trend month by month: 市交通运输局's 承诺提速率 of each month alone, and its"
            )
            == TREND
        )
        # 承诺提速率 is its numerator over its denominator
        ratios = con.execute(
            "select round(100 * v.numerator / v.denominator, 2) from indicators.ind_indicator_values v "
            "join reference.ref_organisations o using (org_code) where o.org_name = '市交通运输局' "
            "and v.indicator_code = 'promise_speedup_rate' and v.period_window = 'month' order by v.month"
        ).fetchall()
        assert [r[0] for r in ratios] == [float(t[1]) for t in TREND]

        improved = results.pop(
            "Who improved most between May and June 2021: the change of the total, among those ranked both months"
        )
        assert improved == IMPROVED
        changes = [change for _, _, _, change, *_ in improved]
        assert changes == sorted(changes, reverse=True)

        held = results.pop("The months held, and any that an earlier month's rebuild left behind")
        assert [(m, stale) for m, _, _, stale in held] == [(date(2021, 5, 1), None), (date(2021, 6, 1), None)]
        files = results.pop("The files June 2021 was built from")
        assert [f[0] for f in files] == EXTRACTS
        assert all(f[1].startswith("2021-06/") and f[2] == file_fingerprint(built[0] / f[1]) for f in files)
        assert [f[3:] for f in files if f[0] == "cases"] == [(2235, 2225, 10)]
        assert all(read == loaded + quarantined for *_, read, loaded, quarantined in files)

    # the guide's other queries (labels, the indicator table, the annexes) return rows on the sample
    assert {title: len(rows) for title, rows in results.items() if not rows} == {}
    assert len(statements) >= 15


def test_the_guide_names_every_relation_it_points_analysts_to(built):
    with duckdb.connect(published(built), read_only=True) as con:
        relations = {
            f"{s}.{t}"
            for s, t in con.execute(
                "select schema_name, table_name from duckdb_tables() union all "
                "select schema_name, view_name from duckdb_views() where not internal"
            ).fetchall()
        }
    named = set(
        re.findall(
            r"`((?:marts|indicators|scorecard|completeness|audit|reference)\.[a-z_0-9]+)`", GUIDE.read_text()
        )
    )
    assert named - relations == set()
    assert {"audit.months", "scorecard.item_scores", "indicators.ind_indicator_values"} <= named


# ------------------------------------------------------------------------------- which months


def months_held(path: Path) -> dict[date, tuple]:
    with duckdb.connect(path, read_only=True) as con:
        return {
            m: (built_at, run_id, files, stale)
            for m, built_at, run_id, files, stale in con.execute(
                "select month, built_at, run_id, files, earlier_month_rebuilt_after from audit.months"
            ).fetchall()
        }


def test_rerunning_a_month_shows_its_new_build_and_files_and_leaves_the_other_month_as_it_was(
    built, tmp_path, monkeypatch
):
    shutil.copytree(built[0], tmp_path / "raw")
    shutil.copytree(built[1].parent, tmp_path / "wh")
    raw, working = tmp_path / "raw", tmp_path / "wh" / "ywtb.duckdb"
    before = months_held(working.with_name("published.duckdb"))
    assert set(before) == {date(2021, 5, 1), date(2021, 6, 1)}
    assert before[date(2021, 5, 1)][1] != before[date(2021, 6, 1)][1]  # `ywtb run` runs month by month

    cases = raw / "2021-06" / "办件数据_202106.csv"
    cases.touch()  # a re-delivery of the same rows: a new modification time
    monkeypatch.setenv("YWTB_SALT", "warehouse-salt")
    args = ["run", "--months", "2021-06", "--raw", str(raw), "--warehouse", str(working)]
    assert main([*args, "--exports", str(tmp_path / "out")]) == 0
    after = months_held(working.with_name("published.duckdb"))

    assert after[date(2021, 5, 1)] == before[date(2021, 5, 1)]
    built_at, run_id, files, stale = after[date(2021, 6, 1)]
    assert built_at > before[date(2021, 6, 1)][0] and run_id != before[date(2021, 6, 1)][1]
    assert stale is None
    by_extract = {f["extract"]: f for f in files}
    assert list(by_extract) == EXTRACTS
    assert (
        by_extract["cases"]["fingerprint"]
        == file_fingerprint(cases)
        != before[date(2021, 6, 1)][2][1]["fingerprint"]
    )
    assert by_extract["cases"]["source_file"] == "2021-06/办件数据_202106.csv"
    # the working file says the same as the copy
    assert months_held(working) == after


def test_a_month_built_before_an_earlier_month_was_rebuilt_is_shown_as_left_behind(built, tmp_path):
    copy = tmp_path / "published.duckdb"
    shutil.copy(published(built), copy)
    with duckdb.connect(copy) as con:  # as if 2021-05 had been rematerialized alone, after 2021-06
        con.execute(
            "update audit.month_builds set built_at = (select max(built_at) from audit.month_builds) + interval 1 hour "
            "where month = date '2021-05-01'"
        )
    held = months_held(copy)
    assert held[date(2021, 6, 1)][3] == date(2021, 5, 1)
    assert held[date(2021, 5, 1)][3] is None


def test_the_audit_relations_hold_no_month_literal_and_no_personal_data(built):
    with duckdb.connect(published(built), read_only=True) as con:
        views = con.execute(
            "select view_name, sql from duckdb_views() where schema_name = 'audit'"
        ).fetchall()
        columns = con.execute(
            "select table_name, column_name from duckdb_columns() where schema_name = 'audit'"
        ).fetchall()
    assert [name for name, _ in views] == ["months"]
    assert not [name for name, sql in views if re.search(r"'\d{4}-\d{2}(-\d{2})?'|\bdate\s+'", sql, re.I)]
    # files and counts only: no applicant, no ID number, no phone, not even a hashed key
    assert not [c for c in columns if re.search(r"applicant|person|phone|id_number|_key$", c[1])]


# ---------------------------------------------------------------------------------- descriptions


def described_share(path: Path, schemas: tuple[str, ...] | None = None) -> dict[str, tuple[int, int]]:
    """schema -> (columns described in Chinese, columns), outside raw and quarantine."""
    with duckdb.connect(path, read_only=True) as con:
        rows = con.execute(
            "select schema_name, comment from duckdb_columns() "
            "where database_name = current_database() and schema_name not in ('raw', 'quarantine', 'main')"
        ).fetchall()
    share: dict[str, tuple[int, int]] = {}
    for schema, comment in rows:
        if schemas is None or schema in schemas:
            done, total = share.get(schema, (0, 0))
            share[schema] = (done + bool(comment and CJK.search(comment)), total + 1)
    return share


@pytest.mark.parametrize("which", ["working", "published"])
def test_every_column_python_makes_is_described_in_chinese_in_both_files(built, which):
    path = built[1] if which == "working" else published(built)
    share = described_share(path, ("scorecard", "audit", "completeness"))
    assert set(share) == {"scorecard", "audit", "completeness"}
    assert {schema: done / total for schema, (done, total) in share.items()} == {
        "scorecard": 1.0,
        "audit": 1.0,
        "completeness": 1.0,
    }
    with duckdb.connect(path, read_only=True) as con:
        undescribed = con.execute(
            "select table_name from duckdb_tables() where schema_name = 'audit' and comment is null "
            "union all select view_name from duckdb_views() where schema_name = 'audit' and comment is null"
        ).fetchall()
    assert undescribed == []


def test_at_least_95_percent_of_the_columns_an_analyst_sees_are_described_in_chinese(built):
    share = described_share(published(built))
    done = sum(d for d, _ in share.values())
    total = sum(t for _, t in share.values())
    print(
        f"described: {done}/{total} = {done / total:.1%}",
        {s: f"{d}/{t}" for s, (d, t) in sorted(share.items())},
    )
    assert done / total >= 0.95
