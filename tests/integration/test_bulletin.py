"""The weekly bulletin (docs/bulletin.md): its counts are the ledgers', a week without a monitored day
is refused, the month-to-date figures are the monthly formulas over the as-of extract (one checked by
hand against the file), the .docx opens with its sections, and a rerun writes the same bytes."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
from docx import Document

from dagster_project.cli import main
from dagster_project.sample.writer import FILE_STEMS, write_as_of

# May's as-of day is the same point of the month before the week's last day (17 June).
DAYS = [dt.date(2021, 5, 17), dt.date(2021, 6, 15), dt.date(2021, 6, 16), dt.date(2021, 6, 17)]
MONDAY, SUNDAY = dt.date(2021, 6, 14), dt.date(2021, 6, 20)


def bulletin(wh: Path, out: Path, week: str) -> int:
    return main(["bulletin", "--week", week, "--warehouse", str(wh), "--exports", str(out)])


@pytest.fixture(scope="module")
def week(built, tmp_path_factory):
    """The May-June warehouse copied, four as-of days monitored, the bulletin of the week of 14 June
    written; (raw, warehouse, the week's folder)."""
    _, built_wh = built
    wh = tmp_path_factory.mktemp("bulletin") / "ywtb.duckdb"
    shutil.copy(built_wh, wh)
    raw = tmp_path_factory.mktemp("raw-bulletin")
    for day in DAYS:
        write_as_of(day, raw, scale=0.005, seed=11)
    days = ",".join(f"{d}" for d in DAYS)
    assert main(["monitor", "--as-of", days, "--raw", str(raw), "--warehouse", str(wh)]) == 0
    out = wh.parent / "out"
    assert bulletin(wh, out, f"{MONDAY}") == 0
    return raw, wh, out / "weekly" / f"{MONDAY}"


def tables(folder: Path) -> list[list[list[str]]]:
    doc = Document(folder / "bulletin.docx")
    return [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]


def ledger(wh: Path, table: str) -> pl.DataFrame:
    with duckdb.connect(wh, read_only=True) as con:
        return con.sql(
            f"""select w.*, o.org_name from monitoring.{table} w
                left join reference.ref_organisations o on o.org_code = w.dept_code"""
        ).pl()


def printed(rows: list[list[str]]) -> dict[str, list[int]]:
    """A count table as {department: counts}, 合计 included."""
    return {r[0]: [int(v) for v in r[1:]] for r in rows[1:]}


def test_the_case_counts_are_the_ledgers(week):
    _, wh, folder = week
    w = ledger(wh, "case_warnings").filter(pl.col("first_seen_on") <= SUNDAY)
    in_week = pl.col("first_seen_on").is_between(MONDAY, SUNDAY)
    still_open = pl.col("closed_on").is_null() | (pl.col("closed_on") > SUNDAY)
    red = pl.col("level") == "red"
    conditions = [
        in_week,
        in_week & red,
        still_open,
        still_open & red,
        pl.col("closed_on").is_between(MONDAY, SUNDAY),
    ]

    def counts(frame: pl.DataFrame) -> list[int]:
        return [frame.filter(c)["case_id"].n_unique() for c in conditions]

    expected = {name: counts(part) for (name,), part in w.group_by("org_name")}
    expected = {k: v for k, v in expected.items() if any(v)}
    shown = printed(tables(folder)[0])
    assert shown.pop("合计") == counts(w)
    assert shown == expected
    assert counts(w)[0] > 0 and counts(w)[1] > 0  # the sample has new and late cases this week


def test_the_rating_counts_are_the_ledgers(week):
    _, wh, folder = week
    w = ledger(wh, "rating_warnings").filter(pl.col("first_seen_on") <= SUNDAY)
    still_open = pl.col("closed_on").is_null() | (pl.col("closed_on") > SUNDAY)
    conditions = [
        pl.col("first_seen_on").is_between(MONDAY, SUNDAY),
        still_open,
        still_open & (pl.col("overdue_since") <= SUNDAY),
        ~pl.col("is_revisited").fill_null(False),
    ]

    def counts(frame: pl.DataFrame) -> list[int]:
        return [frame.filter(c).height for c in conditions]

    expected = {name: counts(part) for (name,), part in w.group_by("org_name")}
    shown = printed(tables(folder)[1])
    assert shown.pop("合计") == counts(w)
    assert shown == {k: v for k, v in expected.items() if any(v)}
    assert counts(w)[1] > 0


def applied_in_file(raw: Path, day: dt.date) -> int:
    """The bare query: cases of the as-of file applied for in its month."""
    path = raw / "daily" / f"{day}" / f"{FILE_STEMS['cases']}_{day:%Y%m%d}.csv"
    month = (day - dt.timedelta(days=1)).replace(day=1)
    return duckdb.sql(
        f"select count(*) from read_csv('{path}', all_varchar = true) "
        f"where \"申请时间\"::timestamp >= '{month}'"
    ).fetchall()[0][0]


def test_month_to_date_applied_cases_equal_the_as_of_files(week):
    raw, _, folder = week
    rows = {r[0]: r[1:] for r in tables(folder)[2][1:]}
    this, last, _ = rows["申请办件"]
    assert this == f"{applied_in_file(raw, dt.date(2021, 6, 17))}件"
    assert last == f"{applied_in_file(raw, dt.date(2021, 5, 17))}件"
    # a rate is a percentage of the same extract, compared in points
    rate, _, moved = rows["按时办结率"]
    assert rate.endswith("%") and (moved.endswith("个百分点") or moved == "持平")


def test_the_docx_has_the_bulletins_sections(week):
    _, _, folder = week
    doc = Document(folder / "bulletin.docx")
    text = [p.text for p in doc.paragraphs]
    assert "2021年第24期" in text  # the week of 14 June is the 24th from 4 January
    for heading in (
        "一、总体情况",
        "二、办件预警情况",
        "三、差评整改和回访情况",
        "四、本月累计主要指标",
        "五、工作要求",
    ):
        assert heading in text
    assert any("6月14日至6月20日" in t and "6月15日、16日、17日" in t for t in text)
    assert "2021年6月21日" in text  # 成文日期: the Monday after the week
    assert [t[0][0] for t in tables(folder)] == ["单位", "单位", "指标"]
    html = (folder / "bulletin.html").read_text(encoding="utf-8")
    assert html.count("<table>") == 3 and "2021年第24期" in html


def test_a_rerun_writes_the_same_bytes(week):
    _, wh, folder = week
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    assert bulletin(wh, folder.parents[1], f"{MONDAY}") == 0
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before


@pytest.mark.parametrize(
    "asked, said",
    [
        ("2021-06-21", "no as-of day of it was monitored"),
        ("2021-06-15", "is a Tuesday; a week is named by its Monday (2021-06-14)"),
        ("2021-6-14", "name it by its Monday as YYYY-MM-DD"),
    ],
)
def test_a_week_without_a_monitored_day_or_misnamed_is_refused_in_one_line(week, capsys, asked, said):
    _, wh, folder = week
    assert bulletin(wh, folder.parents[1], asked) == 2
    err = capsys.readouterr().err.strip()
    assert said in err and len(err.splitlines()) == 1
    assert not (folder.parent / asked).exists()
