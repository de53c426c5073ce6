"""The office's monthly rhythm: the month before is run on the day the platform delivers it."""

import datetime as dt

import dagster as dg

from dagster_project import settings
from dagster_project.defs.partitions import register_months
from dagster_project.months import add_months
from schemas.publication import load_publication_checks
from schemas.raw import CONTRACTS


def previous_month_key(when: dt.datetime) -> str:
    return f"{add_months(when.date().replace(day=1), -1):%Y-%m}"


def delivery_schedule(job) -> dg.ScheduleDefinition:
    delivery = load_publication_checks(settings.DEFAULT_PROFILE, frozenset(CONTRACTS)).delivery

    @dg.schedule(
        job=job,
        cron_schedule=f"0 {delivery.hour} {delivery.day_of_month} * *",
        execution_timezone="Asia/Shanghai",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        name="previous_month_on_delivery",
        description="Runs the month before on the day the platform delivers it (the profile's delivery day).",
    )
    def _schedule(context: dg.ScheduleEvaluationContext):
        key = previous_month_key(context.scheduled_execution_time)
        register_months(context.instance, [key])  # a month not delivered fails its run, saying so
        return dg.RunRequest(run_key=key, partition_key=key)

    return _schedule
