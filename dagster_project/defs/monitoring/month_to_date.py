"""本月累计: the month-to-date figures of an as-of extract, computed by the monthly indicator models
themselves, so the weekly bulletin states them with the same formulas as the monthly report.

The working warehouse is copied to a scratch file in a temporary folder; there the month's raw
extracts (raw.cases, raw.evaluations, raw.matters) are replaced by the as-of extract of that month
(daily.*), and dbt runs the monthly models up to indicators.ind_indicator_values for that month. The
scratch file is then read and thrown away: the warehouse is never changed. The cost is one copy of
the warehouse and one month's dbt run per as-of day (docs/bulletin.md).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

import duckdb

from dagster_project.defs.monitoring.days import DAILY_EXTRACTS, extract_month

# The monthly models ind_indicator_values is built from (the reference ones are already in the copy).
MONTHLY_CHAIN = "+ind_indicator_values,config.materialized:partition"


class MonthToDateError(RuntimeError):
    """The scratch build failed; the message names the model."""


def as_of_in_scratch(con: duckdb.DuckDBPyConnection, day: dt.date) -> None:
    """The month's raw extracts become the as-of extract: daily.<extract> has raw's columns with the
    as-of day in place of the month."""
    month = extract_month(day)
    for extract in DAILY_EXTRACTS:
        con.execute(f"delete from raw.{extract} where month = $m", {"m": month})
        con.execute(
            f"insert into raw.{extract} by name "
            f"select * exclude (as_of_date), $m::date as month from daily.{extract} where as_of_date = $d",
            {"m": month, "d": day},
        )


def month_to_date(
    warehouse: Path, days: list[dt.date], codes: list[str], levels: tuple[str, ...]
) -> dict[dt.date, dict[str, tuple[float | None, float | None]]]:
    """For each as-of day, each indicator's (numerator, denominator) for the month to date, summed
    over the organisations of `levels` (a rate is the ratio of the sums, as the monthly report's)."""
    from dagster_project.defs.transform.assets import build_in_process, dbt_environment

    if not days:
        return {}
    with tempfile.TemporaryDirectory(prefix="ywtb-month-to-date-") as folder:
        # dbt-duckdb names the database after the file: the scratch keeps the warehouse's name.
        scratch = Path(folder) / warehouse.name
        shutil.copyfile(warehouse, scratch)
        with duckdb.connect(scratch) as con:
            for day in days:
                as_of_in_scratch(con, day)
        with dbt_environment(scratch):
            for day in days:
                month = f"{extract_month(day):%Y-%m}"
                args = ["run", "--vars", json.dumps({"month": month}), "--select", MONTHLY_CHAIN]
                failed = [
                    f"{unique_id.split('.')[-1]}: {result.message or result.status}"
                    for unique_id, result in build_in_process(f"as of {day}", args, scratch)
                    if str(result.status) in ("error", "fail")
                ]
                if failed:
                    raise MonthToDateError(f"month to date as of {day}: dbt " + "; ".join(failed[:3]))
        figures = {}
        with duckdb.connect(scratch, read_only=True) as con:
            for day in days:
                rows = con.execute(
                    """
                    select indicator_code, sum(numerator)::double, sum(denominator)::double
                    from indicators.ind_indicator_values
                    where month = $m and period_window = 'month' and indicator_code in $codes
                      and org_level in $levels
                    group by indicator_code
                    """,
                    {"m": extract_month(day), "codes": codes, "levels": list(levels)},
                ).fetchall()
                figures[day] = {code: (n, d) for code, n, d in rows}
        return figures
