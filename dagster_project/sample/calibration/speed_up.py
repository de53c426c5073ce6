"""Fitting the speed-up rates to their printed values: 办理提速 (handling_speedup_rate, calendar days
against the legal limit) fixes each promised case's dates and legal limit; 承诺提速
(promise_speedup_rate) then fixes the promised limits, within what lateness allows."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from dagster_project.sample.calibration.printed_table import interval, matches
from dagster_project.sample.calibration.workdays import Span, Workdays

if TYPE_CHECKING:
    from dagster_project.sample.calibration.cases import Case

MAX_LEGAL_DAYS = 250  # the longest legal limit (working days) the search may use

# A promised case finished in the month: (legal limit, calendar days taken, its span, is late)
PromisedCase = tuple[int, int, Span, bool]


def split(total: int, n: int) -> list[int]:
    return [total // n + (1 if i < total % n else 0) for i in range(n)]


def fit_handling_speedup(
    days: Workdays,
    on_time: int,
    late: int,
    target: float | None,
    offset: tuple[int, int] = (0, 0),
    within_budget: int | None = None,
    any_ratio: bool = False,
):
    """Solutions, smallest legal limits first: ([PromisedCase], (numerator, denominator)) for `on_time`
    and `late` promised cases, such that (offset numerator + Σ(L − d)) / (offset denominator + ΣL)
    prints as `target` (any ratio with `any_ratio`). Acceptances in the month before are tried first;
    at most `within_budget` cases are accepted in the month (the month's acceptances are printed)."""
    n = on_time + late
    num0, den0 = offset
    if n == 0:
        if any_ratio or matches(num0 / den0 if den0 else None, target):
            yield [], offset
        return
    lo, hi = (-math.inf, math.inf) if any_ratio else interval(target or 0.0)
    lates = [True] * late + [False] * on_time  # the last case tunes the sums; an on-time one if there is one
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
                    within = sum(1 for _, _, (_, accepted_on, _), _ in cases if accepted_on >= days.month)
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


def fit_promise_speedup(cases: list[Case], target: float | None) -> bool:
    """Promised limits (and the legal limits of cases whose limits are free) so that
    Σ(L − P) / ΣL over the month's cases prints as `target`."""
    if not cases:
        return matches(None, target)
    fixed = [c for c in cases if c.promised_limit_range is not None]
    free = [c for c in cases if c.promised_limit_range is None]
    lo, hi = interval(target or 0.0)
    fixed_legal = sum(c.legal_limit_days for c in fixed)
    p_low = sum(c.promised_limit_range[0] for c in fixed)
    p_high = sum(c.promised_limit_range[1] for c in fixed)
    for free_legal in range(len(free), len(free) * MAX_LEGAL_DAYS + 1) if free else [0]:
        total = fixed_legal + free_legal
        # (total − ΣP) / total in [lo, hi)  ⇔  ΣP in (total(1 − hi), total(1 − lo)]
        goal = max(math.floor(total * (1 - hi)) + 1, p_low)
        if total == 0 or goal > min(math.floor(total * (1 - lo)), p_high + free_legal):
            continue
        for c, legal in zip(free, split(free_legal, len(free)), strict=True):
            c.legal_limit_days, c.promised_limit_days = legal, 0
        rest = goal
        for c in fixed:
            c.promised_limit_days = c.promised_limit_range[0]
            rest -= c.promised_limit_days
        for c in [*fixed, *free]:
            most = c.promised_limit_range[1] if c.promised_limit_range else c.legal_limit_days
            more = min(rest, most - c.promised_limit_days)
            c.promised_limit_days += more
            rest -= more
        return rest == 0
    return False
