"""`ywtb monitor`: the daily monitoring of as-of deliveries by hand (docs/monitoring.md), through the
same `daily_monitoring` job the morning schedule runs, one run per as-of day."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import sys
import time
from pathlib import Path


def add_parser(sub, parents, locations) -> None:
    monitor = sub.add_parser(
        "monitor",
        parents=parents,
        help="monitor as-of deliveries (raw/daily/<YYYY-MM-DD>/): deadlines, 红/黄/提示 warnings, 差评",
    )
    monitor.add_argument(
        "--as-of",
        help="e.g. 2021-06-15 or 2021-06-15,2021-06-16 (default: the delivered days not yet monitored); "
        "a day monitored again changes nothing unless its files did",
    )
    monitor.add_argument("--verbose", action="store_true", help="show Dagster's and dbt's logs as they come")
    locations(monitor)


def monitored_days(working: Path) -> list[dt.date]:
    if not working.exists():
        return []
    import duckdb

    from dagster_project.defs.resources import table_exists

    with duckdb.connect(working, read_only=True) as con:
        if not table_exists(con, "monitoring", "monitored_days"):
            return []
        return [
            r[0]
            for r in con.execute("select as_of_date from monitoring.monitored_days order by 1").fetchall()
        ]


def days_asked(spec: str | None, raw: Path, working: Path) -> list[dt.date]:
    """The as-of days to run, each with its folder and every file in it; AsOfError otherwise."""
    from dagster_project.defs.ingest.readers import FileProblem, find_file
    from dagster_project.defs.monitoring.days import AsOfError, day_folder, delivered_days, parse_as_of
    from dagster_project.defs.monitoring.ingest import daily_contracts

    delivered = delivered_days(raw)
    if spec:
        days = sorted({parse_as_of(part.strip()) for part in spec.split(",") if part.strip()})
    else:
        done = set(monitored_days(working))
        days = [d for d in delivered if d not in done]
    for day in days:
        folder = day_folder(raw, day)
        if not folder.is_dir():
            shown = ", ".join(f"{d:%Y-%m-%d}" for d in delivered) or "none"
            raise AsOfError(f"no folder {folder} (as-of days delivered: {shown}); put the day's files there")
        for contract in daily_contracts():
            try:
                find_file(folder, contract)
            except FileProblem as e:
                raise AsOfError(str(e)) from None
    return days


def cmd_monitor(args: argparse.Namespace, where) -> int:
    import dagster as dg

    from dagster_project import settings
    from dagster_project.defs.monitoring.days import DAILY_JOB, register_days

    days = days_asked(args.as_of, where.raw, where.warehouse)
    if not days:
        print(f"nothing to monitor: every as-of day in {where.raw}/daily is monitored")
        return 0
    settings.salt(where.warehouse)
    from dagster_project.cli import _failures, _Tee
    from dagster_project.definitions import defs

    job = defs.resolve_job_def(DAILY_JOB)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    keys = [f"{d:%Y-%m-%d}" for d in days]
    register_days(instance, keys)
    log_path = where.warehouse.parent / "logs" / f"monitor-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"raw {where.raw}/daily  ->  warehouse {where.warehouse}  ({len(keys)} days)", flush=True)
    config = {
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
        "resources": where.resources_config(),
    }
    with log_path.open("a", encoding="utf-8") as log:
        for key, day in zip(keys, days, strict=True):
            started = time.monotonic()
            output = _Tee(log, sys.stdout) if args.verbose else log
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                result = job.execute_in_process(
                    partition_key=key, instance=instance, run_config=config, raise_on_error=False
                )
            if not result.success:
                for failure in _failures(result, args.debug):
                    print(f"  FAILED {failure}", file=sys.stderr, flush=True)
                print(
                    f"{key}  not monitored: the warehouse is as it was (details: {log_path})", file=sys.stderr
                )
                return 1
            print(
                f"{key}  {summary_line(where.warehouse, day)}  ({time.monotonic() - started:.1f}s)",
                flush=True,
            )
    print(f"ledgers            {where.warehouse}: monitoring.case_warnings, monitoring.rating_warnings")
    print(f"run log            {log_path}")
    return 0


def summary_line(working: Path, day: dt.date) -> str:
    import duckdb

    from dagster_project.defs.monitoring.ledger import day_summary

    with duckdb.connect(working, read_only=True) as con:
        counts = day_summary(con, day)
    return ", ".join(f"{k} {v:,}" for k, v in counts.items())
