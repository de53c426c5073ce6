"""Month arithmetic, in one place. A month is named by its first day.

(`schemas.raw.ValidationContext.month_end` keeps its own line of it: the contracts import nothing from
the pipeline.)
"""

import datetime as dt


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def last_day(month: dt.date) -> dt.date:
    return add_months(month, 1) - dt.timedelta(days=1)


class MonthSpecError(ValueError):
    """A month or range written in a form the command line does not take."""


MONTH_FORMS = "YYYY-MM, YYYY-MM..YYYY-MM or a comma-separated list (e.g. 2021-06, 2021-01..2021-10)"


def parse_month(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date()
    except ValueError:
        raise MonthSpecError(f"{text.strip()!r} is not a month: expected {MONTH_FORMS}") from None


def parse_months(spec: str) -> list[dt.date]:
    """'2021-01..2021-10', '2021-06' or '2021-01,2021-03' -> first days of those months, in order."""
    months: set[dt.date] = set()
    for part in spec.split(","):
        first, _, last = part.strip().partition("..")
        start, end = parse_month(first), parse_month(last or first)
        if end < start:
            raise MonthSpecError(f"month range runs backwards: {part.strip()}")
        while start <= end:
            months.add(start)
            start = add_months(start, 1)
    return sorted(months)
