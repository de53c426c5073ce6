"""Checking a delivery against the raw contracts without touching the warehouse: what a data engineer
runs on files before accepting them, and what CI runs on a delivery (`ywtb validate`).

The files go through the same boundary as ingestion (readers, header aliases, personal data removed,
values parsed, row rules); nothing is written. The matter catalogue of the same delivery is what
cases are checked against.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from dagster_project.defs.ingest.boundary import REASON, IngestedFile, ingest
from dagster_project.defs.ingest.normalize import SOURCE_ROW
from dagster_project.defs.ingest.readers import FileProblem, find_file
from dagster_project.months import last_day
from dagster_project.reference import CalendarNotCovered, check_calendar_covers, organisations
from dagster_project.settings import memory_budget_bytes
from schemas.raw import CONTRACTS, ValidationContext

SAMPLE_ROWS = 3


@dataclass
class FileReport:
    extract: str
    path: Path | None
    problem: str | None = None  # a file-level problem: the delivery cannot be accepted
    encoding: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    values_masked: int = 0  # text values in which an ID number or a phone was masked
    reasons: dict[str, int] = field(default_factory=dict)
    samples: list[dict] = field(default_factory=list)  # the first quarantined rows, personal data removed
    unknown_columns: tuple[str, ...] = ()


def validate_month(raw: Path, month: dt.date) -> list[FileReport]:
    """One report per extract of the month's delivery, in the order ingestion reads them."""
    folder = raw / f"{month:%Y-%m}"
    orgs = organisations()
    salt = secrets.token_hex(16)  # keys are hashed as in ingestion, with a salt that is thrown away
    matter_codes: frozenset[str] = frozenset()
    reports = []
    for name, contract in CONTRACTS.items():
        report = FileReport(name, None)
        try:
            check_calendar_covers(month, last_day(month))
            report.path = find_file(folder, contract)
            ctx = ValidationContext(
                month=month,
                known_org_codes=orgs.codes,
                known_org_names=orgs.names,
                known_matter_codes=matter_codes if contract.needs_matter_catalogue else None,
            )
            codes: set[str] = set()
            for ingested in ingest(report.path, contract, ctx, salt, memory_budget_bytes()):
                fill(report, ingested)
                if name == "matters":
                    codes |= set(ingested.loaded["matter_code"].to_list())
        except (FileProblem, CalendarNotCovered) as e:
            report.problem = str(e)
            reports.append(report)
            continue
        if name == "matters":
            matter_codes = frozenset(codes)
        reports.append(report)
    return reports


def fill(report: FileReport, ingested: IngestedFile) -> None:
    """Add one batch (or the whole file) to the report."""
    report.encoding = ingested.encoding
    report.rows_read += ingested.rows_read
    report.rows_loaded += ingested.loaded.height
    report.rows_quarantined += ingested.quarantined.height
    report.values_masked += ingested.values_masked
    for reason, n in ingested.reasons.items():
        report.reasons[reason] = report.reasons.get(reason, 0) + n
    report.unknown_columns = ingested.unknown_columns
    lead = [SOURCE_ROW, REASON]
    sample = ingested.quarantined.head(SAMPLE_ROWS - len(report.samples))
    columns = lead + [c for c in sample.columns if c not in lead][:4]
    report.samples += sample.select(columns).cast(pl.String).to_dicts()


def render(month: dt.date, reports: list[FileReport]) -> list[str]:
    lines = [f"{month:%Y-%m}"]
    for r in reports:
        where = r.path.name if r.path else "(no file)"
        if r.problem:
            lines.append(f"  FAIL {r.extract:16} {r.problem}")
            continue
        lines.append(
            f"  ok   {r.extract:16} {where}  {r.encoding}  {r.rows_read:,} read, {r.rows_loaded:,} valid, "
            f"{r.rows_quarantined:,} to quarantine"
        )
        if r.values_masked:
            lines.append(
                f"       {r.values_masked:,} values held an ID number or a phone: masked before anything is kept"
            )
        if r.unknown_columns:
            lines.append(f"       unknown columns (kept out, not fatal): {', '.join(r.unknown_columns)}")
        for reason, n in r.reasons.items():
            lines.append(f"       {n:>7,}  {reason}")
        for row in r.samples:
            lines.append(f"       e.g. row {row[SOURCE_ROW]}: {row[REASON]}  {dict(list(row.items())[2:])}")
    return lines
