"""The warning ledgers of the daily monitoring, brought up to date with one as-of day.

monitoring.case_warnings    one row per open case and warning level it reached (红 red, 黄 yellow,
                            提示 notice); the fingerprint md5('case|<case_id>|<level>') is its key, so
                            a day rerun, or a case received again the next day, updates the row
                            instead of adding one. first_seen_on / last_seen_on: the as-of days it was
                            seen at that level; closed_on: the first as-of day its case was seen
                            finished (its warnings at every level close then).
monitoring.rating_warnings  one row per counted 差评 (key md5('rating|<eval_id>')): its rectification
                            due date, 回访 done or not and overdue or not as last seen, the first day
                            seen overdue, and closed_on: the first as-of day it was seen rectified.
monitoring.monitored_days   the as-of days monitored, and when.
monitoring.case_warning_counts, monitoring.rating_warning_counts   per as-of day and department: new
                            (first seen that day), open (seen and not closed by that day) and closed
                            (closed that day). A week's bulletin counts the same way over its days.

Every update is a merge by key with first = least, last = greatest and closed = the earliest day seen
finished, so days run in any order, and any day rerun, give the same ledger.

The deadlines and working days left come from the dbt views monitoring.mon_case_deadlines and
monitoring.mon_bad_ratings (their formula is the monthly states'); the levels' thresholds from the
jurisdiction profile (`monitoring:` in profile.yaml).
"""

from __future__ import annotations

import datetime as dt

import duckdb

from schemas.profile import Monitoring

LEVELS = {"red": "红", "yellow": "黄", "notice": "提示"}

CASE_WARNINGS_DDL = """
create table if not exists monitoring.case_warnings (
    warning_fingerprint varchar primary key,
    case_id varchar not null,
    level varchar not null,
    dept_code varchar,
    region_code varchar,
    matter_code varchar,
    case_kind varchar,
    accepted_at timestamp,
    deadline_at timestamp,
    legal_deadline_at timestamp,
    working_days_left integer,
    legal_working_days_left integer,
    is_past_legal_deadline boolean,
    first_seen_on date not null,
    last_seen_on date not null,
    closed_on date
)"""

RATING_WARNINGS_DDL = """
create table if not exists monitoring.rating_warnings (
    warning_fingerprint varchar primary key,
    eval_id varchar not null,
    case_id varchar,
    dept_code varchar,
    region_code varchar,
    evaluated_at timestamp,
    rating integer,
    rectification_due_at timestamp,
    is_revisited boolean,
    is_overdue boolean,
    overdue_since date,
    first_seen_on date not null,
    last_seen_on date not null,
    closed_on date
)"""

MONITORED_DAYS_DDL = """
create table if not exists monitoring.monitored_days (
    as_of_date date primary key,
    monitored_at timestamp not null
)"""

COUNTS_VIEW = """
create or replace view monitoring.{name} as
select
    d.as_of_date,
    w.dept_code,
    {level} as level,
    count(*) filter (where w.first_seen_on = d.as_of_date) as new_count,
    count(*) filter (where w.closed_on is null or w.closed_on > d.as_of_date) as open_count,
    count(*) filter (where w.closed_on = d.as_of_date) as closed_count
from monitoring.monitored_days as d
inner join monitoring.{table} as w on w.first_seen_on <= d.as_of_date
group by all"""

COMMENTS = {
    "case_warnings": (
        "日监测预警台账：每个在办办件每个预警等级一行（红：已超承诺期限；黄：截至当日内到期；提示：下一工作日内到期）",
        {
            "warning_fingerprint": "预警指纹：md5(case|办件编号|等级)，重跑或再次收到不重复",
            "level": "预警等级：red 红/yellow 黄/notice 提示",
            "working_days_left": "距承诺期限剩余工作日（最近一次所见）",
            "legal_working_days_left": "距法定期限剩余工作日（最近一次所见）",
            "is_past_legal_deadline": "是否已超法定期限（最近一次所见）",
            "first_seen_on": "首次出现的截至日期",
            "last_seen_on": "最近出现的截至日期",
            "closed_on": "销号日期：首次见到该办件办结的截至日期",
        },
    ),
    "rating_warnings": (
        "日监测差评台账：每条差评一行，含整改期限、回访与逾期情况",
        {
            "warning_fingerprint": "预警指纹：md5(rating|评价编号)，重跑或再次收到不重复",
            "is_revisited": "已回访（最近一次所见）",
            "is_overdue": "是否逾期未整改（最近一次所见）",
            "overdue_since": "首次见到逾期未整改的截至日期",
            "first_seen_on": "首次出现的截至日期",
            "last_seen_on": "最近出现的截至日期",
            "closed_on": "销号日期：首次见到已整改的截至日期",
        },
    ),
}


def ensure_ledgers(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists monitoring")
    for ddl in (CASE_WARNINGS_DDL, RATING_WARNINGS_DDL, MONITORED_DAYS_DDL):
        con.execute(ddl)
    for table, (about, columns) in COMMENTS.items():
        con.execute(f"comment on table monitoring.{table} is '{about}'")
        for column, label in columns.items():
            con.execute(f"comment on column monitoring.{table}.{column} is '{label}'")
    con.execute(COUNTS_VIEW.format(name="case_warning_counts", table="case_warnings", level="w.level"))
    con.execute(
        COUNTS_VIEW.format(name="rating_warning_counts", table="rating_warnings", level="'bad_rating'")
    )


# The level of an open case at the as-of day, from its deadline view row; NULL: no warning.
LEVEL_SQL = """
case
    when is_past_deadline then 'red'
    when working_days_left <= $yellow then 'yellow'
    when working_days_left <= $notice then 'notice'
end"""


def update_case_warnings(con: duckdb.DuckDBPyConnection, day: dt.date, levels: Monitoring) -> None:
    con.execute(
        f"""
        insert into monitoring.case_warnings
        select
            md5('case|' || case_id || '|' || level), case_id, level, dept_code, region_code, matter_code,
            case_kind, accepted_at, deadline_at, legal_deadline_at, working_days_left,
            legal_working_days_left, is_past_legal_deadline, as_of_date, as_of_date, null
        from (
            select *, {LEVEL_SQL} as level
            from monitoring.mon_case_deadlines
            where as_of_date = $day
        )
        where level is not null
        on conflict (warning_fingerprint) do update set
            first_seen_on = least(first_seen_on, excluded.first_seen_on),
            last_seen_on = greatest(last_seen_on, excluded.last_seen_on),
            working_days_left = {latest("working_days_left")},
            legal_working_days_left = {latest("legal_working_days_left")},
            is_past_legal_deadline = {latest("is_past_legal_deadline")}
        """,
        {
            "day": day,
            "yellow": levels.yellow_within_working_days,
            "notice": levels.notice_within_working_days,
        },
    )
    # A case seen finished closes its warnings, on the first as-of day it was seen so. Days from this
    # one on are read, so that a day monitored after a later one still closes what that one saw.
    con.execute(
        """
        update monitoring.case_warnings as w
        set closed_on = finished.first_seen_finished_on
        from (
            select case_id, min(as_of_date) as first_seen_finished_on
            from daily.cases
            where as_of_date >= $day and finish_time is not null
            group by case_id
        ) as finished
        where w.case_id = finished.case_id
          and finished.first_seen_finished_on >= w.first_seen_on
          and (w.closed_on is null or w.closed_on > finished.first_seen_finished_on)
        """,
        {"day": day},
    )


def update_rating_warnings(con: duckdb.DuckDBPyConnection, day: dt.date) -> None:
    con.execute(
        f"""
        insert into monitoring.rating_warnings
        select
            md5('rating|' || eval_id), eval_id, case_id, dept_code, region_code, evaluated_at, rating,
            rectification_due_at, is_revisited, is_overdue, case when is_overdue then as_of_date end,
            as_of_date, as_of_date, case when is_rectified then as_of_date end
        from monitoring.mon_bad_ratings
        where as_of_date = $day
        on conflict (warning_fingerprint) do update set
            first_seen_on = least(first_seen_on, excluded.first_seen_on),
            last_seen_on = greatest(last_seen_on, excluded.last_seen_on),
            is_revisited = {latest("is_revisited")},
            is_overdue = {latest("is_overdue")},
            overdue_since = {earliest("overdue_since")},
            closed_on = {earliest("closed_on")}
        """,
        {"day": day},
    )


def latest(column: str) -> str:
    """The value of the latest as-of day seen (this one's when it is not earlier than the row's)."""
    return f"case when excluded.last_seen_on >= last_seen_on then excluded.{column} else {column} end"


def earliest(column: str) -> str:
    """The earliest of two days, either of which may be unknown."""
    return f"coalesce(least({column}, excluded.{column}), {column}, excluded.{column})"


def monitor_day(con: duckdb.DuckDBPyConnection, day: dt.date, levels: Monitoring) -> dict[str, int]:
    """Brings both ledgers up to date with the as-of day, in one transaction; returns the day's
    counts (warnings seen per level, closed, bad ratings open and overdue)."""
    con.execute("begin transaction")
    try:
        ensure_ledgers(con)
        update_case_warnings(con, day, levels)
        update_rating_warnings(con, day)
        con.execute(
            "insert or replace into monitoring.monitored_days values ($day, current_localtimestamp())",
            {"day": day},
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return day_summary(con, day)


def day_summary(con: duckdb.DuckDBPyConnection, day: dt.date) -> dict[str, int]:
    cases = dict(
        con.execute(
            "select level, count(*) from monitoring.case_warnings where last_seen_on = $day group by level",
            {"day": day},
        ).fetchall()
    )
    closed, new = con.execute(
        "select count(*) filter (where closed_on = $day), count(*) filter (where first_seen_on = $day) "
        "from monitoring.case_warnings",
        {"day": day},
    ).fetchone()
    ratings_open, ratings_overdue = con.execute(
        "select count(*) filter (where closed_on is null or closed_on > $day), "
        "count(*) filter (where is_overdue and (closed_on is null or closed_on > $day)) "
        "from monitoring.rating_warnings where first_seen_on <= $day",
        {"day": day},
    ).fetchone()
    return {
        **{LEVELS[level]: cases.get(level, 0) for level in LEVELS},
        "new": new,
        "closed": closed,
        "差评 open": ratings_open,
        "差评 overdue": ratings_overdue,
    }
