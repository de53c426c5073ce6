"""One organisation's cases for a month, built from its printed row: the counts fix how many cases are
applied, accepted and finished, promised or instant, online or not, late or not; the speed-up rates fix
their dates and limits. What cannot be reproduced is said, naming the row and the indicator."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import islice

from dagster_project.sample.calibration.printed_table import PrintedRow, matches
from dagster_project.sample.calibration.speed_up import (
    PromisedCase,
    fit_handling_speedup,
    fit_promise_speedup,
)
from dagster_project.sample.calibration.workdays import Workdays, at
from dagster_project.scoring.engine import printed
from schemas.marts.ops import PARTS


@dataclass(eq=False)  # cases are told apart by identity: two alike cases are still two cases
class Case:
    is_promised: bool
    is_online: bool = False
    applied_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    finished_at: dt.datetime | None = None
    legal_limit_days: int = 1
    promised_limit_days: int = 0
    promised_limit_range: tuple[int, int] | None = None  # promised limits lateness allows; None: free
    matter_code: str = ""


def organisation_cases(days: Workdays, row: PrintedRow, problems: list[str]) -> list[Case]:
    """The month's cases of one printed row; what cannot be reproduced goes to `problems`."""
    count = dict(row.counts)
    where = f"row {row.line} {row.name}"
    for part, whole in PARTS:
        if count[part] > count[whole]:
            problems.append(
                f"{where} {part}: {count[part]} is more than {whole} {count[whole]}; generated as {count[whole]}"
            )
            count[part] = count[whole]
    promised = count["promised_finished_cases"]
    promised_late = count["promised_finished_late_cases"]
    online_promised = count["online_promised_finished_cases"]
    online_promised_late = count["online_promised_finished_late_cases"]
    accepted = count["accepted_cases"]
    rates = row.rates
    derived = {
        "early_finish_rate": (promised - promised_late) / promised if promised else None,
        "online_promised_share": online_promised / promised if promised else None,
        "online_early_finish_rate": (
            (online_promised - online_promised_late) / online_promised if online_promised else None
        ),
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
    online_handling = rates["online_handling_speedup_rate"]
    if promised and promised == online_promised and not matches(handling, online_handling):
        problems.append(
            f"{where} handling_speedup_rate: printed {printed((handling or 0) * 100):.2f}, but every promised case "
            f"is online and 线上办理提速 is printed {printed((online_handling or 0) * 100):.2f}"
        )
        handling = online_handling
    attempts = 200 if promised <= 50 else 20
    online_on_time, online_late = online_promised - online_promised_late, online_promised_late
    offline_late = promised_late - online_promised_late
    offline_on_time = promised - online_promised - offline_late

    def accepted_in_month(cases: list[PromisedCase]) -> int:
        return sum(1 for _, _, (_, accepted_on, _), _ in cases if accepted_on >= days.month)

    best: tuple[list[Case], list[str]] | None = None
    online_fits = list(
        islice(
            fit_handling_speedup(days, online_on_time, online_late, online_handling, within_budget=accepted),
            6,
        )
    )
    for online in online_fits:
        budget = accepted - accepted_in_month(online[0])
        for everything in islice(
            fit_handling_speedup(days, offline_on_time, offline_late, handling, online[1], budget), attempts
        ):
            attempt = cases_with_promised(days, row, count, online[0], everything[0])
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
                f"{printed((online_handling or 0) * 100):.2f} with {accepted} cases accepted in the month"
            )
            online_fits = list(
                islice(
                    fit_handling_speedup(
                        days, online_on_time, online_late, None, within_budget=accepted, any_ratio=True
                    ),
                    1,
                )
            )
        online = online_fits[0] if online_fits else ([], (0, 0))
        problems.append(
            f"{where} handling_speedup_rate: no dates and limits give {printed((handling or 0) * 100):.2f} "
            f"with {accepted} cases accepted in the month"
        )
        budget = accepted - accepted_in_month(online[0])
        rest = next(
            fit_handling_speedup(
                days, offline_on_time, offline_late, None, online[1], budget, any_ratio=True
            ),
            ([], (0, 0)),
        )
        best = cases_with_promised(days, row, count, online[0], rest[0])
    problems.extend(best[1])
    return best[0]


def cases_with_promised(
    days: Workdays,
    row: PrintedRow,
    count: dict[str, int],
    online: list[PromisedCase],
    offline: list[PromisedCase],
):
    """(cases, problems) of one organisation's month, its promised cases' limits and dates given."""
    where = f"row {row.line} {row.name}"
    problems: list[str] = []
    finished: list[Case] = []
    for promised, is_online in ((online, True), (offline, False)):
        for legal, _, (working_days, accepted_on, finished_on), is_late in promised:
            limits = (0, min(working_days - 1, legal)) if is_late else (working_days, legal)
            finished.append(
                Case(
                    is_promised=True,
                    is_online=is_online,
                    accepted_at=at(accepted_on, 9),
                    finished_at=at(finished_on, 16),
                    legal_limit_days=legal,
                    promised_limit_range=limits,
                )
            )
    # Instant cases finished in the month: accepted the evening before it (late ones that morning, 26
    # hours before they finish). Calendar days: the 24-hour rule does not skip weekends.
    eve = days.month - dt.timedelta(days=1)
    instant = count["finished_cases"] - count["promised_finished_cases"]
    instant_late = count["finished_late_cases"] - count["promised_finished_late_cases"]
    if instant_late > instant:
        problems.append(
            f"{where} finished_late_cases: {count['finished_late_cases']} late, but only {instant} instant "
            "cases can be besides the promised"
        )
        instant_late = instant
    online_instant = count["online_finished_cases"] - count["online_promised_finished_cases"]
    for i in range(instant):
        is_late = i < instant_late
        finished.append(
            Case(
                is_promised=False,
                is_online=i >= instant - online_instant,
                accepted_at=at(eve, 9 if is_late else 20),
                finished_at=at(days.month, 11 if is_late else 8),
            )
        )

    # Accepted in the month: the finished cases accepted in it, the others still open at its end.
    month_start = at(days.month, 0)
    accepted_finished = [x for x in finished if x.accepted_at >= month_start]
    open_count = count["accepted_cases"] - len(accepted_finished)
    if open_count < 0:
        problems.append(
            f"{where} accepted_cases: {len(accepted_finished)} finished cases had to be accepted in the month, "
            f"printed {count['accepted_cases']}"
        )
        open_count = 0
    opened = [Case(is_promised=False, accepted_at=at(days.in_month[-1], 10)) for _ in range(open_count)]
    accepted = accepted_finished + opened

    # Channels. Online accepted = the finished ones accepted online + online open cases.
    fixed_online = sum(x.is_online for x in accepted_finished)
    open_online = count["online_accepted_cases"] - fixed_online
    if not 0 <= open_online <= open_count:
        problems.append(
            f"{where} online_accepted_cases: {count['online_accepted_cases']} is out of reach "
            f"({fixed_online} finished online, {open_count} open)"
        )
        open_online = min(max(open_online, 0), open_count)
    for x in opened[:open_online]:
        x.is_online = True
    online_accepted = [x for x in accepted if x.is_online]
    offline_accepted = [x for x in accepted if not x.is_online]
    # Online applied = online among the accepted cases applied in the month (the core) + online pending
    # ones: the core is as large as the counts allow (a case applied and accepted in the month).
    applied, online_applied = count["applied_cases"], count["online_applied_cases"]
    for core in range(min(applied, len(accepted)), -1, -1):
        lowest, highest = max(0, core - len(offline_accepted)), min(core, len(online_accepted))
        core_online = max(lowest, online_applied - (applied - core))
        if core_online <= highest and core_online <= online_applied:
            break
    else:
        problems.append(
            f"{where} online_applied_cases: {online_applied} is out of reach with the accepted cases' channels"
        )
        core, core_online = min(applied, len(accepted)), 0
    in_core = set(map(id, online_accepted[:core_online] + offline_accepted[: core - core_online]))
    pending = [
        Case(is_promised=False, applied_at=at(days.in_month[len(days.in_month) // 2], 10))
        for _ in range(applied - core)
    ]
    for x in pending[: max(0, online_applied - core_online)]:
        x.is_online = True
    for x in accepted:
        x.applied_at = x.accepted_at - dt.timedelta(hours=1) if id(x) in in_core else at(days.last_before, 8)
    for x in finished:
        if x.applied_at is None:
            x.applied_at = x.accepted_at - dt.timedelta(hours=1)

    cases = finished + opened + pending
    if not fit_promise_speedup(cases, row.rates["promise_speedup_rate"]):
        problems.append(
            f"{where} promise_speedup_rate: no promised limits give "
            f"{printed((row.rates['promise_speedup_rate'] or 0) * 100):.2f}"
        )
        fit_promise_speedup(cases, 1.0)
    return cases, problems
