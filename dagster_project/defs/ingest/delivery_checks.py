"""Blocking checks on a delivered extract: a file can be read row by row and still not be fit to
publish from — most of it quarantined, or far smaller than the month before. Pure: counts in, the
problems out (empty when the file passes), each naming the file, the figures and the limit."""

from __future__ import annotations

from schemas.publication import Limits


def delivery_problems(
    source_file: str,
    rows_read: int,
    rows_quarantined: int,
    reasons: dict[str, int],
    rows_month_before: int | None,
    month_before: str,
    limits: Limits,
    limits_file: str,
) -> list[str]:
    problems = []
    share = rows_quarantined / rows_read if rows_read else 0.0
    too_many = share > limits.quarantined_share_max and rows_quarantined > limits.quarantined_rows_allowed
    if rows_read and (too_many or rows_quarantined == rows_read):
        top = ", ".join(f"{reason} {n:,}" for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1])[:3])
        problems.append(
            f"{source_file}: {rows_quarantined:,} of {rows_read:,} rows quarantined "
            f"({rows_quarantined / rows_read:.1%}), more than the {limits.quarantined_share_max:.0%} "
            f"{limits_file} allows (most: {top}); fix the delivery (`ywtb validate` lists the rows) and rerun"
        )
    if (
        rows_month_before is not None
        and rows_month_before >= limits.shrink_compared_from
        and rows_read < limits.shrink_min * rows_month_before
    ):
        problems.append(
            f"{source_file}: {rows_read:,} rows, {rows_read / rows_month_before:.0%} of the "
            f"{rows_month_before:,} of {month_before} (at least {limits.shrink_min:.0%} expected by "
            f"{limits_file}): a partial export? deliver the whole month and rerun"
        )
    return problems
