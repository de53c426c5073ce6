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
