"""A published 运行情况表 read as numbers: counts as integers, rates as fractions, and whether a
computed rate prints as the table does."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from dagster_project.reference import organisations
from dagster_project.scoring.engine import printed
from dagster_project.scoring.printed_annexes import org_key
from schemas.marts.ops import LAYOUTS, OPS_COLUMNS, layout_of


class CalibrationError(ValueError):
    pass


@dataclass
class PrintedRow:
    """One row of the table: counts as integers, rates as fractions (None where printed empty), both
    under the indicator codes of the warehouse (applied_cases, handling_speedup_rate, …)."""

    line: int
    name: str
    org_code: str
    dept_code: str
    region_code: str
    counts: dict[str, int]
    rates: dict[str, float | None]


def read_printed(path: Path) -> tuple[str, list[PrintedRow]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        body = list(reader)
    try:
        layout = layout_of(header)
    except ValueError as e:
        raise CalibrationError(f"{path}: {e}") from None
    spec = LAYOUTS[layout]
    columns = [*OPS_COLUMNS, *spec["tail"]]
    ref = organisations()
    rows = []
    for n, values in enumerate(body, start=2):
        cells = dict(zip(header, values, strict=True))
        name = cells[spec["name"]]
        code = org_key(name)
        org = ref.frame.filter(pl.col("org_code") == code)
        if org.is_empty() or org["org_level"][0] != spec["level"]:
            raise CalibrationError(
                f"{path}:{n}: {name!r} is not a known {spec['level']} (reference organisations)"
            )
        dept = code
        if spec["level"] == "county":  # a county's cases are its departments'; one of them carries them
            depts = ref.frame.filter(pl.col("org_level") == "county_dept", pl.col("region_code") == code)
            dept = depts.sort("org_code")["org_code"][0]
        counts, rates = {}, {}
        for header_, indicator in columns:
            text = cells[header_].strip()
            if header_.endswith("_pct"):
                rates[indicator] = None if text == "" else float(text) / 100
            else:
                counts[indicator] = int(float(text or 0))
        rows.append(PrintedRow(n, name, code, dept, org["region_code"][0], counts, rates))
    return layout, rows


def matches(value: float | None, target: float | None) -> bool:
    """Whether a computed fraction prints as the table does (a rate with nothing to measure prints 0.00)."""
    shown = 0.0 if value is None else printed(value * 100)
    return math.isclose(shown, 0.0 if target is None else printed(target * 100), abs_tol=1e-9)


def interval(target: float) -> tuple[float, float]:
    """The fractions that print as `target` (two decimals of a percent, half up): [lo, hi)."""
    v = printed(target * 100)
    return (v - 0.005) / 100, (v + 0.005) / 100
