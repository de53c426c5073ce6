"""The month's raw extracts behind the calibrated cases: the implementation list sized for 办件覆盖率,
the evaluations, each case as it stood at the month's end, and the extracts the table says nothing
about from the ordinary generator."""

from __future__ import annotations

import datetime as dt
import math

import polars as pl

from dagster_project.months import add_months
from dagster_project.sample import generator as gen
from dagster_project.sample import people
from dagster_project.sample.calibration.printed_table import PrintedRow, matches
from dagster_project.sample.calibration.workdays import at

SEED = 2021
BACKGROUND_SCALE = 0.0005  # of the extracts the 运行情况表 does not read (certificates, projects, …)


def coverage_sizes(coverage: float, applied: int, fillers_allowed: bool) -> tuple[int | None, int]:
    """(N listed matters, K with a case) with K / N printing as `coverage`; the smallest N."""
    for listed in range(1, 1001):
        for used in {math.floor(coverage * listed), math.ceil(coverage * listed)}:
            if (
                0 <= used <= listed
                and matches(used / listed, coverage)
                and (used <= applied or fillers_allowed)
            ):
                return listed, used
    return None, 0


def matter_row(row: PrintedRow, code: str, listed: bool) -> dict:
    return {
        "matter_code": code,
        "matter_name": f"{row.name}事项{code[-4:]}",
        "dept_code": row.dept_code,
        "region_code": row.region_code,
        "matter_type": "行政许可",
        "is_on_application": listed,
        "is_claim_required": True,
        "status": "在用",
        "online_depth": 4,
        "is_instant": False,
        "legal_limit_days": 20,
        "promised_limit_days": 5,
        "max_visits": 0,
        "yields_certificate": False,
        "is_claimed": True,
        "is_published": True,
    }


def evaluation_row(row: PrintedRow, eval_id: str, when: dt.datetime) -> dict:
    return {
        "eval_id": eval_id,
        "case_id": None,
        "dept_code": row.dept_code,
        "region_code": row.region_code,
        "eval_time": when,
        "eval_source": "主动评价",
        "rating": 5,
        "eval_channel": "评价器",
        "invalid_after_appeal": "",
        "rectify_due": None,
        "rectified_at": None,
        "revisited": "",
        "rectify_satisfied": "",
        "evaluator_phone": "",
    }


def month_extracts(month: dt.date, cases, matters, evaluations, rng) -> dict[str, pl.DataFrame]:
    """Each case as it stood at the month's end, where it had an event in the month or was open."""
    start, end = at(month, 0), at(add_months(month, 1), 0)
    rows = []
    for n, (row, x) in enumerate(cases):
        if x.applied_at >= end:
            continue
        accepted_at = x.accepted_at if x.accepted_at and x.accepted_at < end else None
        finished_at = x.finished_at if x.finished_at and x.finished_at < end else None
        events = [t for t in (x.applied_at, accepted_at, finished_at) if t is not None and start <= t < end]
        if not events and not (accepted_at and not finished_at):
            continue
        rows.append(
            {
                "case_id": f"CAL{n:08d}",
                "matter_code": x.matter_code,
                "dept_code": row.dept_code,
                "region_code": row.region_code,
                "case_kind": "承诺件" if x.is_promised else "即办件",
                "is_batch": "否",
                "channel": "网上" if x.is_online else "窗口",
                "apply_time": x.applied_at,
                "accept_time": accepted_at,
                "finish_time": finished_at,
                "result": "准予",
                "legal_limit_days": x.legal_limit_days,
                "promised_limit_days": x.promised_limit_days,
                "yields_certificate": False,
                "applicant_type": "法人",
            }
        )
    frame = pl.DataFrame(
        rows,
        schema_overrides={
            "accept_time": pl.Datetime("ms"),
            "finish_time": pl.Datetime("ms"),
            "apply_time": pl.Datetime("ms"),
        },
    )
    n = frame.height
    frame = frame.with_columns(
        applicant_name=pl.Series(people.names(rng, n)),
        applicant_id_number=pl.Series([""] * n),
        applicant_phone=pl.Series(people.phones(rng, n)),
    )
    # A default evaluation (not an active one, so no 主动评价数 moves) keeps the file from being empty.
    default = evaluation_row(cases[0][0], f"CD{month:%Y%m}", at(month, 12)) | {"eval_source": "默认评价"}
    in_month = [e for e in evaluations if start <= e["eval_time"] < end] + [default]
    # The extracts the table says nothing about come from the ordinary generator, at a small scale.
    return {
        "matters": pl.DataFrame(matters),
        "cases": frame,
        "evaluations": pl.DataFrame(
            in_month,
            schema_overrides={
                "eval_time": pl.Datetime("ms"),
                "case_id": pl.String,
                "rectify_due": pl.Datetime("ms"),
                "rectified_at": pl.Datetime("ms"),
            },
        ),
        "certificates": gen.certificates_extract(month, BACKGROUND_SCALE, SEED),
        **gen.project_extracts(month, BACKGROUND_SCALE, SEED),
        "assessed_inputs": gen.assessed_inputs_extract(month, SEED),
    }
