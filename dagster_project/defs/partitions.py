"""The one partition definition: a month, named YYYY-MM, one per raw/<YYYY-MM>/ folder delivered.

Dynamic, not a calendar: the months are the ones the raw store holds, registered in the Dagster
instance when `ywtb run`, the sensor, the schedule or `ywtb months` finds them. So the UI offers the
months delivered, and "materialize missing" means delivered and not yet built.
"""

import datetime as dt
from collections.abc import Iterable

import dagster as dg

MONTHS = "months"
monthly = dg.DynamicPartitionsDefinition(name=MONTHS)


def partition_month(key: str) -> dt.date:
    return dt.datetime.strptime(key, "%Y-%m").date()


def register_months(instance: dg.DagsterInstance, keys: Iterable[str]) -> list[str]:
    """Adds the months the instance does not know yet, in month order; returns them."""
    known = set(instance.get_dynamic_partitions(MONTHS))
    new = sorted(set(keys) - known)
    if new:
        instance.add_dynamic_partitions(MONTHS, new)
    return new
