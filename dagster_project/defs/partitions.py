"""The one partition definition: a month, named YYYY-MM, one per raw/<YYYY-MM>/ folder delivered;
the settings every monthly asset shares; the name of the job that builds a month.

Dynamic, not a calendar: the months are the ones the raw store holds, registered in the Dagster
instance when `ywtb run`, the sensor, the schedule or `ywtb months` finds them. So the UI offers the
months delivered, and "materialize missing" means delivered and not yet built.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Sequence

import dagster as dg

MONTHS = "months"
monthly = dg.DynamicPartitionsDefinition(name=MONTHS)

# Every asset, one month (definitions.py defines it; the sensor and the schedule name it).
MONTHLY_JOB = "monthly"


def partition_month(key: str) -> dt.date:
    return dt.datetime.strptime(key, "%Y-%m").date()


def register_months(instance: dg.DagsterInstance, keys: Iterable[str]) -> list[str]:
    """Adds the months the instance does not know yet, in month order; returns them."""
    known = set(instance.get_dynamic_partitions(MONTHS))
    new = sorted(set(keys) - known)
    if new:
        instance.add_dynamic_partitions(MONTHS, new)
    return new


def monthly_asset(key: Sequence[str], **settings) -> Callable[..., dg.AssetsDefinition]:
    """`@dg.asset` for a table or a folder of files of one month: partitioned by month, in the group
    of its schema (the key's first part).

    A backfill of many months is one run: the asset is given all of them and builds them in month
    order, because a month's year-to-date figures read the months before it.
    """
    return dg.asset(
        key=list(key),
        group_name=key[0],
        partitions_def=monthly,
        backfill_policy=dg.BackfillPolicy.single_run(),
        **settings,
    )


def monthly_multi_asset(keys: Iterable[Sequence[str]], **spec_settings) -> Callable[..., dg.AssetsDefinition]:
    """`@dg.multi_asset` for several tables one function builds per month; the same settings as
    monthly_asset, and `spec_settings` (deps, kinds, …) for every table."""
    return dg.multi_asset(
        specs=[dg.AssetSpec(list(key), group_name=key[0], **spec_settings) for key in keys],
        partitions_def=monthly,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
