"""The daily monitoring at scale (docs/monitoring.md), run by bench/run.py or alone:

    python bench/monitoring.py OPEN_CASES FOLDER

Writes (once) an as-of delivery of 2021-06-15 with OPEN_CASES open cases into FOLDER/daily/, then
times (a) `ywtb monitor --as-of 2021-06-15` on an empty warehouse (ingest through the contracts, the
deadline views, the ledgers; the run's own copy and commit included) and (b) the floor: bare DuckDB
computing the same warnings from the file and the calendar seed, keeping nothing (FLOOR_SQL); the
two must find the same warnings. Prints {"open_cases", "monitor_s", "floor_s", "ratio", "levels"}.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import polars as pl

BIN = Path(sys.executable).parent
DAY = dt.date(2021, 6, 15)


def write_delivery(open_cases: int, raw: Path) -> Path:
    """The sample delivery of the day with its cases replaced by `open_cases` open ones, accepted
    between 1 and 14 June on the catalogue's matters: deterministic."""
    from dagster_project.sample.writer import FILE_STEMS, headers_for, write_as_of
    from schemas.raw import CONTRACTS

    folder = raw / "daily" / f"{DAY}"
    cases_file = folder / f"{FILE_STEMS['cases']}_{DAY:%Y%m%d}.csv"
    marker = folder / f".{open_cases}.done"
    if marker.exists():
        return cases_file
    write_as_of(DAY, raw, scale=0.005)
    matters = pl.read_csv(next(folder.glob(f"{FILE_STEMS['matters']}_*.csv")), infer_schema=False)
    headers = headers_for(CONTRACTS["matters"], "utf-8")
    rng = np.random.default_rng(2021)
    pick = rng.integers(0, matters.height, open_cases)
    accepted = np.datetime64("2021-06-01T08:00", "ms") + rng.integers(0, 13 * 24 * 60, open_cases).astype(
        "timedelta64[m]"
    )
    cases = pl.DataFrame(
        {
            "办件编号": [f"B{i:010d}" for i in range(open_cases)],
            "事项编码": matters[headers["matter_code"]].gather(pick),
            "实施机构编码": matters[headers["dept_code"]].gather(pick),
            "行政区划代码": matters[headers["region_code"]].gather(pick),
            "办件类型": np.where(rng.random(open_cases) < 0.1, "即办件", "承诺件"),
            "申请渠道": "网上",
            "申请时间": pl.Series(accepted).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "受理时间": pl.Series(accepted).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "办结时间": None,
            "法定时限（工作日）": 20,
            "承诺时限（工作日）": rng.integers(1, 16, open_cases),
        }
    )
    cases.write_csv(cases_file, null_value="")
    marker.touch()
    return cases_file


# The floor: the day's warnings computed by bare DuckDB straight from the file and the calendar seed
# (no contracts, no personal-data protection, nothing kept), thresholds 黄 0 and 提示 1.
FLOOR_SQL = """
with days as (
    select calendar_date, is_workday,
        sum(is_workday::int) over (order by calendar_date) as ordinal
    from read_csv($calendar)
),
cases as (
    select 办件类型 as kind, 受理时间::timestamp as accepted_at, "承诺时限（工作日）"::int as promised
    from read_csv($cases, all_varchar = true)
    where 受理时间 is not null and 办结时间 is null
),
deadlines as (
    select case when kind = '即办件' then accepted_at + interval 24 hour
                else (due.calendar_date + interval 1 day)::timestamp end as deadline_at
    from cases
    join days as accepted on accepted.calendar_date = accepted_at::date
    left join days as due on due.is_workday and due.ordinal = accepted.ordinal + promised
)
select case when deadline_at <= $as_of then 'red'
            when left_days <= 0 then 'yellow'
            when left_days <= 1 then 'notice' end as level, count(*)
from (
    select deadline_at, on_day.ordinal - as_of.ordinal as left_days
    from deadlines
    join days as on_day on on_day.calendar_date = (deadline_at - interval 1 microsecond)::date
    join days as as_of on as_of.calendar_date = $as_of::date
)
group by all
"""


def floor(cases_file: Path) -> tuple[float, dict[str, int]]:
    calendar = Path(__file__).resolve().parents[1] / "dbt" / "seeds" / "ref_calendar_days.csv"
    started = time.monotonic()
    with duckdb.connect() as con:
        rows = con.execute(
            FLOOR_SQL,
            {
                "cases": str(cases_file),
                "calendar": str(calendar),
                "as_of": dt.datetime.combine(DAY, dt.time()),
            },
        ).fetchall()
    return time.monotonic() - started, {level: n for level, n in rows if level}


def monitor(raw: Path) -> tuple[float, dict[str, int]]:
    """Wall seconds of `ywtb monitor` for the day on an empty warehouse, and its warnings by level."""
    with tempfile.TemporaryDirectory(
        prefix="ywtb-bench-monitor-", dir=os.environ.get("BENCH_WORKDIR")
    ) as tmp:
        env = dict(os.environ, YWTB_SALT="bench", YWTB_EXPORTS=str(Path(tmp) / "out"))
        env.pop("DAGSTER_HOME", None)
        cmd = [
            BIN / "ywtb",
            "monitor",
            "--as-of",
            f"{DAY}",
            "--raw",
            raw,
            "--warehouse",
            Path(tmp) / "wh.duckdb",
        ]
        started = time.monotonic()
        subprocess.run([str(c) for c in cmd], env=env, check=True, capture_output=True)
        wall = time.monotonic() - started
        with duckdb.connect(Path(tmp) / "wh.duckdb", read_only=True) as con:
            levels = dict(
                con.execute("select level, count(*) from monitoring.case_warnings group by 1").fetchall()
            )
        return wall, levels


def main() -> None:
    open_cases, raw = int(sys.argv[1]), Path(sys.argv[2])
    cases_file = write_delivery(open_cases, raw)
    floors = [floor(cases_file) for _ in range(3)]
    floor_s, expected = min(s for s, _ in floors), floors[0][1]
    monitor_s, levels = monitor(raw)
    if levels != expected:  # the same warnings, or the comparison means nothing
        raise SystemExit(f"ywtb monitor found {levels}, the bare query {expected}")
    result = {"open_cases": open_cases, "monitor_s": monitor_s, "floor_s": floor_s, "levels": levels}
    print(json.dumps({**result, "ratio": monitor_s / floor_s}))


if __name__ == "__main__":
    main()
