"""The 问题整改台账 (rectification ledger): one row per organisation and item that lost points, carried
from month to month so that each shortfall is closed one by one (逐一销账). Pure: frames in, frames
out; the Dagster asset reads last month's ledger from the warehouse and writes this month's.

A row is `new` the month a shortfall first appears, `open` while it lasts (keeping the month it
first appeared and its deadline), and `closed` the month after it was fixed: a closed row shows
once, with the points it had lost, and is then gone. A shortfall is a loss that prints (0.01 or
more): the ledger never lists a row that loses 0.00 points.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from dagster_project.months import add_months, last_day
from dagster_project.scoring.engine import NO_DATA_TEXT, printed
from dagster_project.scoring.month_scores import ITEM_SCORES_SCHEMA
from schemas.rubric import Rubric

STATUS_LABELS = {"new": "新增", "open": "未整改", "closed": "已销账"}

# The item's columns typed as in item_scores, then the ledger's own.
ITEM_COLUMNS = ("rubric", "scoring_group", "org_code", "category", "item", "item_label", "value")
LEDGER_SCHEMA = (
    {"month": pl.Date, "line": pl.Int64}
    | {c: ITEM_SCORES_SCHEMA[c] for c in (*ITEM_COLUMNS, "full_marks_at", "points_lost")}
    | {
        "item_status": pl.String,
        "reason": pl.String,
        "first_month": pl.Date,
        "rectify_by": pl.Date,
        "status": pl.String,
    }
)


def is_shortfall(points_lost: float | None) -> bool:
    """A loss the tables print: 0.01 points or more."""
    return points_lost is not None and (printed(points_lost) or 0.0) > 0


def deadline(rubric: Rubric, month: dt.date) -> dt.date | None:
    """The default 整改时限 of a shortfall first seen in `month`: the rubric's rule, else none."""
    if rubric.rectify_within_months is None:
        return None
    return last_day(add_months(month, rubric.rectify_within_months))


def ledger(
    month: dt.date, rubric: Rubric, items: pl.DataFrame, previous: pl.DataFrame | None
) -> pl.DataFrame:
    """This month's ledger from this month's item_scores and last month's ledger (None: no earlier
    ledger, so every shortfall is new). Sorted by group (the rubric's order), open before closed,
    points lost (most first), organisation and the rubric's item order."""
    earlier = {}
    if previous is not None:
        for row in previous.filter(pl.col("status") != "closed").iter_rows(named=True):
            earlier[(row["org_code"], row["item"])] = row
    columns = ["scoring_group", "org_code", "category", "item", "item_label", "value", "full_marks_at"]
    rows = []
    current = {}
    for item in items.filter(pl.col("rubric") == rubric.rubric).iter_rows(named=True):
        key = (item["org_code"], item["item"])
        current[key] = item
        if not is_shortfall(item["points_lost"]):
            continue
        before = earlier.get(key)
        rows.append(
            {c: item[c] for c in columns}
            | {
                "points_lost": item["points_lost"],
                "item_status": item["status"],
                "reason": item["reason"],
                "first_month": before["first_month"] if before else month,
                "rectify_by": before["rectify_by"] if before else deadline(rubric, month),
                "status": "open" if before else "new",
            }
        )
    for key, before in earlier.items():
        item = current.get(key)
        if item is None or is_shortfall(item["points_lost"]):
            continue  # still open (listed above), or no longer scored (another rubric or group)
        rows.append(
            {c: item[c] for c in columns}
            | {
                "points_lost": before["points_lost"],  # what was lost until it was fixed
                "item_status": item["status"],
                "reason": item["reason"],
                "first_month": before["first_month"],
                "rectify_by": before["rectify_by"],
                "status": "closed",
            }
        )
    groups = {g: n for n, g in enumerate(rubric.groups)}
    order = {i.code: n for n, i in enumerate(i for c in rubric.categories for i in c.items)}
    rows.sort(
        key=lambda r: (
            groups.get(r["scoring_group"], len(groups)),
            r["status"] == "closed",
            -r["points_lost"],
            r["org_code"],
            order.get(r["item"], len(order)),
        )
    )
    return pl.DataFrame(
        [{"month": month, "line": n, "rubric": rubric.rubric} | r for n, r in enumerate(rows, start=1)],
        schema=LEDGER_SCHEMA,
    )


def shown(rubric: Rubric, item_code: str, value: float | None, item_status: str | None = None) -> str:
    """A ledger value as printed: a percent for rates, a number otherwise, 未报送 for no data."""
    if value is None:
        return NO_DATA_TEXT if item_status == "no_data" else "—"
    item = rubric.item(item_code)
    units = {rubric.inputs[c].unit for c in item.inputs}
    if item.ratio or units == {"rate"}:
        return f"{printed(value * 100):.2f}%"
    return f"{value:g}" if float(value).is_integer() else f"{printed(value):.2f}"
