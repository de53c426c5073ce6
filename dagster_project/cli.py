"""`ywtb`: the command line of the pipeline.

  ywtb sample  --months 2021-01..2021-10 [--scale 0.005] [--bad-rows RATE] [--out raw]
  ywtb run     --months 2021-01..2021-10 [--raw DIR] [--warehouse FILE] [--exports DIR]
  ywtb score    --table annex4 --input FILE.csv [--output OUT.csv] [--with annex5=FILE.csv] [--rubric dazhou-2021]
  ywtb score    --profile chongqing --table districts_4ind --input FILE.csv   check a received table against the targets
  ywtb validate --raw DIR --months 2021-06   check a delivery against the raw contracts (no warehouse)
  ywtb report   --month 2021-06 [--warehouse FILE] [--exports DIR]   the 通报 (.docx, .html, .md) from the published copy
  ywtb months   [--raw DIR] [--warehouse FILE]   the delivered months: complete? built? (registers them for the UI)
  ywtb monitor  [--as-of 2021-06-15] [--raw DIR] [--warehouse FILE]   the daily monitoring of as-of deliveries
  ywtb bulletin --week 2021-06-14 [--warehouse FILE] [--exports DIR]   the weekly bulletin (周通报) of the monitoring
  ywtb calendar                          rebuild the working-day calendar seed from chinese-calendar

`run` materializes the monthly partitions of the whole asset graph through Dagster, month after
month (a month's year-to-date figures need the months before it), with the same definitions
`make dev` shows.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MONTHS = "2021-01..2021-10"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ywtb", description="一网通办 scorecard pipeline")
    parser.add_argument("--debug", action="store_true", help="show the full trace of an error")
    # Every command works for one jurisdiction: its organisations, rubrics, rules and texts. --profile
    # goes before or after the command (`ywtb --profile chongqing run`, `ywtb run --profile chongqing`).
    profile_help = "jurisdiction profile under schemas/profiles/ (default $YWTB_PROFILE or dazhou)"
    parser.add_argument("--profile", help=profile_help)
    jurisdiction = argparse.ArgumentParser(add_help=False)
    jurisdiction.add_argument("--profile", default=argparse.SUPPRESS, help=profile_help)
    sub = parser.add_subparsers(dest="command", required=True)

    sample = sub.add_parser("sample", parents=[jurisdiction], help="generate deterministic sample extracts")
    sample.add_argument("--months", default=DEFAULT_MONTHS, help="e.g. 2021-01..2021-10 or 2021-06")
    sample.add_argument(
        "--scale", type=float, default=0.005, help="1 = 达州's volume, ~1M applications a month"
    )
    sample.add_argument("--bad-rows", type=float, default=0.0, help="share of bad rows to plant, e.g. 0.01")
    sample.add_argument("--seed", type=int, default=2021)
    sample.add_argument("--out", type=Path, default=Path("raw"))
    sample.add_argument(
        "--calibrate-to",
        type=Path,
        metavar="TABLE.csv",
        help="a published 运行情况表 (city or county layout): generate --month and the month before so the pipeline "
        "reproduces it; or a table of the profile's targets (重庆's 四个指标): generate --month with the "
        "table's 行政许可 matters made to reproduce it",
    )
    sample.add_argument("--month", help="with --calibrate-to: the table's month, e.g. 2021-06")
    sample.add_argument(
        "--cases",
        type=int,
        help="a benchmark month of exactly this many cases (e.g. 20000000), made in slices; with --evaluations, --certificates",
    )
    sample.add_argument("--evaluations", type=int, help="with --cases (default: 3/4 of the cases)")
    sample.add_argument(
        "--as-of",
        help="as-of deliveries for the daily monitoring instead of months, e.g. 2021-06-15,2021-06-16 "
        "(raw/daily/<YYYY-MM-DD>/)",
    )
    sample.add_argument("--certificates", type=int, help="with --cases (default: 1/10 of the cases)")

    run = sub.add_parser(
        "run", parents=[jurisdiction], help="materialize monthly partitions of the whole asset graph"
    )
    run.add_argument(
        "--months",
        help="e.g. 2021-06 or 2021-01..2021-10 (default: the months in the raw folder not yet built); "
        "built months after the first are rebuilt too",
    )
    run.add_argument("--verbose", action="store_true", help="show Dagster's and dbt's logs as they come")
    _locations(run)

    score = sub.add_parser(
        "score",
        parents=[jurisdiction],
        help="re-score a printed annex, or check a received target table against the targets",
        description="An annex (annex4) is re-scored with the profile's scoring rubric. A target table "
        "(districts_4ind) is checked against the targets of the profile's targets rubric: a column "
        "<target>_达标 (是/否) per target and 全部达标. A value is judged as printed, exactly (a "
        "percentage divided by 100): a value on the line meets the target (≥ and ≤ are inclusive).",
    )
    score.add_argument(
        "--rubric", help="a shipped rubric name or a rubric YAML file (default: the profile's rubrics)"
    )
    score.add_argument(
        "--table", required=True, help="an annex of the rubric (annex4) or a target table (districts_4ind)"
    )
    score.add_argument("--input", type=Path, required=True, help="CSV, UTF-8 or GB18030")
    score.add_argument("--output", type=Path, help="default: <input>_scored.csv (annex), <input>_checked.csv")
    score.add_argument(
        "--with",
        dest="joined",
        action="append",
        default=[],
        metavar="ANNEX=FILE",
        help="another annex of the same report whose inputs complete this one's (附件1 with annex5=…)",
    )

    validate = sub.add_parser(
        "validate",
        parents=[jurisdiction],
        help="check a delivery against the raw contracts, without the warehouse",
    )
    validate.add_argument("--raw", type=Path, default=None, help="raw folder (default $YWTB_RAW_DIR or raw/)")
    validate.add_argument("--months", required=True, help="e.g. 2021-06 or 2021-01..2021-03")

    report = sub.add_parser(
        "report",
        parents=[jurisdiction],
        help="write the month's 通报 again (out/<YYYY-MM>/report.docx, .html, .md) from the published copy",
    )
    report.add_argument("--month", required=True, help="e.g. 2021-06")
    _locations(report)

    months = sub.add_parser(
        "months",
        parents=[jurisdiction],
        help="the months in the raw folder: complete or what they lack, built or not; registers the "
        "complete ones as partitions in the Dagster instance ($DAGSTER_HOME) for the UI",
    )
    _locations(months)

    from dagster_project import monitor_cli

    monitor_cli.add_parser(sub, [jurisdiction], _locations)
    from dagster_project import bulletin_cli

    bulletin_cli.add_parser(sub, [jurisdiction], _locations)

    sub.add_parser(
        "calendar",
        parents=[jurisdiction],
        help="rebuild dbt/seeds/ref_calendar_days.csv from chinese-calendar",
    )

    args = parser.parse_args(argv)
    commands = {
        "sample": cmd_sample,
        "run": cmd_run,
        "score": cmd_score,
        "report": cmd_report,
        "validate": cmd_validate,
        "calendar": cmd_calendar,
        "months": cmd_months,
        "monitor": cmd_monitor,
        "bulletin": cmd_bulletin,
    }
    try:
        if args.profile:
            os.environ["YWTB_PROFILE"] = args.profile  # dbt reads it too (its profile's seeds)
        from dagster_project import settings
        from schemas.profile import load_profile

        load_profile(settings.profile())
        return commands[args.command](args)
    except USER_ERRORS() as e:
        if args.debug:
            raise
        print(f"ywtb {args.command}: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`ywtb months | head`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def USER_ERRORS() -> tuple[type[BaseException], ...]:
    """Mistakes and conditions a person fixes: one line each, no trace (--debug shows it)."""
    from dagster_project.defs.monitoring.days import AsOfError
    from dagster_project.defs.publish.atomic import DiskFull
    from dagster_project.defs.resources import WarehouseBusy
    from dagster_project.months import MonthSpecError
    from dagster_project.report.bulletin import WeekError
    from dagster_project.settings import SaltMissing
    from schemas.profile import ProfileError, ProfileMismatch

    return (
        MonthSpecError, WarehouseBusy, SaltMissing, DiskFull, RunRefused, ProfileError, ProfileMismatch, AsOfError,
        WeekError
    )  # fmt: skip


def _locations(p: argparse.ArgumentParser) -> None:
    p.add_argument("--raw", type=Path, help="raw folder (default $YWTB_RAW_DIR or raw/)")
    p.add_argument(
        "--warehouse", type=Path, help="DuckDB file (default $YWTB_WAREHOUSE or warehouse/ywtb.duckdb)"
    )
    p.add_argument(
        "--exports", type=Path, help="folder for annexes and reports (default $YWTB_EXPORTS or out/)"
    )


@dataclass(frozen=True)
class Locations:
    """Where a command reads and writes: the flags, else the environment, else the defaults."""

    raw: Path
    warehouse: Path
    exports: Path

    @classmethod
    def of(cls, args: argparse.Namespace) -> Locations:
        from dagster_project import settings

        return cls(
            raw=args.raw or settings.raw_dir(),
            warehouse=args.warehouse or settings.warehouse_path(),
            exports=args.exports or settings.exports_root(),
        )

    def resources_config(self) -> dict:
        """The run config that gives the resources these locations."""
        return {
            "raw_store": {"config": {"root": str(self.raw)}},
            "warehouse": {"config": {"path": str(self.warehouse)}},
            "exports": {"config": {"root": str(self.exports)}},
        }


def cmd_sample(args: argparse.Namespace) -> int:
    if args.calibrate_to:
        return cmd_calibrate(args)
    if args.cases:
        return cmd_province(args)
    if args.as_of:
        return cmd_sample_as_of(args)
    from dagster_project.months import parse_months
    from dagster_project.sample.writer import delivery_format, write_month

    for month in parse_months(args.months):
        started = time.monotonic()
        files = write_month(month, args.out, args.scale, args.seed, args.bad_rows)
        print(
            f"{month:%Y-%m}  {delivery_format(month):9}  {len(files)} files  {time.monotonic() - started:.1f}s",
            flush=True,
        )
    return 0


def cmd_sample_as_of(args: argparse.Namespace) -> int:
    from dagster_project.defs.monitoring.days import parse_as_of
    from dagster_project.sample.writer import write_as_of

    for day in sorted({parse_as_of(part.strip()) for part in args.as_of.split(",") if part.strip()}):
        started = time.monotonic()
        files = write_as_of(day, args.out, args.scale, args.seed)
        print(f"as of {day}  {len(files)} files  {time.monotonic() - started:.1f}s", flush=True)
    return 0


def cmd_province(args: argparse.Namespace) -> int:
    from dagster_project.months import parse_months
    from dagster_project.sample.province import write_province_month

    for month in parse_months(args.months):
        started = time.monotonic()
        write_province_month(
            month,
            args.out,
            cases=args.cases,
            evaluations=args.evaluations if args.evaluations is not None else args.cases * 3 // 4,
            certificates=args.certificates if args.certificates is not None else args.cases // 10,
            seed=args.seed,
            progress=lambda line, m=month: print(f"{m:%Y-%m} {line}", flush=True),
        )
        print(f"{month:%Y-%m}  done in {time.monotonic() - started:.1f}s", flush=True)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from dagster_project import settings
    from dagster_project.defs.partitions import partition_month
    from dagster_project.months import add_months
    from dagster_project.sample.calibrate import CalibrationError, is_target_table, write_calibrated
    from schemas.profile import load_profile

    if not args.month:
        print("ywtb sample --calibrate-to needs --month, the table's month (e.g. 2021-06)", file=sys.stderr)
        return 2
    month = partition_month(args.month)
    try:
        profile = load_profile(settings.profile())
        if is_target_table(args.calibrate_to, profile):
            return _calibrate_target_table(args, month, profile)
        result = write_calibrated(args.calibrate_to, month, args.out)
    except CalibrationError as e:
        print(f"ywtb sample: {e}", file=sys.stderr)
        return 2
    before = add_months(month, -1)
    print(
        f"{len(result.rows)} rows ({result.layout}), {len(result.cases)} cases -> {args.out}/{before:%Y-%m}, {args.out}/{month:%Y-%m}"
    )
    _print_problems(result.problems)
    print(
        f"next: ywtb run --months {before:%Y-%m},{month:%Y-%m} --raw {args.out}  (then compare out/{month:%Y-%m}/{result.layout}.csv)"
    )
    return 0


def _calibrate_target_table(args: argparse.Namespace, month, profile) -> int:
    from dagster_project.sample.calibrate import write_calibrated_target_table

    result = write_calibrated_target_table(args.calibrate_to, month, args.out, profile, args.scale, args.seed)
    print(
        f"{len(result.rows)} rows ({result.table}), {result.matters} 行政许可 matters, the rest generated "
        f"-> {args.out}/{month:%Y-%m}"
    )
    _print_problems(result.problems)
    print(
        f"next: ywtb run --profile {profile.name} --months {month:%Y-%m} --raw {args.out}  "
        f"(then compare out/{month:%Y-%m}/{result.table}.csv)"
    )
    return 0


def _print_problems(problems: list[str]) -> None:
    if problems:
        print(f"{len(problems)} cells cannot be reproduced:")
        for problem in problems:
            print(f"  {problem}")
    else:
        print("every cell can be reproduced")


def cmd_run(args: argparse.Namespace) -> int:
    """Each month is one run (one transaction); the writers' lock is held across all of them. What
    Dagster and dbt say goes to the run's log file; the terminal gets a few lines a month and a
    summary."""
    from dagster_project.months import parse_months

    months = parse_months(args.months) if args.months else None  # a wrong form fails here, at once
    from dagster_project import settings
    from dagster_project.defs.resources import lock_holder, writer_lock

    where = Locations.of(args)
    working, raw = where.warehouse, where.raw
    delivered = delivered_months(raw)
    if months is None:
        built = set(built_months(working))
        months = [m for m in delivered if m not in built]
        if not months:
            print(f"nothing to run: every month in {raw} is built ({_span(delivered) or 'none delivered'})")
            return 0
        print(f"months in {raw} not yet built: {_span(months)}", flush=True)
    if missing := [m for m in months if m not in delivered]:
        raise RunRefused(
            f"no folder {raw}/{missing[0]:%Y-%m} (delivered: {_span(delivered) or 'none'}); "
            f"put the month's files there, or run another month"
        )
    settings.salt(working)  # a salt gone missing from a warehouse that holds keys fails now, not mid-run
    if holder := lock_holder(working):
        print(f"{working} is being written by another run ({holder}): waiting for it…", flush=True)
    with writer_lock(working, timeout_s=1800.0):
        later = [m for m in built_months(working) if m > months[0] and m not in months]
        if later:
            print(
                f"rebuilding {_span(later)} too: they are built and their year-to-date figures "
                f"include {months[0]:%Y-%m}",
                flush=True,
            )
            months = sorted(months + later)
        return _run_months(months, where, args)


class RunRefused(ValueError):
    """A run that cannot start as asked; the message says why and what to do."""


def _run_months(months: list, where: Locations, args: argparse.Namespace) -> int:
    import contextlib

    import dagster as dg

    from dagster_project.definitions import MONTHLY_JOB, defs
    from dagster_project.defs.partitions import register_months

    working = where.warehouse
    refuse_other_profile(working)
    log_path = working.parent / "logs" / f"run-{time.strftime('%Y%m%d-%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    job = defs.resolve_job_def(MONTHLY_JOB)
    instance = dg.DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else dg.DagsterInstance.ephemeral()
    register_months(instance, [f"{m:%Y-%m}" for m in months])
    print(f"raw {where.raw}  ->  warehouse {working}  ({len(months)} months)", flush=True)
    print(f"log {log_path}", flush=True)
    config = {
        "loggers": {"console": {"config": {"log_level": "INFO"}}},
        "resources": where.resources_config(),
    }
    done: list[str] = []
    quarantined: dict[str, int] = {}
    with log_path.open("a", encoding="utf-8") as log:
        for month in months:
            started = time.monotonic()
            key = f"{month:%Y-%m}"
            print(f"{key}  running…", flush=True)
            output = _Tee(log, sys.stdout) if args.verbose else log
            with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
                result = job.execute_in_process(
                    partition_key=key, instance=instance, run_config=config, raise_on_error=False
                )
            for line in _summary(result, quarantined):
                print(f"  {line}", flush=True)
            if not result.success:
                for failure in _failures(result, args.debug):
                    print(f"  FAILED {failure}", file=sys.stderr, flush=True)
                print(
                    f"{key}  not published: the warehouse, the published copy and {where.exports} "
                    f"are as the last good run left them (details: {log_path})",
                    file=sys.stderr,
                    flush=True,
                )
                _closing(done, quarantined, where, log_path)
                return 1
            done.append(key)
            print(f"{key}  done in {time.monotonic() - started:.1f}s", flush=True)
    _closing(done, quarantined, where, log_path)
    return 0


class _Tee:
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def refuse_other_profile(working: Path) -> None:
    """One line before any run starts (the run's resource refuses it too, for the UI's runs)."""
    import duckdb

    from dagster_project import settings
    from dagster_project.defs.resources import held_profile
    from schemas.profile import ProfileMismatch, mismatch_message

    if not working.exists():
        return
    with duckdb.connect(working, read_only=True) as con:
        held = held_profile(con)
    if held is not None and held != settings.profile():
        raise ProfileMismatch(mismatch_message(working, held, settings.profile()))


def _closing(done: list[str], quarantined: dict[str, int], where: Locations, log_path: Path) -> None:
    from dagster_project.defs.file_copies import published_path

    print(f"built: {_span_keys(done) or 'nothing'}")
    if quarantined:
        reasons = ", ".join(f"{r} {n:,}" for r, n in sorted(quarantined.items(), key=lambda kv: -kv[1]))
        print(f"quarantined rows by reason: {reasons} (quarantine.* in the warehouse)")
    print(f"working warehouse  {where.warehouse}")
    print(f"published copy     {published_path(where.warehouse)}")
    print(f"annexes, reports   {where.exports}/<YYYY-MM>/")
    print(f"run log            {log_path}")


def _span(months: list) -> str:
    return _span_keys([f"{m:%Y-%m}" for m in months])


def _span_keys(keys: list[str]) -> str:
    if len(keys) > 2:
        return f"{keys[0]}..{keys[-1]} ({len(keys)} months)"
    return ", ".join(keys)


def delivered_months(raw: Path) -> list:
    """The months with a folder in the raw store."""
    from dagster_project.months import MonthSpecError, parse_month

    months = []
    for folder in sorted(raw.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]")) if raw.is_dir() else []:
        try:
            months.append(parse_month(folder.name))
        except MonthSpecError:
            continue
    return months


def built_months(working: Path) -> list:
    """The months the working warehouse holds scores for."""
    if not working.exists():
        return []
    import duckdb

    from dagster_project.defs.resources import table_exists

    with duckdb.connect(working, read_only=True) as con:
        if not table_exists(con, "scorecard", "org_scores"):
            return []
        return [
            r[0] for r in con.execute("select distinct month from scorecard.org_scores order by 1").fetchall()
        ]


def _summary(result, quarantined: dict[str, int]) -> list[str]:
    lines, others = [], {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        meta = {k: v.value for k, v in mat.metadata.items()}
        if "rows_read" in meta:
            extra = (
                f", {meta['id_numbers_mangled']} mangled ID numbers" if meta.get("id_numbers_mangled") else ""
            )
            lines.append(
                f"{mat.asset_key.to_user_string():22} {meta['rows_read']:>9,} read {meta['rows_loaded']:>9,} loaded "
                f"{meta['rows_quarantined']:>6,} quarantined{extra}"
            )
            for reason, n in (meta.get("quarantine_reasons") or {}).items():
                quarantined[reason] = quarantined.get(reason, 0) + n
        else:
            group = mat.asset_key.path[0]
            others[group] = others.get(group, 0) + 1
    if others:
        lines.append("built: " + ", ".join(f"{group} {n}" for group, n in others.items()))
    checks = result.get_asset_check_evaluations()
    failed = [c for c in checks if not c.passed]
    lines.append(f"checks: {len(checks) - len(failed)} passed, {len(failed)} failed")
    lines += [f"check {c.asset_key.to_user_string()}:{c.check_name} FAILED" for c in failed]
    return lines


def _failures(result, debug: bool = False) -> list[str]:
    """One line per failed step: what the step said for a problem a person fixes (a Failure), the
    error's own message otherwise; the whole trace with --debug."""
    out = []
    for event in result.all_events:
        if not event.is_step_failure:
            continue
        data = event.step_failure_data
        if data.user_failure_data and data.user_failure_data.description:
            message = data.user_failure_data.description
        elif data.error:
            error = data.error.cause or data.error
            message = f"{error.cls_name}: {error.message.strip().split(': ', 1)[-1]}"
        else:
            message = "unknown error"
        out.append(f"{event.step_key}: {message}")
        if debug and data.error:
            out.append(data.error.to_string())
    return out


def cmd_monitor(args: argparse.Namespace) -> int:
    from dagster_project.monitor_cli import cmd_monitor as monitor

    return monitor(args, Locations.of(args))


def cmd_bulletin(args: argparse.Namespace) -> int:
    from dagster_project.bulletin_cli import cmd_bulletin as bulletin

    return bulletin(args, Locations.of(args))


def cmd_score(args: argparse.Namespace) -> int:
    from dagster_project import settings
    from dagster_project.scoring.printed_annexes import TableError
    from dagster_project.scoring.target_tables import choose_table
    from schemas.profile import load_profile
    from schemas.rubric import RubricError

    profile = load_profile(settings.profile())
    try:
        # Without --rubric: an annex of the profile's scoring rubric or a table of its targets rubric.
        candidates = [args.rubric] if args.rubric else [r for r in (settings.rubric(), profile.targets) if r]
        choice = choose_table(args.table, candidates)
    except (RubricError, TableError) as e:
        print(f"ywtb score: {'' if args.rubric else f'profile {profile.name}: '}{e}", file=sys.stderr)
        return 2
    if choice.kind == "targets":
        if args.joined:
            print(f"ywtb score: --with joins annexes; {args.table} is a target table", file=sys.stderr)
            return 2
        return _check_target_table(args, choice.rubric, profile)
    return _rescore_annex(args, choice.rubric)


def _check_target_table(args: argparse.Namespace, rubric, profile) -> int:
    from dagster_project.scoring.printed_annexes import TableError
    from dagster_project.scoring.target_tables import check_table, write_checked

    try:
        result = check_table(rubric, args.table, args.input, profile)
    except (TableError, OSError) as e:
        print(f"ywtb score: {e}", file=sys.stderr)
        return 2
    output = args.output or args.input.with_name(f"{args.input.stem}_checked.csv")
    write_checked(result, output)
    print("\n".join(result.summary(profile.name)))
    print(f"wrote {output}")
    return 0


def _rescore_annex(args: argparse.Namespace, rubric) -> int:
    from dagster_project.scoring.printed_annexes import TableError, rescore_table, write_rescored

    joined = {}
    for spec in args.joined:
        name, sep, file = spec.partition("=")
        if not sep:
            print(f"--with {spec!r}: expected ANNEX=FILE, e.g. annex5=附件5.csv", file=sys.stderr)
            return 2
        joined[name] = Path(file)
    try:
        result = rescore_table(rubric, args.table, args.input, joined)
    except (TableError, OSError) as e:
        print(f"ywtb score: {e}", file=sys.stderr)
        return 2
    output = args.output or args.input.with_name(f"{args.input.stem}_scored.csv")
    write_rescored(result, output)
    name_col = next(c.header for c in rubric.annexes[args.table].columns if c.field == "org_name")
    for column in (c.header for c in rubric.annexes[args.table].columns if c.score):
        if column in result.given:
            print(f"{column}: taken as printed (the table lacks its inputs; --with can join them)")
            continue
        ok, total = result.reproduced(column)
        print(f"{column}: {ok}/{total} rows reproduced to the printed decimal")
        for row in result.rows:
            if row[f"{column}_residual"] not in ("", "0.00"):
                print(
                    f"  {row[name_col]}: printed {row[column]}, computed {row[f'{column}_computed']}, "
                    f"residual {row[f'{column}_residual']}"
                )
    print(f"wrote {output}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Exit 1 when a file has a file-level problem (the delivery cannot be ingested as it is)."""
    from dagster_project import settings
    from dagster_project.defs.ingest.validate import render, validate_month
    from dagster_project.months import parse_months

    raw = args.raw or settings.raw_dir()
    failed = False
    for month in parse_months(args.months):
        reports = validate_month(raw, month)
        print("\n".join(render(month, reports)), flush=True)
        failed |= any(r.problem for r in reports)
    return 1 if failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    """Reads the published copy, so it works while a run is writing the working file."""
    from dagster_project.defs.file_copies import connect_published, published_path
    from dagster_project.defs.partitions import partition_month
    from dagster_project.defs.publish.report import write_report

    where = Locations.of(args)
    source = published_path(where.warehouse)
    if not source.exists():
        print(
            f"ywtb report: no published warehouse at {source}; run `ywtb run --months {args.month}` first",
            file=sys.stderr,
        )
        return 2
    month = partition_month(args.month)
    with connect_published(source) as con:
        built = con.execute("select count(*) from scorecard.org_scores where month = ?", [month]).fetchall()[
            0
        ][0]
        if not built:
            print(f"ywtb report: {args.month} is not in {source}; run it first", file=sys.stderr)
            return 2
        for path in write_report(con, month, where.exports / args.month):
            print(f"wrote {path}")
    return 0


def cmd_months(args: argparse.Namespace) -> int:
    import dagster as dg

    from dagster_project.defs.file_copies import published_path
    from dagster_project.defs.ingest.deliveries import built_fingerprints, month_status
    from dagster_project.defs.partitions import register_months

    where = Locations.of(args)
    raw, working = where.raw, where.warehouse
    built = built_fingerprints(published_path(working))
    complete = []
    for month in delivered_months(raw):
        key = f"{month:%Y-%m}"
        fingerprint, missing = month_status(raw / key)
        if missing:
            state = f"lacks {', '.join(missing)}"
        else:
            complete.append(key)
            state = {None: "not built", fingerprint: "built"}.get(
                built.get(key), "built from other files: rerun"
            )
        print(f"{key}  {state}")
    if os.environ.get("DAGSTER_HOME"):
        new = register_months(dg.DagsterInstance.get(), complete)
        print(f"registered in {os.environ['DAGSTER_HOME']}: {', '.join(new) or 'nothing new'}")
    return 0


def cmd_calendar(args: argparse.Namespace) -> int:
    from dagster_project.reference import CALENDAR_SEED, CALENDAR_YEARS, build_calendar

    build_calendar(*CALENDAR_YEARS).write_csv(CALENDAR_SEED)
    print(f"wrote {CALENDAR_SEED}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
