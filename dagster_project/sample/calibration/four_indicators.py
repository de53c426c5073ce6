"""The 行政许可 matters behind one printed row of a "四个指标" table (重庆 2021): n matters whose
承诺时限压缩比, 平均到现场次数, 即办件占比 and 全程网办占比, computed as the pipeline computes them
(dbt/models/indicators/ind_matters.sql) and rounded as the table prints them, are the printed values.

The pipeline's formulas over an organisation's 行政许可 matters:
  承诺时限压缩比  Σ(legal − promised limit days) / Σ legal limit days  (matters with a legal limit)
  平均到现场次数  Σ max visits / n
  即办件占比      instant matters / n
  全程网办占比    matters at online depth 4 / n
The two shares are k / n for a whole k: a printed share no k / n rounds to (42.88 % of 14 matters)
cannot be reproduced; it is named with the closest value instead of being tuned. The sums are free,
so any printed compression or visit figure can be met (a legal limit of about 20 days a matter).

Pure and deterministic: the same row gives the same matters.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

LEGAL_DAYS = 20  # a matter's usual legal limit (工作日); the sums start there
MAX_LEGAL_DAYS = 1000  # schemas/raw/_contract.MAX_LIMIT_DAYS

# The indicator codes of indicators.ind_indicator_values the four columns print.
MATTERS = "licence_matters"
COMPRESSION = "licence_time_limit_compression_rate"
VISITS = "licence_average_site_visits"
INSTANT = "licence_instant_share"
FULL_ONLINE = "licence_full_online_rate"
FOUR = (COMPRESSION, VISITS, INSTANT, FULL_ONLINE)


@dataclass(frozen=True)
class Matter:
    legal_limit_days: int
    promised_limit_days: int
    max_visits: int
    is_instant: bool
    is_full_online: bool  # online depth 4 (全程网办)


@dataclass
class Solution:
    matters: list[Matter]
    # indicator code -> why its printed value cannot be reproduced and what is shown instead
    problems: dict[str, str] = field(default_factory=dict)


# shows(indicator, value) -> the number the table prints for a computed value (a fraction for a share)
Shows = Callable[[str, float], float]


def solve(n: int, wanted: dict[str, float | None], shows: Shows) -> Solution:
    """n matters whose four indicators print as `wanted` (indicator code -> the printed number, None
    where the cell is empty). Cells that cannot be printed so are in `problems`, the closest made."""
    problems: dict[str, str] = {}
    if n == 0:
        for code in FOUR:
            if wanted.get(code) is not None:
                problems[code] = "no 行政许可 matter: nothing to measure, the cell prints empty"
        return Solution([], problems)

    def part(code: str, count: int, step: Callable[[int], float]) -> int:
        """The whole count k (0..count) whose value step(k) prints as wanted; else the closest."""
        target = wanted.get(code)
        if target is None:
            problems[code] = f"printed empty, but {n} matters always give a value"
            return 0
        best = min(range(count + 1), key=lambda k: (abs(shows(code, step(k)) - target), k))
        if shows(code, step(best)) != target:
            problems[code] = (
                f"printed {target:g}: no whole count over {n} matters gives it; "
                f"the closest is {shows(code, step(best)):g} ({best}/{n})"
            )
        return best

    instant = part(INSTANT, n, lambda k: k / n)
    online = part(FULL_ONLINE, n, lambda k: k / n)
    # Visits: at most a few a matter; a printed average above that is still met by the sum.
    target_visits = wanted.get(VISITS)
    visits_cap = n * max(5, int(target_visits or 0) + 2)
    visits = part(VISITS, visits_cap, lambda v: v / n)
    legal, saved = _compression_sums(n, wanted.get(COMPRESSION), shows, problems)

    legal_days = _spread(legal, [MAX_LEGAL_DAYS] * n)
    instant_flags = [i < instant for i in range(n)]
    # Promised days go to the matters that are not instant first: an instant matter promises 0 days
    # wherever the sums allow it.
    promised = [0] * n
    remaining = legal - saved
    for instant_pass in (False, True):
        idx = [i for i in range(n) if instant_flags[i] == instant_pass]
        shares = _spread(min(remaining, sum(legal_days[i] for i in idx)), [legal_days[i] for i in idx])
        for i, p in zip(idx, shares, strict=True):
            promised[i] = p
        remaining -= sum(shares)
    visit_counts = _spread(visits, [visits_cap] * n)
    matters = [
        Matter(legal_days[i], promised[i], visit_counts[i], instant_flags[i], i < online) for i in range(n)
    ]
    return Solution(matters, problems)


def _compression_sums(
    n: int, target: float | None, shows: Shows, problems: dict[str, str]
) -> tuple[int, int]:
    """(Σ legal days, Σ days saved) whose ratio prints as `target`: the smallest legal sum from
    LEGAL_DAYS a matter upward (then downward to 1 a matter) that has one."""
    if target is None:
        problems[COMPRESSION] = f"printed empty, but {n} matters with a legal limit always give a value"
        return LEGAL_DAYS * n, LEGAL_DAYS * n
    whole = shows(COMPRESSION, 1.0)
    if not 0 <= target <= whole:  # promised limits between 0 and the legal limit
        legal = LEGAL_DAYS * n
        problems[COMPRESSION] = f"printed {target:g}: a compression is between 0 and {whole:g}"
        return legal, legal if target > whole else 0
    sums = [*range(LEGAL_DAYS * n, MAX_LEGAL_DAYS * n + 1), *range(LEGAL_DAYS * n - 1, n - 1, -1)]
    closest = None
    for legal in sums:
        # the saved days nearest the target, and the next ones either side (rounding at the edge)
        guess = round(target / whole * legal)
        for saved in (guess, guess - 1, guess + 1):
            if 0 <= saved <= legal:
                miss = abs(shows(COMPRESSION, saved / legal) - target)
                if miss == 0:
                    return legal, saved
                if closest is None or miss < closest[0]:
                    closest = (miss, legal, saved)
    _, legal, saved = closest
    problems[COMPRESSION] = (
        f"printed {target:g}: no sums of legal and promised days give it; "
        f"the closest is {shows(COMPRESSION, saved / legal):g} ({saved}/{legal} days)"
    )
    return legal, saved


def _spread(total: int, caps: list[int]) -> list[int]:
    """`total` split as evenly as the caps allow, the first ones taking the remainders."""
    out = [0] * len(caps)
    left = total
    open_ = [i for i in range(len(caps))]
    while left > 0 and open_:
        share, extra = divmod(left, len(open_))
        for rank, i in enumerate(open_):
            give = min(caps[i] - out[i], share + (1 if rank < extra else 0))
            out[i] += give
            left -= give
        open_ = [i for i in open_ if out[i] < caps[i]]
    if left > 0:
        raise ValueError(f"cannot spread {total} over caps {caps}")
    return out
