"""The one monthly partition definition: a partition is a raw/<YYYY-MM>/ folder."""

import datetime as dt

import dagster as dg

# From the first year the working-day calendar covers.
monthly = dg.MonthlyPartitionsDefinition(start_date="2019-01", fmt="%Y-%m")


def partition_month(key: str) -> dt.date:
    return dt.datetime.strptime(key, "%Y-%m").date()
