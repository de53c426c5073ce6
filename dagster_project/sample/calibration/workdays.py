"""The working days of the month and the month before, and the dates a promised case can take."""

from __future__ import annotations

import datetime as dt

import polars as pl

from dagster_project.months import add_months
from dagster_project.reference import calendar

# (working days between acceptance and finish, accepted on, finished on)
Span = tuple[int, dt.date, dt.date]


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


class Workdays:
    """Workdays of the month and the month before, and the spans a promised case can take."""

    def __init__(self, month: dt.date):
        cal = calendar().filter(pl.col("is_workday"))
        start, end = add_months(month, -1), add_months(month, 1)
        self.month = month
        self.workdays = [d for d in cal["calendar_date"] if start <= d < end]
        self.index = {d: i for i, d in enumerate(self.workdays)}
        self.in_month = [d for d in self.workdays if d >= month]
        self.last_before = max(d for d in self.workdays if d < month)
        self._lengths: dict[tuple[int, bool, bool], list[int]] = {}
        # For each calendar length d, the pair (accept, finish) of workdays finishing in the month with
        # the fewest workdays W between them (most room for being on time): one accepted in the month
        # before (preferred: the month's acceptances are counted apart) and one accepted in the month.
        self.before: dict[int, Span] = {}
        self.within: dict[int, Span] = {}
        for finished_on in self.in_month:
            for accepted_on in self.workdays:
                if accepted_on > finished_on:
                    break
                calendar_days = (finished_on - accepted_on).days
                working_days = self.index[finished_on] - self.index[accepted_on]
                spans = self.within if accepted_on >= month else self.before
                if calendar_days not in spans or working_days < spans[calendar_days][0]:
                    spans[calendar_days] = (working_days, accepted_on, finished_on)

    def span(
        self, calendar_days: int, legal_limit_days: int, is_late: bool, avoid_month: bool
    ) -> Span | None:
        """The dates of a case taking `calendar_days`: on time needs W ≤ P ≤ L, late needs W ≥ 1 (W the
        working days taken, P the promised limit, L the legal limit)."""
        for spans in (self.before,) if avoid_month else (self.before, self.within):
            if calendar_days in spans and (
                (spans[calendar_days][0] >= 1) if is_late else (spans[calendar_days][0] <= legal_limit_days)
            ):
                return spans[calendar_days]
        return None

    def lengths(self, legal_limit_days: int, is_late: bool, avoid_month: bool) -> list[int]:
        """Calendar lengths a case with this legal limit can take (memoised: the search asks often)."""
        key = (legal_limit_days, is_late, avoid_month)
        if key not in self._lengths:
            candidates = set(self.before) | (set() if avoid_month else set(self.within))
            self._lengths[key] = sorted(
                d for d in candidates if self.span(d, legal_limit_days, is_late, avoid_month)
            )
        return self._lengths[key]
