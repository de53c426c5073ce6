"""The daily monitoring's deliveries and partitions: one folder raw/daily/<YYYY-MM-DD>/ per as-of day,
one dynamic partition per folder (as the months are one per raw/<YYYY-MM>/), registered when
`ywtb monitor` or the morning schedule finds it.

An extract as of D is the platform's month-to-date state at 00:00 of D: the events up to the end of
D-1, of the month D-1 falls in. So the extract as of 2021-07-01 is June's last state.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import dagster as dg

DAYS = "days"
daily = dg.DynamicPartitionsDefinition(name=DAYS)

# The daily monitoring of one as-of day (defs/monitoring/assets.py defines it; the schedule names it).
DAILY_JOB = "daily_monitoring"
# raw/daily/<YYYY-MM-DD>/: beside the months, so that a day never changes a month's folder.
DAILY_FOLDER = "daily"
# The extracts an as-of delivery holds: the catalogue the cases are checked against, and the two the
# warnings are made of.
DAILY_EXTRACTS = ("matters", "cases", "evaluations")
DAY_FORM = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class AsOfError(ValueError):
    """An as-of day that cannot be monitored as asked; one line saying why and what to do."""


def parse_as_of(text: str) -> dt.date:
    if not DAY_FORM.match(text):
        raise AsOfError(f"as-of day {text!r}: write it as YYYY-MM-DD, e.g. 2021-06-15")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise AsOfError(f"as-of day {text!r} is not a date of the calendar") from None


def as_of_moment(day: dt.date) -> dt.datetime:
    """00:00 of the as-of day: everything in its extract happened before."""
    return dt.datetime.combine(day, dt.time())


def extract_month(day: dt.date) -> dt.date:
    """The month an as-of extract is of: the month of the day before."""
    return (day - dt.timedelta(days=1)).replace(day=1)


def day_folder(raw: Path, day: dt.date) -> Path:
    return raw / DAILY_FOLDER / f"{day:%Y-%m-%d}"


def delivered_days(raw: Path) -> list[dt.date]:
    """The as-of days in raw/daily/, in order. A folder named otherwise is refused: a day misnamed
    would otherwise never be monitored, without a word."""
    folder = raw / DAILY_FOLDER
    if not folder.is_dir():
        return []
    days = []
    for path in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        try:
            days.append(parse_as_of(path.name))
        except AsOfError:
            raise AsOfError(
                f"{path}: an as-of folder is named by its day, YYYY-MM-DD (e.g. {folder}/2021-06-15); "
                "rename it"
            ) from None
    return days


def register_days(instance: dg.DagsterInstance, keys: Iterable[str]) -> list[str]:
    """Adds the as-of days the instance does not know yet; returns them."""
    known = set(instance.get_dynamic_partitions(DAYS))
    new = sorted(set(keys) - known)
    if new:
        instance.add_dynamic_partitions(DAYS, new)
    return new
