"""The weekly bulletin (周通报) as a Dagster asset: exports/bulletin, partitioned by week (a week is
Monday..Sunday, its key its Monday), writing out/weekly/<Monday>/bulletin.docx and bulletin.html from
the warning ledgers and the month-to-date figures of the week's latest as-of extract
(docs/bulletin.md). Its job `weekly_bulletin` runs one week; its schedule, off until switched on in
the UI, makes the bulletin of the week just ended each Monday after the morning's monitoring."""

import datetime as dt
from pathlib import Path

import dagster as dg

from dagster_project import settings
from dagster_project.defs.monitoring.assets import RUNS_AT_HOUR
from dagster_project.defs.monitoring.month_to_date import MonthToDateError, month_to_date
from dagster_project.defs.publish.atomic import write_bytes, write_text
from dagster_project.defs.resources import ExportsResource, WarehouseResource
from dagster_project.defs.transaction import WEEKLY
from dagster_project.report.bulletin import WeekError, compose_bulletin, gather_week, with_month_to_date
from dagster_project.report.docx import write_docx
from dagster_project.report.facts import CITY_LEVELS
from dagster_project.report.render import render_html
from schemas.report_template import ReportTemplate, ReportTemplateError, load_report_template, template_path

BULLETIN_JOB = "weekly_bulletin"
# Weeks from the default profile's first issue; the current week too, for a bulletin made by hand
# before it ends.
_DEFAULT = load_report_template(settings.DEFAULT_PROFILE).bulletin
FIRST_WEEK = _DEFAULT.issue_number.first_week if _DEFAULT else dt.date(2021, 1, 4)
weeks = dg.WeeklyPartitionsDefinition(
    start_date=f"{FIRST_WEEK:%Y-%m-%d}", day_offset=1, timezone="Asia/Shanghai", end_offset=1
)


def configured_bulletin() -> ReportTemplate:
    """The profile's words; WeekError (one line) when it has no report template or no bulletin block."""
    try:
        template = load_report_template(settings.profile())
    except ReportTemplateError as e:
        raise WeekError(str(e)) from None
    if template.bulletin is None:
        raise WeekError(
            f"{template_path(settings.profile())}: no `bulletin:` block, so no words for a weekly "
            "bulletin: add one (docs/bulletin.md)"
        )
    return template


def write_bulletin(con_file: Path, monday: dt.date, folder: Path, open_writer) -> list[Path]:
    """Reads the week's facts (`open_writer()` gives a connection to the warehouse), computes the
    month-to-date figures on a scratch copy (no connection open meanwhile), and writes the files."""
    template = configured_bulletin()
    with open_writer() as con:
        facts, days, codes = gather_week(con, template, monday, month_to_date)
    facts = with_month_to_date(facts, month_to_date(con_file, days, codes, CITY_LEVELS))
    notice = compose_bulletin(facts)
    docx, html = folder / "bulletin.docx", folder / "bulletin.html"
    write_bytes(docx, write_docx(None, notice, dated=monday))
    write_text(html, render_html(None, notice))
    return [docx, html]


@dg.asset(
    key=["exports", "bulletin"],
    group_name="bulletin",
    partitions_def=weeks,
    deps=[
        dg.AssetDep(["monitoring", name], partition_mapping=dg.AllPartitionMapping())
        for name in ("case_warnings", "rating_warnings")
    ],
    kinds={"docx", "html"},
    description="周通报: out/weekly/<Monday>/bulletin.docx and bulletin.html: the week's new and open "
    "warnings per department, cases become late, 差评 not rectified or revisited, month-to-date figures.",
)
def bulletin(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, exports: ExportsResource
) -> dg.MaterializeResult:
    written: list[Path] = []
    for key in sorted(context.partition_keys):
        monday = dt.date.fromisoformat(key)
        checkpoint_file(warehouse)
        try:
            written += write_bulletin(
                warehouse.file, monday, exports.month_dir(f"{WEEKLY}/{key}"), warehouse.writer
            )
        except (WeekError, MonthToDateError) as e:
            raise dg.Failure(description=str(e)) from e
        context.log.info(f"bulletin of the week of {key} written")
    return dg.MaterializeResult(metadata={"files": [str(p) for p in written]})


def checkpoint_file(warehouse: WarehouseResource) -> None:
    """Everything of the warehouse in its file, so that the scratch copy of it is whole."""
    with warehouse.writer() as con:
        con.execute("checkpoint")


weekly_bulletin_job = dg.define_asset_job(
    BULLETIN_JOB,
    selection=dg.AssetSelection.groups("bulletin"),
    partitions_def=weeks,
    description="One week's 周通报 (docs/bulletin.md).",
)


@dg.schedule(
    job=weekly_bulletin_job,
    cron_schedule=f"0 {RUNS_AT_HOUR + 1} * * 1",
    execution_timezone="Asia/Shanghai",
    default_status=dg.DefaultScheduleStatus.STOPPED,
    description="Each Monday, an hour after the morning's monitoring: the bulletin of the week just "
    "ended (Monday to Sunday).",
)
def bulletin_each_monday(context: dg.ScheduleEvaluationContext):
    monday = context.scheduled_execution_time.date() - dt.timedelta(days=7)
    key = f"{monday:%Y-%m-%d}"
    return dg.RunRequest(run_key=key, partition_key=key)
