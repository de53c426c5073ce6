"""A generator calibrated to a published 运行情况表: raw extracts for a month (and the month before it,
for cases applied or accepted earlier) such that the pipeline reproduces every count of the table
exactly and every rate to its printed two decimals. This is how the project shows that its formulas
mean what the province's mean.

The cases are built organisation by organisation from the printed row:
  * counts fix how many cases are applied, accepted and finished in the month, promised or instant,
    online or not, late or not;
  * 办理提速 (calendar days against the legal limit) fixes each promised case's dates and legal limit;
  * 承诺提速 (every case of the month) fixes the promised limits, within what lateness allows;
  * 办件覆盖率 (year to date) fixes the size of the implementation list and how many of its matters have
    a case this year (cases of the month before count, so a department with no case in the month can
    still show coverage);
  * 提前办结, 网上办理 and the online 提前办结 follow from the counts: where the printed value does not,
    the table contradicts itself, and the cell is named instead of reproduced.
Every cell that cannot be reproduced is reported with the reason; the rest are.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

import numpy as np
import polars as pl

from dagster_project.months import add_months
from dagster_project.reference import calendar, organisations
from dagster_project.sample import generator as gen
from dagster_project.sample import people
from dagster_project.sample.writer import write_month
from dagster_project.scoring.engine import printed
from dagster_project.scoring.printed_annexes import org_key
from schemas.marts.ops import LAYOUTS, OPS_COLUMNS, PARTS, layout_of

SEED = 2021
BACKGROUND_SCALE = 0.0005  # of the extracts the 运行情况表 does not read (certificates, projects, …)
MAX_LEGAL_DAYS = 250  # the longest legal limit (working days) the search may use
COUNTS = {
    "applied_cases": "A",
    "accepted_cases": "R",
    "finished_cases": "F",
    "finished_late_cases": "FL",
    "promised_finished_cases": "PF",
    "promised_finished_late_cases": "PFL",
    "online_applied_cases": "OA",
    "online_accepted_cases": "OR",
    "online_finished_cases": "OF",
    "online_promised_finished_cases": "OPF",
    "online_promised_finished_late_cases": "OPFL",
    "active_evaluations": "E",
}


class CalibrationError(ValueError):
    pass


@dataclass(eq=False)  # cases are told apart by identity: two alike cases are still two cases
class Case:
    promised: bool
    online: bool = False
    apply: dt.datetime | None = None
    accept: dt.datetime | None = None
    finish: dt.datetime | None = None
    legal: int = 1
    promise: int = 0
    p_range: tuple[int, int] | None = None  # promised limits lateness allows; None: free
    matter: str = ""


@dataclass
class Printed:
    """One row of the table: counts as integers, rates as fractions (None where printed empty)."""

    line: int
    name: str
    org_code: str
    dept_code: str
    region_code: str
    counts: dict[str, int]
    rates: dict[str, float | None]


@dataclass
class Calibration:
    month: dt.date
    layout: str
    rows: list[Printed]
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


# ------------------------------------------------------------------------------------ reading the table


def read_printed(path: Path) -> tuple[str, list[Printed]]:
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
        for header_, field_ in columns:
            text = cells[header_].strip()
            if header_.endswith("_pct"):
                rates[field_] = None if text == "" else float(text) / 100
            else:
                counts[COUNTS[field_]] = int(float(text or 0))
        rows.append(Printed(n, name, code, dept, org["region_code"][0], counts, rates))
    return layout, rows


def matches(value: float | None, target: float | None) -> bool:
    """Whether a computed fraction prints as the table does (a rate with nothing to measure prints 0.00)."""
    shown = 0.0 if value is None else printed(value * 100)
    return math.isclose(shown, 0.0 if target is None else printed(target * 100), abs_tol=1e-9)


def interval(target: float) -> tuple[float, float]:
    """The fractions that print as `target` (two decimals of a percent, half up): [lo, hi)."""
    v = printed(target * 100)
    return (v - 0.005) / 100, (v + 0.005) / 100


# ----------------------------------------------------------------------------------------- the calendar


class Days:
    """Workdays of the month and the month before, and the spans a promised case can take."""

    def __init__(self, month: dt.date):
        cal = calendar().filter(pl.col("is_workday"))
        start, end = add_months(month, -1), add_months(month, 1)
        self.month = month
        self.workdays = [d for d in cal["calendar_date"] if start <= d < end]
        self.index = {d: i for i, d in enumerate(self.workdays)}
        self.in_month = [d for d in self.workdays if d >= month]
        self.last_before = max(d for d in self.workdays if d < month)
        self._lengths: dict[tuple[int, bool, bool], list[int]] = {}
        # For each calendar length d, the pair (accept, finish) of workdays finishing in the month with
        # the fewest workdays W between them (most room for being on time): one accepted in the month
        # before (preferred: the month's acceptances are counted apart) and one accepted in the month.
        self.before: dict[int, tuple[int, dt.date, dt.date]] = {}
        self.within: dict[int, tuple[int, dt.date, dt.date]] = {}
        for f in self.in_month:
            for a in self.workdays:
                if a > f:
                    break
                d, w = (f - a).days, self.index[f] - self.index[a]
                spans = self.within if a >= month else self.before
                if d not in spans or w < spans[d][0]:
                    spans[d] = (w, a, f)

    def span(self, d: int, legal: int, late: bool, avoid_month: bool) -> tuple[int, dt.date, dt.date] | None:
        """The dates of a case taking d calendar days: on time needs W ≤ P ≤ L, late needs W ≥ 1."""
        for spans in (self.before,) if avoid_month else (self.before, self.within):
            if d in spans and ((spans[d][0] >= 1) if late else (spans[d][0] <= legal)):
                return spans[d]
        return None

    def lengths(self, legal: int, late: bool, avoid_month: bool) -> list[int]:
        """Calendar lengths a case with this legal limit can take (memoised: the search asks often)."""
        key = (legal, late, avoid_month)
        if key not in self._lengths:
            candidates = set(self.before) | (set() if avoid_month else set(self.within))
            self._lengths[key] = sorted(d for d in candidates if self.span(d, legal, late, avoid_month))
        return self._lengths[key]


# -------------------------------------------------------------------------------------- fitting a ratio


def split(total: int, n: int) -> list[int]:
    return [total // n + (1 if i < total % n else 0) for i in range(n)]


Promised = tuple[int, int, tuple[int, dt.date, dt.date], bool]  # (legal limit, calendar days, span, late)


def fit_handling(
    days: Days,
    ok: int,
    late: int,
    target: float | None,
    offset: tuple[int, int] = (0, 0),
    within_budget: int | None = None,
    any_ratio: bool = False,
):
    """Solutions, smallest legal limits first: ([Promised], (numerator, denominator)) for `ok` on-time
    and `late` late promised cases, such that (offset numerator + Σ(L − d)) / (offset denominator + ΣL)
    prints as `target` (any ratio with `any_ratio`). Acceptances in the month before are tried first;
    at most `within_budget` cases are accepted in the month (the month's acceptances are printed)."""
    n = ok + late
    num0, den0 = offset
    if n == 0:
        if any_ratio or matches(num0 / den0 if den0 else None, target):
            yield [], offset
        return
    lo, hi = (-math.inf, math.inf) if any_ratio else interval(target or 0.0)
    lates = [True] * late + [False] * ok  # the last case tunes the sums; an on-time one if there is one
    # A few cases need one with a limit of its own to reach the printed precision: few cases, a wide search.
    tuners = range(1, MAX_LEGAL_DAYS) if n <= 50 else range(1, 61) if n <= 200 else [None]
    for avoid_month in (True, False):
        for base in range(1, MAX_LEGAL_DAYS):
            for tuner in tuners:
                legals = [base] * (n - 1) + [tuner or base]
                total = sum(legals) + den0
                # Σd such that (num0 + ΣL − Σd) / total is in [lo, hi)
                d_min = -(10**9) if any_ratio else math.floor(num0 + total - den0 - hi * total) + 1
                d_max = 10**9 if any_ratio else math.floor(num0 + total - den0 - lo * total)
                allowed = [
                    days.lengths(legal, is_late, avoid_month)
                    for legal, is_late in zip(legals, lates, strict=True)
                ]
                if any(not a for a in allowed):
                    continue
                low, high = sum(a[0] for a in allowed), sum(a[-1] for a in allowed)
                for goal in range(max(d_min, low), min(d_max, high) + 1):
                    lengths = decompose(goal, allowed)
                    if lengths is None:
                        continue
                    cases = [
                        (legal, d, days.span(d, legal, is_late, avoid_month), is_late)
                        for legal, d, is_late in zip(legals, lengths, lates, strict=True)
                    ]
                    within = sum(1 for _, _, (_, a, _), _ in cases if a >= days.month)
                    if within_budget is not None and within > within_budget:
                        break
                    yield cases, (num0 + sum(legal - d for legal, d, _, _ in cases), total)
                    break


def decompose(goal: int, allowed: list[list[int]]) -> list[int] | None:
    """One allowed length per case, adding up to `goal` (greedy from each case's shortest)."""
    chosen = [a[0] for a in allowed]
    rest = goal - sum(chosen)
    for i, options in enumerate(allowed):
        if rest <= 0:
            break
        best = max((d for d in options if d - chosen[i] <= rest), default=chosen[i])
        rest -= best - chosen[i]
        chosen[i] = best
    return chosen if rest == 0 else None


def fit_promise(cases: list[Case], target: float | None) -> bool:
    """Promised limits (and the legal limits of cases whose limits are free) so that
    Σ(L − P) / ΣL over the month's cases prints as `target`."""
    if not cases:
        return matches(None, target)
    fixed = [c for c in cases if c.p_range is not None]
    free = [c for c in cases if c.p_range is None]
    lo, hi = interval(target or 0.0)
    fixed_legal = sum(c.legal for c in fixed)
    p_low = sum(c.p_range[0] for c in fixed)
    p_high = sum(c.p_range[1] for c in fixed)
    for free_legal in range(len(free), len(free) * MAX_LEGAL_DAYS + 1) if free else [0]:
        total = fixed_legal + free_legal
        # (total − ΣP) / total in [lo, hi)  ⇔  ΣP in (total(1 − hi), total(1 − lo)]
        goal = max(math.floor(total * (1 - hi)) + 1, p_low)
        if total == 0 or goal > min(math.floor(total * (1 - lo)), p_high + free_legal):
            continue
        for c, legal in zip(free, split(free_legal, len(free)), strict=True):
            c.legal, c.promise = legal, 0
        rest = goal
        for c in fixed:
            c.promise = c.p_range[0]
            rest -= c.promise
        for c in [*fixed, *free]:
            more = min(rest, (c.p_range[1] if c.p_range else c.legal) - c.promise)
            c.promise += more
            rest -= more
        return rest == 0
    return False


# ---------------------------------------------------------------------------------------- one organisation


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour))


def build_row(days: Days, row: Printed, problems: list[str]) -> list[Case]:
    """The month's cases of one printed row; what cannot be reproduced goes to `problems`."""
    c = dict(row.counts)
    where = f"row {row.line} {row.name}"
    for part, whole in PARTS:
        p, w = COUNTS[part], COUNTS[whole]
        if c[p] > c[w]:
            problems.append(f"{where} {part}: {c[p]} is more than {whole} {c[w]}; generated as {c[w]}")
            c[p] = c[w]
    rates = row.rates
    derived = {
        "early_finish_rate": (c["PF"] - c["PFL"]) / c["PF"] if c["PF"] else None,
        "online_promised_share": c["OPF"] / c["PF"] if c["PF"] else None,
        "online_early_finish_rate": (c["OPF"] - c["OPFL"]) / c["OPF"] if c["OPF"] else None,
    }
    for rate, value in derived.items():
        if not matches(value, rates[rate]):
            shown = 0.0 if value is None else printed(value * 100)
            problems.append(
                f"{where} {rate}: printed {printed((rates[rate] or 0) * 100):.2f}, its counts give {shown:.2f}"
            )

    # Promised cases finished in the month, online first: 线上办理提速 over them, then 办理提速 over all.
    # Several solutions are tried: 承诺提速 must be reachable with the same legal limits.
    handling = rates["handling_speedup_rate"]
    if c["PF"] and c["PF"] == c["OPF"] and not matches(handling, rates["online_handling_speedup_rate"]):
        problems.append(
            f"{where} handling_speedup_rate: printed {printed((handling or 0) * 100):.2f}, but every promised case "
            f"is online and 线上办理提速 is printed {printed((rates['online_handling_speedup_rate'] or 0) * 100):.2f}"
        )
        handling = rates["online_handling_speedup_rate"]
    attempts = 200 if c["PF"] <= 50 else 20
    on_ok, on_late = c["OPF"] - c["OPFL"], c["OPFL"]
    off_late = c["PFL"] - c["OPFL"]
    off_ok = c["PF"] - c["OPF"] - off_late

    def within(promised: list[Promised]) -> int:
        return sum(1 for _, _, (_, a, _), _ in promised if a >= days.month)

    best: tuple[list[Case], list[str]] | None = None
    online_fits = list(
        islice(
            fit_handling(days, on_ok, on_late, rates["online_handling_speedup_rate"], within_budget=c["R"]), 6
        )
    )
    for online in online_fits:
        budget = c["R"] - within(online[0])
        for everything in islice(fit_handling(days, off_ok, off_late, handling, online[1], budget), attempts):
            attempt = build_cases(days, row, c, online[0], everything[0])
            if best is None or len(attempt[1]) < len(best[1]):
                best = attempt
            if not best[1]:
                break
        if best is not None and not best[1]:
            break
    if best is None:
        # Keep the counts exact and the rates that can be: the printed 办理提速 is named instead.
        if not online_fits:
            problems.append(
                f"{where} online_handling_speedup_rate: no dates and limits give "
                f"{printed((rates['online_handling_speedup_rate'] or 0) * 100):.2f} with {c['R']} cases accepted in the month"
            )
            online_fits = list(
                islice(fit_handling(days, on_ok, on_late, None, within_budget=c["R"], any_ratio=True), 1)
            )
        online = online_fits[0] if online_fits else ([], (0, 0))
        problems.append(
            f"{where} handling_speedup_rate: no dates and limits give {printed((handling or 0) * 100):.2f} "
            f"with {c['R']} cases accepted in the month"
        )
        budget = c["R"] - within(online[0])
        rest = next(
            fit_handling(days, off_ok, off_late, None, online[1], budget, any_ratio=True), ([], (0, 0))
        )
        best = build_cases(days, row, c, online[0], rest[0])
    problems.extend(best[1])
    return best[0]


def build_cases(days: Days, row: Printed, c: dict[str, int], online: list[Promised], offline: list[Promised]):
    """(cases, problems) of one organisation's month, its promised cases' limits and dates given."""
    where = f"row {row.line} {row.name}"
    problems: list[str] = []
    finished: list[Case] = []
    for promised, is_online in ((online, True), (offline, False)):
        for legal, _, (w, a, f), late in promised:
            p_range = (0, min(w - 1, legal)) if late else (w, legal)
            finished.append(
                Case(True, is_online, accept=at(a, 9), finish=at(f, 16), legal=legal, p_range=p_range)
            )
    # Instant cases finished in the month: accepted the evening before it (late ones that morning, 26
    # hours before they finish). Calendar days: the 24-hour rule does not skip weekends.
    eve = days.month - dt.timedelta(days=1)
    instant = c["F"] - c["PF"]
    instant_late = c["FL"] - c["PFL"]
    if instant_late > instant:
        problems.append(
            f"{where} finished_late_cases: {c['FL']} late, but only {instant} instant cases can be besides the promised"
        )
        instant_late = instant
    online_instant = c["OF"] - c["OPF"]
    for i in range(instant):
        late = i < instant_late
        finished.append(
            Case(
                False,
                i >= instant - online_instant,
                accept=at(eve, 9 if late else 20),
                finish=at(days.month, 11 if late else 8),
            )
        )

    # Accepted in the month: the finished cases accepted in it, the others still open at its end.
    month_start = at(days.month, 0)
    accepted_finished = [x for x in finished if x.accept >= month_start]
    open_count = c["R"] - len(accepted_finished)
    if open_count < 0:
        problems.append(
            f"{where} accepted_cases: {len(accepted_finished)} finished cases had to be accepted in the month, printed {c['R']}"
        )
        open_count = 0
    opened = [Case(False, accept=at(days.in_month[-1], 10)) for _ in range(open_count)]
    accepted = accepted_finished + opened

    # Channels. Online accepted = the finished ones accepted online + online open cases.
    fixed_online = sum(x.online for x in accepted_finished)
    open_online = c["OR"] - fixed_online
    if not 0 <= open_online <= open_count:
        problems.append(
            f"{where} online_accepted_cases: {c['OR']} is out of reach ({fixed_online} finished online, {open_count} open)"
        )
        open_online = min(max(open_online, 0), open_count)
    for x in opened[:open_online]:
        x.online = True
    online_acc = [x for x in accepted if x.online]
    offline_acc = [x for x in accepted if not x.online]
    # Online applied = online among the accepted cases applied in the month (the core) + online pending
    # ones: the core is as large as the counts allow (a case applied and accepted in the month).
    for core in range(min(c["A"], len(accepted)), -1, -1):
        lowest, highest = max(0, core - len(offline_acc)), min(core, len(online_acc))
        core_online = max(lowest, c["OA"] - (c["A"] - core))
        if core_online <= highest and core_online <= c["OA"]:
            break
    else:
        problems.append(
            f"{where} online_applied_cases: {c['OA']} is out of reach with the accepted cases' channels"
        )
        core, core_online = min(c["A"], len(accepted)), 0
    in_core = set(map(id, online_acc[:core_online] + offline_acc[: core - core_online]))
    pending = [
        Case(False, apply=at(days.in_month[len(days.in_month) // 2], 10)) for _ in range(c["A"] - core)
    ]
    for x in pending[: max(0, c["OA"] - core_online)]:
        x.online = True
    for x in accepted:
        x.apply = x.accept - dt.timedelta(hours=1) if id(x) in in_core else at(days.last_before, 8)
    for x in finished:
        if x.apply is None:
            x.apply = x.accept - dt.timedelta(hours=1)

    cases = finished + opened + pending
    if not fit_promise(cases, row.rates["promise_speedup_rate"]):
        problems.append(
            f"{where} promise_speedup_rate: no promised limits give {printed((row.rates['promise_speedup_rate'] or 0) * 100):.2f}"
        )
        fit_promise(cases, 1.0)
    return cases, problems


def calibrate(path: Path, month: dt.date) -> tuple[Calibration, dict[dt.date, dict[str, pl.DataFrame]]]:
    """The cases behind a printed table, and the extracts of the month and the month before."""
    layout, rows = read_printed(path)
    days = Days(month)
    result = Calibration(month, layout, rows)
    before = add_months(month, -1)
    same_year = before.year == month.year
    matters, cases, evaluations = [], [], []
    rng = np.random.default_rng(20210601)
    for row in rows:
        built = build_row(days, row, result.problems)
        # Coverage (year to date): K of N listed matters have a case this year.
        coverage = row.rates["matter_coverage_rate"] or 0.0
        applied_this_year = len(built) if same_year else sum(1 for x in built if x.apply >= at(month, 0))
        listed, used = coverage_sizes(coverage, applied_this_year, same_year)
        if listed is None:
            result.problems.append(
                f"row {row.line} {row.name} matter_coverage_rate: no case this year can cover {coverage:.2%}"
            )
            listed, used = 1, 0
        codes = [f"{row.dept_code}C{i:04d}" for i in range(listed)]
        unlisted = f"{row.dept_code}X0000"
        for i, x in enumerate(built):
            x.matter = codes[i % used] if used else unlisted
        fillers = [
            Case(
                False,
                apply=at(days.workdays[0], 9),
                accept=at(days.workdays[0], 10),
                finish=at(days.workdays[0], 11),
                matter=codes[i],
            )
            for i in range(min(len(built), used), used)
        ]
        for x in fillers:
            x.legal, x.promise = 20, 0
        for x in built + fillers:
            cases.append((row, x))
        for code in [*codes, unlisted]:
            matters.append(matter_row(row, code, listed=code != unlisted))
        eval_day = days.in_month[0]
        evaluations += [
            evaluation_row(row, f"CE{row.dept_code}{i:06d}", at(eval_day, 12)) for i in range(row.counts["E"])
        ]
    result.cases = [x for _, x in cases]
    frames = {m: month_extracts(m, cases, matters, evaluations, rng) for m in (before, month)}
    return result, frames


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


def matter_row(row: Printed, code: str, listed: bool) -> dict:
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


def evaluation_row(row: Printed, eval_id: str, when: dt.datetime) -> dict:
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
        if x.apply >= end:
            continue
        accept = x.accept if x.accept and x.accept < end else None
        finish = x.finish if x.finish and x.finish < end else None
        events = [t for t in (x.apply, accept, finish) if t is not None and start <= t < end]
        if not events and not (accept and not finish):
            continue
        rows.append(
            {
                "case_id": f"CAL{n:08d}",
                "matter_code": x.matter,
                "dept_code": row.dept_code,
                "region_code": row.region_code,
                "case_kind": "承诺件" if x.promised else "即办件",
                "is_batch": "否",
                "channel": "网上" if x.online else "窗口",
                "apply_time": x.apply,
                "accept_time": accept,
                "finish_time": finish,
                "result": "准予",
                "legal_limit_days": x.legal,
                "promised_limit_days": x.promise,
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


def write_calibrated(path: Path, month: dt.date, out: Path) -> Calibration:
    result, frames = calibrate(path, month)
    for m, extracts in frames.items():
        write_month(m, out, scale=0.0, frames=extracts, fmt="utf-8")
    return result
