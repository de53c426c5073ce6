"""A generator calibrated to a published 运行情况表: raw extracts for a month (and the month before it,
for cases applied or accepted earlier) such that the pipeline reproduces every count of the table
exactly and every rate to its printed two decimals. This is how the project shows that its formulas
mean what the province's mean.

The cases are built organisation by organisation from the printed row (calibration/cases.py):
  * counts fix how many cases are applied, accepted and finished in the month, promised or instant,
    online or not, late or not;
  * 办理提速 (calendar days against the legal limit) fixes each promised case's dates and legal limit;
  * 承诺提速 (every case of the month) fixes the promised limits, within what lateness allows
    (calibration/speed_up.py);
  * 办件覆盖率 (year to date) fixes the size of the implementation list and how many of its matters have
    a case this year (cases of the month before count, so a department with no case in the month can
    still show coverage);
  * 提前办结, 网上办理 and the online 提前办结 follow from the counts: where the printed value does not,
    the table contradicts itself, and the cell is named instead of reproduced.
Every cell that cannot be reproduced is reported with the reason; the rest are.

A table of the profile's target rubric (重庆 2021's "四个指标") is calibrated too (the end of this
module): the month as the sample makes it, the table's organisations' 行政许可 matters made to print it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from dagster_project.months import add_months
from dagster_project.sample.calibration.cases import Case, organisation_cases
from dagster_project.sample.calibration.extracts import (
    coverage_sizes,
    evaluation_row,
    matter_row,
    month_extracts,
)
from dagster_project.sample.calibration.four_indicators import solve
from dagster_project.sample.calibration.printed_table import CalibrationError, PrintedRow, read_printed
from dagster_project.sample.calibration.target_table import (
    TargetRow,
    read_header,
    read_target_table,
    target_table_of,
)
from dagster_project.sample.calibration.workdays import Workdays, at
from dagster_project.sample.writer import month_frames, write_month
from schemas.marts.ops import LAYOUTS, OPS_COLUMNS, layout_of
from schemas.profile import Profile
from schemas.rubric import load_rubric

__all__ = [
    "Calibration",
    "CalibrationError",
    "TargetCalibration",
    "calibrate",
    "calibrate_target_table",
    "write_calibrated",
    "write_calibrated_target_table",
]


@dataclass
class Calibration:
    month: dt.date
    layout: str
    rows: list[PrintedRow]
    cases: list[Case] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # "row 3 市X promise_speedup_rate: why"

    def unreproducible(self) -> set[tuple[str, str]]:
        """(printed name, published header) of every cell named in the problems."""
        headers = dict((f, h) for h, f in (*OPS_COLUMNS, *LAYOUTS[self.layout]["tail"]))
        cells = set()
        for problem in self.problems:
            _, _, name, rate = problem.split(":")[0].split(" ")
            cells.add((name, headers[rate]))
        return cells


def calibrate(path: Path, month: dt.date) -> tuple[Calibration, dict[dt.date, dict[str, pl.DataFrame]]]:
    """The cases behind a printed table, and the extracts of the month and the month before."""
    layout, rows = read_printed(path)
    days = Workdays(month)
    result = Calibration(month, layout, rows)
    before = add_months(month, -1)
    same_year = before.year == month.year
    matters, cases, evaluations = [], [], []
    rng = np.random.default_rng(20210601)
    for row in rows:
        built = organisation_cases(days, row, result.problems)
        # Coverage (year to date): K of N listed matters have a case this year.
        coverage = row.rates["matter_coverage_rate"] or 0.0
        applied_this_year = len(built) if same_year else sum(1 for x in built if x.applied_at >= at(month, 0))
        listed, used = coverage_sizes(coverage, applied_this_year, same_year)
        if listed is None:
            result.problems.append(
                f"row {row.line} {row.name} matter_coverage_rate: no case this year can cover {coverage:.2%}"
            )
            listed, used = 1, 0
        codes = [f"{row.dept_code}C{i:04d}" for i in range(listed)]
        unlisted = f"{row.dept_code}X0000"
        for i, x in enumerate(built):
            x.matter_code = codes[i % used] if used else unlisted
        first = days.workdays[0]
        fillers = [
            Case(
                is_promised=False,
                applied_at=at(first, 9),
                accepted_at=at(first, 10),
                finished_at=at(first, 11),
                matter_code=codes[i],
            )
            for i in range(min(len(built), used), used)
        ]
        for x in fillers:
            x.legal_limit_days, x.promised_limit_days = 20, 0
        for x in built + fillers:
            cases.append((row, x))
        for code in [*codes, unlisted]:
            matters.append(matter_row(row, code, listed=code != unlisted))
        eval_day = days.in_month[0]
        evaluations += [
            evaluation_row(row, f"CE{row.dept_code}{i:06d}", at(eval_day, 12))
            for i in range(row.counts["active_evaluations"])
        ]
    result.cases = [x for _, x in cases]
    frames = {m: month_extracts(m, cases, matters, evaluations, rng) for m in (before, month)}
    return result, frames


def write_calibrated(path: Path, month: dt.date, out: Path) -> Calibration:
    result, frames = calibrate(path, month)
    for m, extracts in frames.items():
        write_month(m, out, scale=0.0, frames=extracts, fmt="utf-8")
    return result


# ------------------------------------------------------------------- the tables of a target rubric
# A table of the profile's target rubric (重庆 2021's "四个指标" of 行政许可 matters) says nothing of
# cases: the month is generated as `ywtb sample` makes it, and only the table's organisations' 行政许可
# matters are replaced by the calibrated ones (calibration/four_indicators.py). Their generated
# 行政许可 matters become 行政确认 matters, so the cases that name them stay valid.

RETYPED_AS = "行政确认"


@dataclass
class TargetCalibration:
    month: dt.date
    table: str  # the rubric's table, e.g. depts_4ind
    rows: list[TargetRow]
    matters: int = 0  # calibrated 行政许可 matters written
    # (line, printed name, header, reason) of every cell that cannot be reproduced
    cells: list[tuple[int, str, str, str]] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        return [f"row {line} {name} {header}: {reason}" for line, name, header, reason in self.cells]

    def unreproducible(self) -> set[tuple[str, str]]:
        """(printed name, published header) of every cell named in the problems."""
        return {(name, header) for _, name, header, _ in self.cells}


def is_target_table(path: Path, profile: Profile) -> bool:
    """Whether the file is one of the profile's target tables, or a 运行情况表; neither is refused,
    naming the tables the profile knows."""
    header = read_header(path)
    if target_table_of(header, profile) is not None:
        return True
    try:
        layout_of(header)
    except ValueError:
        targets = ", ".join(load_rubric(profile.targets).tables) if profile.targets else "none"
        raise CalibrationError(
            f"{path}: the header is neither a 运行情况表's (city: 序号, 部门, …; county: 序号, 地区, …) nor "
            f"a table of profile {profile.name}'s targets ({targets}); another profile? (--profile)"
        ) from None
    return False


def calibrate_target_table(
    path: Path, month: dt.date, profile: Profile, scale: float, seed: int
) -> tuple[TargetCalibration, dict[str, pl.DataFrame]]:
    """The month's extracts as the sample generates them, with the table's organisations' 行政许可
    matters those whose indicators print as the table does."""
    printed = read_target_table(path, profile)
    result = TargetCalibration(month, printed.name, printed.rows)
    frames = month_frames(month, scale, seed)
    generated = frames["matters"]
    by_code = {o.org_code: o for o in profile.organisations}
    replaced: set[str] = set()
    rows = []
    for row in printed.rows:
        solution = solve(row.matters, row.wanted, printed.shows)
        for indicator, reason in solution.problems.items():
            result.cells.append((row.line, row.printed_name, printed.header_of(indicator), reason))
        owners = _matter_owners(profile, row.org_code)
        replaced |= set(owners)
        carrier = by_code[owners[0]]
        for i, m in enumerate(solution.matters, start=1):
            code = f"{row.org_code}L{i:04d}"
            rows.append(
                {
                    "matter_code": code,
                    "matter_name": f"{row.printed_name}行政许可事项{i:04d}",
                    "dept_code": carrier.org_code,
                    "region_code": carrier.region_code,
                    "matter_type": "行政许可",
                    "is_on_application": True,
                    "is_claim_required": True,
                    "status": "在用",
                    "online_depth": 4 if m.is_full_online else 3,
                    "is_instant": m.is_instant,
                    "legal_limit_days": m.legal_limit_days,
                    "promised_limit_days": m.promised_limit_days,
                    "max_visits": m.max_visits,
                    "yields_certificate": False,
                    "is_claimed": True,
                    "is_published": True,
                }
            )
    retyped = generated.with_columns(
        matter_type=pl.when(
            pl.col("dept_code").is_in(sorted(replaced)) & (pl.col("matter_type") == "行政许可")
        )
        .then(pl.lit(RETYPED_AS))
        .otherwise(pl.col("matter_type"))
    )
    calibrated = pl.DataFrame(rows, schema=generated.schema) if rows else generated.clear()
    frames["matters"] = pl.concat([retyped, calibrated.select(generated.columns)])
    result.matters = len(rows)
    return result, frames


def _matter_owners(profile: Profile, org_code: str) -> list[str]:
    """The organisations whose 行政许可 matters make the row's values, the one to carry the calibrated
    matters first. A county is the sum of its departments and 街镇 (ind_indicator_values): its first
    department (or 街镇) carries them, and the county's own and the others' are replaced too."""
    org = next(o for o in profile.organisations if o.org_code == org_code)
    if org.org_level != "county":
        return [org_code]
    below = [
        o.org_code
        for level in ("county_dept", "street")
        for o in sorted(profile.organisations, key=lambda o: o.org_code)
        if o.org_level == level and o.region_code == org_code
    ]
    return [*below, org_code]


def write_calibrated_target_table(
    path: Path, month: dt.date, out: Path, profile: Profile, scale: float, seed: int
) -> TargetCalibration:
    result, frames = calibrate_target_table(path, month, profile, scale, seed)
    write_month(month, out, scale, seed, frames=frames)
    return result
