"""A month's scorecard from the warehouse's frames: inputs gathered per organisation, every group
scored, and the tables written back (scored detail, organisation scores, the annexes). Pure: frames
in, frames out; the Dagster asset reads and writes DuckDB around it.

Warehouse names are English (`<input code>`, `<score codes>_points`); the printed Chinese header of
every annex column is kept beside it (`annex_columns`) for comments and exports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from dagster_project.scoring.engine import NO_DATA, Scorecard, score_group
from dagster_project.scoring.printed_annexes import add_sums, annex_rows
from schemas.rubric import AnnexColumn, Rubric, resolve


@dataclass(frozen=True)
class MonthInputs:
    orgs: dict[str, tuple[str, str]]  # org code -> (name, group)
    values: dict[str, dict[str, object]]  # org code -> input code -> value (None = '—', or NO_DATA)


def field_name(column: AnnexColumn) -> str:
    """An annex column's warehouse name: `rank`, `org_name`, the input code, or `<codes>_points`."""
    if column.field:
        return column.field
    return column.input or "_".join(column.score) + "_points"


def gather_inputs(
    rubric: Rubric,
    organisations: pl.DataFrame,
    indicator_values: pl.DataFrame,
    assessed: pl.DataFrame,
    deliveries: pl.DataFrame | None = None,
) -> MonthInputs:
    """Every input the rubric declares, per organisation of its groups.

    indicator_values: org_code, period_window, indicator_code, value (one month's ind_indicator_values);
    assessed: org_code, indicator_code, value (one month's assessed inputs). An indicator without a
    value (zero denominator) or an assessed input the organisation's delivery lacks is a '—'.
    deliveries: org_code, extract, in_month, in_year (whether rows of the organisation arrived in the
    month / the year to date): an input whose extracts did not arrive in its window is NO_DATA. Without
    it (or with no row at all) nothing is known about deliveries and no input is NO_DATA.
    """
    arrived = None
    if deliveries is not None and not deliveries.is_empty():
        arrived = {
            (code, extract): (in_month, in_year)
            for code, extract, in_month, in_year in deliveries.select(
                "org_code", "extract", "in_month", "in_year"
            ).iter_rows()
        }

    def delivered(code: str, spec) -> bool:
        if arrived is None:
            return True
        window = 0 if spec.window == "month" else 1
        return all(arrived.get((code, e), (False, False))[window] for e in spec.needs)

    orgs: dict[str, tuple[str, str]] = {}
    for group, spec in rubric.groups.items():
        members = organisations.filter(pl.col("org_level") == spec.org_level)
        if spec.city_group:
            members = members.filter(pl.col("city_group") == spec.city_group)
        for code, name in members.select("org_code", "org_name").iter_rows():
            orgs.setdefault(code, (name, group))
    indicators = {
        (code, window, indicator): value
        for code, window, indicator, value in indicator_values.select(
            "org_code", "period_window", "indicator_code", pl.col("value").cast(pl.Float64)
        ).iter_rows()
    }
    measured = {
        (code, indicator): value
        for code, indicator, value in assessed.select("org_code", "indicator_code", "value").iter_rows()
    }
    values: dict[str, dict[str, float | None]] = {}
    for code in orgs:
        mine: dict[str, float | None] = {}
        for name, spec in rubric.inputs.items():
            if spec.sum_of:
                continue  # filled in from its parts below
            source = spec.indicator or name
            if not delivered(code, spec):
                mine[name] = NO_DATA
            elif spec.source == "indicator":
                mine[name] = indicators.get((code, spec.window, source))
            else:
                mine[name] = measured.get((code, source))
        add_sums(rubric, mine)
        values[code] = mine
    return MonthInputs(orgs, values)


def score_month(rubric: Rubric, inputs: MonthInputs) -> dict[str, Scorecard]:
    """group -> its scorecard."""
    cards = {}
    for group in rubric.groups:
        members = {code: inputs.values[code] for code, (_, g) in inputs.orgs.items() if g == group}
        if members:
            cards[group] = score_group(rubric, group, members)
    return cards


def item_scores_frame(month: dt.date, rubric: Rubric, cards: dict[str, Scorecard]) -> pl.DataFrame:
    rows = [
        {
            "month": month,
            "rubric": rubric.rubric,
            "scoring_group": s.group,
            "org_code": s.org_code,
            "category": s.category,
            "item": s.item,
            "item_label": s.label,
            "value": s.value,
            "points": s.points,
            "max_points": s.max_points,
            "full_points": s.full_points,
            "points_lost": s.lost,
            "full_marks_at": s.full_marks_at,
            "status": s.status,
            "reason": s.reason,
        }
        for card in cards.values()
        for s in card.items
    ]
    return pl.DataFrame(rows, schema=ITEM_SCORES_SCHEMA)


ITEM_SCORES_SCHEMA = {
    "month": pl.Date,
    "rubric": pl.String,
    "scoring_group": pl.String,
    "org_code": pl.String,
    "category": pl.String,
    "item": pl.String,
    "item_label": pl.String,
    "value": pl.Float64,
    "points": pl.Float64,
    "max_points": pl.Float64,
    "full_points": pl.Float64,
    "points_lost": pl.Float64,
    "full_marks_at": pl.Float64,
    "status": pl.String,
    "reason": pl.String,
}


def org_scores_frame(
    month: dt.date, rubric: Rubric, inputs: MonthInputs, cards: dict[str, Scorecard]
) -> pl.DataFrame:
    """One row per organisation: each category's points (NULL where it does not apply), deductions,
    total and rank within the group."""
    rows = []
    for group, card in cards.items():
        for org in card.orgs:
            row = {
                "month": month,
                "rubric": rubric.rubric,
                "scoring_group": group,
                "org_code": org.org_code,
                "org_name": inputs.orgs[org.org_code][0],
            }
            row |= {f"{c.code}_points": org.categories.get(c.code) for c in rubric.categories}
            row |= {
                "deduction_points": sum(org.deductions.values()),
                "total_points": org.total,
                "max_points": resolve(rubric.total, group),
                "group_rank": org.rank,
                "is_ranked": org.ranked,
                "no_data_items": ",".join(
                    s.item for s in card.items if s.org_code == org.org_code and s.status == "no_data"
                )
                or None,
            }
            rows.append(row)
    schema = {
        "month": pl.Date,
        "rubric": pl.String,
        "scoring_group": pl.String,
        "org_code": pl.String,
        "org_name": pl.String,
        **{f"{c.code}_points": pl.Float64 for c in rubric.categories},
        "deduction_points": pl.Float64,
        "total_points": pl.Float64,
        "max_points": pl.Float64,
        "group_rank": pl.Int64,
        "is_ranked": pl.Boolean,
        "no_data_items": pl.String,
    }
    return pl.DataFrame(rows, schema=schema)


def annex_frame(
    month: dt.date, rubric: Rubric, annex_name: str, inputs: MonthInputs, cards: dict[str, Scorecard]
) -> pl.DataFrame:
    """An annex as the warehouse keeps it: English names, unrounded values, printed order.

    A cell with no data is NULL, and `no_data_inputs` names those cells (the annex prints 未报送);
    `is_ranked` is false for an organisation listed after the ranked ones for lack of data."""
    annex = rubric.annexes[annex_name]
    rows = annex_rows(annex, inputs.orgs, inputs.values, cards)
    codes = {name: code for code, (name, _) in inputs.orgs.items()}
    name_header = next(c.header for c in annex.columns if c.field == "org_name")
    schema = {"month": pl.Date, "org_code": pl.String}
    for c in annex.columns:
        schema[field_name(c)] = pl.Int64 if c.field == "rank" else pl.String if c.field else pl.Float64
    schema |= {"is_ranked": pl.Boolean, "no_data_inputs": pl.String}
    records = []
    for row in rows:
        code = codes[row[name_header]]
        missing = [c.input for c in annex.columns if c.input and row[c.header] is NO_DATA]
        records.append(
            {"month": month, "org_code": code}
            | {field_name(c): None if row[c.header] is NO_DATA else row[c.header] for c in annex.columns}
            | {
                "is_ranked": cards[inputs.orgs[code][1]].org(code).ranked,
                "no_data_inputs": ",".join(missing) or None,
            }
        )
    return pl.DataFrame(records, schema=schema)
