"""Reference data: every organisation the published tables name resolves; the calendar is chinese-calendar's."""

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from dagster_project.reference import (
    CALENDAR_YEARS,
    CalendarNotCovered,
    build_calendar,
    calendar,
    check_calendar_covers,
    organisations,
)

PUBLISHED = Path(__file__).resolve().parents[1] / "fixtures" / "published"
NAME_COLUMNS = {"部门", "地区"}


def published_names() -> set[str]:
    names = set()
    for path in PUBLISHED.glob("dazhou2021_*.csv"):
        with path.open(encoding="utf-8") as f:
            for r in csv.DictReader(f):
                names |= {r[c] for c in NAME_COLUMNS & set(r)}
    return names


def test_every_organisation_in_the_published_tables_resolves_through_names_or_aliases():
    assert len(published_names()) > 40  # the city departments of 附件4 and the counties of 附件6
    assert published_names() - organisations().names == set()


def test_the_groups_match_the_published_annexes():
    city = organisations().of_level("city_dept")
    assert city.filter(pl.col("city_group") == "A").height == 23  # 附件1 has 23 rows
    assert city.filter(pl.col("city_group") == "B").height == 16  # the rest of 附件4's 39
    counties = organisations().of_level("county")
    assert counties.height == 8
    assert counties["population"].min() > 0


def test_the_calendar_seed_is_exactly_what_chinese_calendar_says():
    assert calendar().equals(build_calendar(*CALENDAR_YEARS))


@pytest.mark.parametrize(
    ("day", "kind"),
    [
        (dt.date(2021, 2, 7), "makeup_workday"),  # a Sunday worked for the Spring Festival
        (dt.date(2021, 2, 12), "holiday"),  # 春节
        (dt.date(2021, 6, 14), "holiday"),  # 端午节, a Monday
        (dt.date(2021, 6, 12), "holiday"),  # a Saturday inside the 端午 break
        (dt.date(2021, 6, 19), "weekend"),
        (dt.date(2021, 9, 18), "makeup_workday"),  # a Saturday worked for 中秋节
        (dt.date(2021, 6, 15), "workday"),
    ],
)
def test_the_calendar_knows_holidays_and_makeup_days(day, kind):
    assert calendar().filter(pl.col("calendar_date") == day)["day_kind"].item() == kind


def test_dates_outside_the_calendar_fail_instead_of_counting_weekdays_as_workdays():
    check_calendar_covers(dt.date(2021, 1, 1), dt.date(2021, 12, 31))
    with pytest.raises(CalendarNotCovered, match="outside the working-day calendar"):
        check_calendar_covers(dt.date(2027, 1, 1), dt.date(2027, 1, 31))


def test_building_a_year_chinese_calendar_does_not_know_fails():
    with pytest.raises(CalendarNotCovered, match="does not cover"):
        build_calendar(2099, 2099)
