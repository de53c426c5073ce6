"""`ywtb bulletin --week 2021-06-14`: the weekly bulletin (周通报) by hand (docs/bulletin.md), through
the same `weekly_bulletin` job the Monday schedule runs."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time


def add_parser(sub, parents, locations) -> None:
    bulletin = sub.add_parser(
        "bulletin",
        parents=parents,
        help="the weekly bulletin (周通报) of the daily monitoring: out/weekly/<Monday>/bulletin.docx, .html",
    )
    bulletin.add_argument(
        "--week", required=True, help="the week's Monday, e.g. 2021-06-14 (the week 14–20 June 2021)"
    )
    locations(bulletin)


def check_week(monday, working) -> None:
    """The week has a partition and a monitored day; WeekError (one line) otherwise."""
    import duckdb

    from dagster_project.defs.monitoring.bulletin import FIRST_WEEK, configured_bulletin
    from dagster_project.report.bulletin import WeekError, require_monitored

    configured_bulletin()  # the profile has the words for one
    if monday < FIRST_WEEK:
        raise WeekError(f"week of {monday}: the bulletins start with the week of {FIRST_WEEK}")
    if not working.exists():
        raise WeekError(f"no warehouse at {working}: run `ywtb monitor` first")
    with duckdb.connect(working, read_only=True) as con:
        require_monitored(con, monday)


def cmd_bulletin(args: argparse.Namespace, where) -> int:
    import dagster as dg

    from dagster_project.report.bulletin import parse_week

    monday = parse_week(args.week)
    check_week(monday, where.warehouse)
    from dagster_project import settings
    from dagster_project.cli import _failures
    from dagster_project.definitions import defs
    from dagster_project.defs.monitoring.bulletin import BULLETIN_JOB

    settings.salt(where.warehouse)
    job = defs.resolve_job_def(BULLETIN_JOB)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    log_path = where.warehouse.parent / "logs" / f"bulletin-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    config = {
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
        "resources": where.resources_config(),
    }
    started = time.monotonic()
    key = f"{monday:%Y-%m-%d}"
    with (
        log_path.open("a", encoding="utf-8") as log,
        contextlib.redirect_stdout(log),
        contextlib.redirect_stderr(log),
    ):
        result = job.execute_in_process(
            partition_key=key, instance=instance, run_config=config, raise_on_error=False
        )
    if not result.success:
        for failure in _failures(result, args.debug):
            print(f"  FAILED {failure}", file=sys.stderr, flush=True)
        print(f"week of {key}: no bulletin written (details: {log_path})", file=sys.stderr)
        return 1
    folder = where.exports / "weekly" / key
    print(
        f"week of {key}  bulletin {folder}/bulletin.docx, bulletin.html  ({time.monotonic() - started:.1f}s)"
    )
    return 0
