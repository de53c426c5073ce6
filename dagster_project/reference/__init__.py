"""Reference data: organisations, their alias names, and the working-day calendar.

The files are dbt seeds (one copy of the truth): the organisations and the calendar overrides are the
jurisdiction profile's (schemas/profiles/<profile>/seeds), the national calendar is dbt/seeds'. The warehouse loads them with
`dbt seed`, and ingestion reads the same files to know which organisations exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from schemas.profile import load_profile

SEEDS = Path(__file__).resolve().parents[2] / "dbt" / "seeds"
CALENDAR_SEED = SEEDS / "ref_calendar_days.csv"
# chinese-calendar publishes each year once the State Council announces its holidays.
CALENDAR_YEARS = (2019, 2026)


@dataclass(frozen=True)
class Organisations:
    frame: pl.DataFrame  # org_code, org_name, org_level, region_code, city_group, population
    aliases: pl.DataFrame  # alias_name, org_code

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(self.frame["org_code"].to_list())

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.frame["org_name"].to_list()) | frozenset(self.aliases["alias_name"].to_list())

    def of_level(self, level: str) -> pl.DataFrame:
        return self.frame.filter(pl.col("org_level") == level)


def organisations(profile: str | None = None) -> Organisations:
    """The organisations of `profile` (default: the run's, YWTB_PROFILE), validated with it."""
    from dagster_project import settings

    return _organisations(profile or settings.profile())


@cache
def _organisations(profile: str) -> Organisations:
    seeds = load_profile(profile).seeds()
    text = {"org_code": pl.String, "region_code": pl.String}
    return Organisations(
        pl.read_csv(
            seeds / "ref_organisations.csv",
            schema_overrides=text | {"city_group": pl.String, "population": pl.Int64},
        ),
        pl.read_csv(seeds / "ref_org_aliases.csv", schema_overrides=text),
    )


class CalendarNotCovered(ValueError):
    """A date the working-day calendar does not know: never guess that a weekday is a workday."""


def build_calendar(first_year: int, last_year: int) -> pl.DataFrame:
    """Every day of the years with its kind: workday, weekend, holiday, or makeup_workday (调休上班)."""
    import chinese_calendar

    days = pl.date_range(dt.date(first_year, 1, 1), dt.date(last_year, 12, 31), eager=True).to_list()
    rows = []
    for day in days:
        try:
            is_workday = chinese_calendar.is_workday(day)
            _, holiday = chinese_calendar.get_holiday_detail(day)
        except NotImplementedError as e:
            raise CalendarNotCovered(
                f"chinese-calendar does not cover {day}: upgrade it, then rebuild the seed"
            ) from e
        weekend = day.weekday() >= 5
        kind = (
            ("makeup_workday" if weekend else "workday")
            if is_workday
            else ("weekend" if weekend and not holiday else "holiday")
        )
        rows.append((day, is_workday, kind, holiday))
    return pl.DataFrame(
        rows,
        schema={
            "calendar_date": pl.Date,
            "is_workday": pl.Boolean,
            "day_kind": pl.String,
            "holiday_name": pl.String,
        },
        orient="row",
    )


@cache
def calendar(seed: Path = CALENDAR_SEED) -> pl.DataFrame:
    return pl.read_csv(seed, schema_overrides={"calendar_date": pl.Date})


def workdays(profile: str | None = None) -> np.ndarray:
    """The sorted workdays (datetime64[D]) of `profile` (default: the run's): the national calendar
    with the profile's overrides, as int_calendar__workday_ordinals counts them in the warehouse."""
    from dagster_project import settings

    return _workdays(profile or settings.profile())


@cache
def _workdays(profile: str) -> np.ndarray:
    overrides = pl.DataFrame(
        [(o.calendar_date, o.is_workday) for o in load_profile(profile).calendar_overrides],
        schema={"calendar_date": pl.Date, "override": pl.Boolean},
        orient="row",
    )
    days = calendar().join(overrides, on="calendar_date", how="left")
    is_workday = pl.coalesce("override", "is_workday")
    return days.filter(is_workday).sort("calendar_date")["calendar_date"].to_numpy().astype("datetime64[D]")


def working_days_after(at: np.ndarray, days: int, workday_dates: np.ndarray) -> np.ndarray:
    """The same time of day on the `days`-th workday after each date of `at` (a date off counts from the
    workday before it, as the warehouse's workday ordinals do)."""
    day = at.astype("datetime64[D]")
    # The workday ordinal of each date: the workdays up to and including it.
    ordinal = np.searchsorted(workday_dates, day, side="right")
    target = ordinal + days - 1
    if len(at) and (ordinal.min() == 0 or target.max() >= len(workday_dates)):
        raise CalendarNotCovered(
            f"{days} working days after dates {day.min()}..{day.max()} fall outside the working-day "
            "calendar: upgrade chinese-calendar and run `ywtb calendar`"
        )
    return workday_dates[target].astype(at.dtype) + (at - day)


def check_calendar_covers(first: dt.date, last: dt.date, seed: Path = CALENDAR_SEED) -> None:
    days = calendar(seed)["calendar_date"]
    if first < days.min() or last > days.max():
        raise CalendarNotCovered(
            f"dates {first}..{last} fall outside the working-day calendar ({days.min()}..{days.max()}): "
            "upgrade chinese-calendar and run `ywtb calendar` to extend dbt/seeds/ref_calendar_days.csv"
        )
