"""The office's monthly rhythm: the month before is run on the day the platform delivers it."""

import datetime as dt

import dagster as dg

from dagster_project import settings
from dagster_project.defs.partitions import MONTHLY_JOB, register_months
from dagster_project.months import add_months
from schemas.publication import load_publication_checks
from schemas.raw import CONTRACTS


def previous_month_key(when: dt.datetime) -> str:
    return f"{add_months(when.date().replace(day=1), -1):%Y-%m}"


# The delivery day is the default profile's: a schedule is defined when the definitions load.
DELIVERY = load_publication_checks(settings.DEFAULT_PROFILE, frozenset(CONTRACTS)).delivery


@dg.schedule(
    job_name=MONTHLY_JOB,
    cron_schedule=f"0 {DELIVERY.hour} {DELIVERY.day_of_month} * *",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Runs the month before on the day the platform delivers it (the profile's delivery day).",
)
def previous_month_on_delivery(context: dg.ScheduleEvaluationContext):
    key = previous_month_key(context.scheduled_execution_time)
    register_months(context.instance, [key])  # a month not delivered fails its run, saying so
    return dg.RunRequest(run_key=key, partition_key=key)
