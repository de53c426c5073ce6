"""The daily monitoring (docs/monitoring.md): as-of deliveries through the raw contracts, the
deadlines and 红/黄/提示 levels, the warning ledgers, and days that leave the months alone."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest

from dagster_project.cli import main
from dagster_project.sample.writer import FILE_STEMS, write_as_of
from schemas.profile import load_profile
from tests.integration.test_rerun_order import relation_checksums

DAYS = [dt.date(2021, 6, 15), dt.date(2021, 6, 16), dt.date(2021, 6, 17)]
SEEDS = Path(__file__).resolve().parents[2] / "dbt" / "seeds"


def monitor(raw: Path, wh: Path, days: str | None = None) -> int:
    return main(["monitor", *(["--as-of", days] if days else []), "--raw", str(raw), "--warehouse", str(wh)])


def query(wh: Path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(wh, read_only=True) as con:
        return con.execute(sql, params or {}).fetchall()


# ------------------------------------------------------------------------------ the generated days


@pytest.fixture(scope="module")
def monitored(built, tmp_path_factory):
    """The May-June warehouse copied, then the generated days of June monitored one after another;
    with the relations before the days and each day's warnings as the ledger said right after it."""
    _, built_wh = built
    wh = tmp_path_factory.mktemp("monitored") / "ywtb.duckdb"
    shutil.copy(built_wh, wh)
    # The salt is the session's (YWTB_SALT), not a file beside the warehouse.
    raw = tmp_path_factory.mktemp("raw-daily")
    for day in DAYS:
        write_as_of(day, raw, scale=0.005, seed=11)
    before = relation_checksums(wh)
    seen = {}
    for day in DAYS:
        assert monitor(raw, wh, f"{day}") == 0
        seen[day] = set(
            query(
                wh, "select case_id, level from monitoring.case_warnings where last_seen_on = $d", {"d": day}
            )
        )
    return raw, wh, before, seen


def workdays() -> list[dt.date]:
    """The working days of the national calendar with the profile's overrides, read from the seeds."""
    kinds = {}
    with (SEEDS / "ref_calendar_days.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            kinds[dt.date.fromisoformat(row["calendar_date"])] = row["is_workday"] == "true"
    overrides = load_profile("dazhou").calendar_overrides
    kinds.update({o.calendar_date: o.is_workday for o in overrides})
    return sorted(d for d, is_workday in kinds.items() if is_workday)


def expected_warnings(raw: Path, day: dt.date) -> set[tuple[str, str]]:
    """The bare query: the open cases of the day's file, their deadline counted on the calendar here,
    and the profile's thresholds."""
    levels = load_profile("dazhou").monitoring
    work = workdays()
    folder = raw / "daily" / f"{day}"
    cases = pl.read_csv(folder / f"{FILE_STEMS['cases']}_{day:%Y%m%d}.csv", infer_schema=False).filter(
        pl.col("受理时间").is_not_null() & pl.col("办结时间").is_null()
    )
    as_of = dt.datetime.combine(day, dt.time())
    # The working days up to and including the as-of day.
    done_by = sum(1 for d in work if d <= day)
    out = set()
    for case_id, kind, accepted, promised in cases.select(
        "办件编号", "办件类型", "受理时间", "承诺时限（工作日）"
    ).iter_rows():
        accepted = dt.datetime.fromisoformat(accepted)
        if kind == "即办件":
            deadline = accepted + dt.timedelta(hours=24)
        else:
            after = [d for d in work if d > accepted.date()]
            deadline = dt.datetime.combine(after[int(promised) - 1] + dt.timedelta(days=1), dt.time())
        due_day = (deadline - dt.timedelta(microseconds=1)).date()
        left = sum(1 for d in work if d <= due_day) - done_by
        if deadline <= as_of:
            out.add((case_id, "red"))
        elif left <= levels.yellow_within_working_days:
            out.add((case_id, "yellow"))
        elif left <= levels.notice_within_working_days:
            out.add((case_id, "notice"))
    return out


@pytest.mark.parametrize("day", DAYS, ids=str)
def test_the_warnings_of_a_day_equal_a_bare_query_over_its_files(monitored, day):
    raw, wh, _, seen = monitored
    assert query(
        wh, "select sum(rows_quarantined) from monitoring.daily_ingest_log where as_of_date = $d", {"d": day}
    ) == [(0,)]
    expected = expected_warnings(raw, day)
    assert {level for _, level in expected} == {"red", "yellow", "notice"}  # the sample has each level
    assert seen[day] == expected


def test_monitoring_days_leaves_every_monthly_relation_unchanged(monitored):
    _, wh, before, _ = monitored
    after = relation_checksums(wh)
    daily = {k for k in after if k.split(".")[0] in ("daily", "monitoring")}
    assert daily >= {"daily.cases", "monitoring.case_warnings", "monitoring.rating_warnings"}
    assert {k: v for k, v in after.items() if k not in daily} == before


def test_rerunning_a_day_changes_nothing(monitored):
    raw, wh, _, _ = monitored
    before = relation_checksums(wh)
    assert monitor(raw, wh, "2021-06-16") == 0
    assert monitor(raw, wh, "2021-06-15,2021-06-17") == 0
    after = relation_checksums(wh)
    # monitored_at says when a day last ran; everything else is as it was.
    assert {k: v for k, v in after.items() if k != "monitoring.monitored_days"} == {
        k: v for k, v in before.items() if k != "monitoring.monitored_days"
    }
    (rows,) = query(wh, "select count(*), count(distinct warning_fingerprint) from monitoring.case_warnings")
    assert rows[0] == rows[1]


def test_a_case_finished_the_next_day_closes_its_warnings(monitored):
    raw, wh, _, _ = monitored
    for day, next_day in zip(DAYS, DAYS[1:], strict=False):
        cases = pl.read_csv(
            raw / "daily" / f"{next_day}" / f"{FILE_STEMS['cases']}_{next_day:%Y%m%d}.csv", infer_schema=False
        )
        finished = set(cases.filter(pl.col("办结时间").is_not_null())["办件编号"].to_list())
        warned = query(
            wh,
            "select case_id, closed_on from monitoring.case_warnings where last_seen_on = $d",
            {"d": day},
        )
        closed_next_day = [case_id for case_id, closed_on in warned if closed_on == next_day]
        assert closed_next_day, "the sample has a warned case finished the next day"
        assert {case_id for case_id, _ in warned if case_id in finished} == set(closed_next_day)


def test_the_counts_per_department_add_up_to_the_ledger(monitored):
    _, wh, _, _ = monitored
    (day_counts,) = query(
        wh,
        "select sum(new_count), sum(open_count), sum(closed_count) from monitoring.case_warning_counts "
        "where as_of_date = '2021-06-16'",
    )
    (ledger,) = query(
        wh,
        """select count(*) filter (where first_seen_on = '2021-06-16'),
                  count(*) filter (where first_seen_on <= '2021-06-16'
                                   and (closed_on is null or closed_on > '2021-06-16')),
                  count(*) filter (where closed_on = '2021-06-16')
           from monitoring.case_warnings""",
    )
    assert day_counts == ledger
    assert ledger[0] > 0 and ledger[2] > 0


# ----------------------------------------------------------------------- a hand-worked delivery


def hand_made_day(raw: Path, day: dt.date, cases: list[dict], evaluations: list[dict]) -> None:
    """The generated delivery of `day` with its cases and evaluations replaced by the rows given
    (every other column copied from the generated file's first row)."""
    write_as_of(day, raw, scale=0.001, seed=3)
    folder = raw / "daily" / f"{day}"
    for name, rows in (("cases", cases), ("evaluations", evaluations)):
        path = folder / f"{FILE_STEMS[name]}_{day:%Y%m%d}.csv"
        template = pl.read_csv(path, infer_schema=False).row(0, named=True)
        pl.DataFrame(
            [{**template, **row} for row in rows], schema={k: pl.String for k in template}
        ).write_csv(path, null_value="")


def case(case_id: str, kind: str, accepted: str, promised: int, finished: str | None = None) -> dict:
    return {
        "办件编号": case_id, "办件类型": kind, "申请时间": accepted, "受理时间": accepted, "办结时间": finished,
        "承诺时限（工作日）": str(promised), "法定时限（工作日）": "20", "办理结果": "准予" if finished else None,
    }  # fmt: skip


def bad_rating(eval_id: str, due: str, rectified: str | None, revisited: str) -> dict:
    return {
        "评价编号": eval_id, "评价时间": "2021-06-07 10:00:00", "评价等级": "非常不满意", "整改期限": due,
        "整改时间": rectified, "已回访": revisited, "申诉认定无效": "否",
    }  # fmt: skip


@pytest.fixture
def hand_worked(env, tmp_path):
    """端午节 2021 is Saturday 12 to Monday 14 June: the first working day after Friday 11 June is
    Tuesday 15 June."""
    raw = tmp_path / "raw"
    cases_15 = [
        case("A", "承诺件", "2021-06-11 10:00:00", 1),  # due end of Tue 15 June: 黄 as of the 15th
        case("B", "承诺件", "2021-06-11 10:00:00", 2),  # due end of Wed 16: 提示 as of the 15th
        case("C", "承诺件", "2021-06-11 10:00:00", 3),  # due end of Thu 17: nothing yet
        case("D", "即办件", "2021-06-14 09:00:00", 0),  # due Tue 15 at 09:00: 黄
        case("E", "承诺件", "2021-06-10 10:00:00", 1),  # due end of Fri 11: 红
        case("F", "承诺件", "2021-06-15 08:00:00", 1),  # after 00:00 of the 15th: not in its extract
    ]
    ratings = [
        bad_rating("R1", "2021-06-14 10:00:00", None, "否"),  # overdue as of the 15th
        bad_rating("R2", "2021-06-20 10:00:00", None, "是"),  # due later, revisited
    ]
    hand_made_day(raw, DAYS[0], cases_15, ratings)
    cases_16 = [
        case("A", "承诺件", "2021-06-11 10:00:00", 1, finished="2021-06-15 15:00:00"),
        *cases_15[1:5],
    ]
    ratings_16 = [ratings[0], bad_rating("R2", "2021-06-20 10:00:00", "2021-06-15 16:00:00", "是")]
    hand_made_day(raw, DAYS[1], cases_16, ratings_16)
    return raw, tmp_path / "wh" / "ywtb.duckdb"


def test_deadlines_across_a_holiday_and_their_levels_as_worked_by_hand(hand_worked):
    raw, wh = hand_worked
    assert monitor(raw, wh, "2021-06-15") == 0
    rows = query(
        wh,
        "select case_id, deadline_at::varchar, working_days_left, hours_left from monitoring.mon_case_deadlines "
        "where as_of_date = '2021-06-15' order by case_id",
    )
    assert rows == [
        ("A", "2021-06-16 00:00:00", 0, 24.0),
        ("B", "2021-06-17 00:00:00", 1, 48.0),
        ("C", "2021-06-18 00:00:00", 2, 72.0),
        ("D", "2021-06-15 09:00:00", 0, 9.0),
        ("E", "2021-06-12 00:00:00", -1, -72.0),
    ]
    levels = query(wh, "select case_id, level from monitoring.case_warnings order by case_id")
    assert levels == [("A", "yellow"), ("B", "notice"), ("D", "yellow"), ("E", "red")]
    assert query(
        wh,
        "select rows_read, rows_loaded, rows_quarantined, quarantine_reasons from monitoring.daily_ingest_log "
        "where extract = 'cases'",
    ) == [(6, 5, 1, '{"timestamp_after_as_of": 1}')]
    assert query(
        wh, "select eval_id, is_overdue, is_revisited, closed_on from monitoring.rating_warnings order by 1"
    ) == [("R1", True, False, None), ("R2", False, True, None)]


@pytest.mark.parametrize("order", [["2021-06-15", "2021-06-16"], ["2021-06-16", "2021-06-15"]], ids=str)
def test_the_next_day_escalates_closes_and_keeps_first_seen_in_any_order(hand_worked, order):
    raw, wh = hand_worked
    for day in order:
        assert monitor(raw, wh, day) == 0
    rows = query(
        wh,
        "select case_id, level, first_seen_on::varchar, last_seen_on::varchar, closed_on::varchar "
        "from monitoring.case_warnings order by case_id, level",
    )
    assert rows == [
        ("A", "yellow", "2021-06-15", "2021-06-15", "2021-06-16"),  # finished on the 15th
        ("B", "notice", "2021-06-15", "2021-06-15", None),
        ("B", "yellow", "2021-06-16", "2021-06-16", None),  # due end of the 16th
        ("C", "notice", "2021-06-16", "2021-06-16", None),
        ("D", "red", "2021-06-16", "2021-06-16", None),
        ("D", "yellow", "2021-06-15", "2021-06-15", None),
        ("E", "red", "2021-06-15", "2021-06-16", None),
    ]
    assert query(
        wh,
        "select eval_id, is_overdue, overdue_since::varchar, closed_on::varchar from monitoring.rating_warnings order by 1",
    ) == [("R1", True, "2021-06-15", None), ("R2", False, None, "2021-06-16")]


# --------------------------------------------------------------------------------- refused input


@pytest.mark.parametrize(
    ("as_of", "says"),
    [
        ("2021-6-15", "write it as YYYY-MM-DD"),
        ("2021-06-31", "not a date of the calendar"),
        ("2021-06-18", "no folder"),
    ],
)
def test_a_wrong_as_of_day_is_refused_in_one_line(env, tmp_path, capsys, as_of, says):
    raw = tmp_path / "raw"
    write_as_of(DAYS[0], raw, scale=0.001, seed=3)
    assert monitor(raw, tmp_path / "wh" / "ywtb.duckdb", as_of) == 2
    err = capsys.readouterr().err.strip()
    assert says in err and len(err.splitlines()) == 1


def test_a_misnamed_day_folder_and_a_missing_file_are_refused_naming_them(env, tmp_path, capsys):
    raw = tmp_path / "raw"
    write_as_of(DAYS[0], raw, scale=0.001, seed=3)
    (raw / "daily" / "June 16").mkdir()
    assert monitor(raw, tmp_path / "wh" / "ywtb.duckdb") == 2
    err = capsys.readouterr().err.strip()
    assert "June 16" in err and "YYYY-MM-DD" in err and len(err.splitlines()) == 1
    (raw / "daily" / "June 16").rmdir()
    (raw / "daily" / f"{DAYS[0]}" / f"{FILE_STEMS['evaluations']}_{DAYS[0]:%Y%m%d}.csv").unlink()
    assert monitor(raw, tmp_path / "wh" / "ywtb.duckdb", f"{DAYS[0]}") == 2
    err = capsys.readouterr().err.strip()
    assert "missing file for 好差评" in err and f"{DAYS[0]}" in err and len(err.splitlines()) == 1


def test_the_ledgers_are_published_for_analysts(monitored):
    _, wh, _, _ = monitored
    published = wh.with_name("published.duckdb")
    sql = "select count(*), max(last_seen_on)::varchar from monitoring.case_warnings"
    assert query(published, sql) == query(wh, sql)
    assert query(published, sql)[0][1] == "2021-06-17"


def test_a_month_rerun_after_the_days_publishes_and_leaves_the_ledgers_alone(monitored, built):
    raw_months, _ = built
    raw, wh, _, _ = monitored
    ledgers = {k: v for k, v in relation_checksums(wh).items() if k.split(".")[0] in ("daily", "monitoring")}
    args = ["run", "--months", "2021-06", "--raw", str(raw_months), "--warehouse", str(wh)]
    assert main([*args, "--exports", str(wh.parent / "out")]) == 0
    after = relation_checksums(wh)
    assert {k: v for k, v in after.items() if k in ledgers} == ledgers


def test_no_name_phone_or_id_number_of_the_files_reaches_the_daily_tables(monitored):
    raw, wh, _, _ = monitored
    folder = raw / "daily" / f"{DAYS[0]}"
    cases = pl.read_csv(folder / f"{FILE_STEMS['cases']}_{DAYS[0]:%Y%m%d}.csv", infer_schema=False)
    personal = {
        v
        for column in ("申请人姓名", "证件号码", "联系电话")
        for v in cases[column].drop_nulls().to_list()
        if len(v) > 1
    }
    assert len(personal) > 100
    with duckdb.connect(wh, read_only=True) as con:
        for table in ("cases", "evaluations", "matters"):
            text = con.execute(
                f"select string_agg(columns(*)::varchar, '|') from daily.{table} where as_of_date = $d",
                {"d": DAYS[0]},
            ).fetchone()
            values = {v for column in text if column for v in column.split("|")}
            assert not values & personal, table
        keys = con.execute(
            "select count(applicant_key) from daily.cases where as_of_date = $d", {"d": DAYS[0]}
        )
        assert keys.fetchone()[0] > 0  # hashed, with the warehouse's salt
