"""Contracts of the scored tables: the detail, the organisations' scores, and each published annex.

The shape of an annex depends on its rubric (its columns, each score's maximum), so the annex and
organisation contracts are built from the rubric. A table that breaks one fails the run: a
published annex is never written from data that contradicts its own rules.
"""

from __future__ import annotations

import pandera.polars as pa
import polars as pl

from schemas.rubric import Annex, Rubric, resolve

TOLERANCE = 1e-6  # points are sums of floats


def rule(name: str, expr: pl.Expr) -> pa.Check:
    """A row-wise rule; a NULL passes (the columns' nullability says where NULL is allowed)."""
    return pa.Check(lambda data: data.lazyframe.select(expr.fill_null(True)), name=name)


# inf passes ge(0): a value that cannot be right (an input of 1e308 scoring full marks, a rate of
# inf) fails the table, whichever column it is in.
FINITE = rule("finite_numbers", pl.all_horizontal(pl.col(pl.Float64).is_finite().fill_null(True)))


def unique(*cols: str) -> pa.Check:
    return pa.Check(
        lambda data: data.lazyframe.select(pl.struct(*cols).is_unique()), name=f"unique_{'_'.join(cols)}"
    )


STATUSES = [
    "scored",
    "missing_full",
    "missing_mean",
    "missing_zero",
    "excluded",
    "no_data",
    "given",
    "absent",
]

item_scores = pa.DataFrameSchema(
    name="scorecard.item_scores",
    columns={
        "month": pa.Column(pl.Date),
        "rubric": pa.Column(pl.String),
        "scoring_group": pa.Column(pl.String),
        "org_code": pa.Column(pl.String),
        "category": pa.Column(pl.String),
        "item": pa.Column(pl.String),
        "item_label": pa.Column(pl.String),
        "value": pa.Column(pl.Float64, nullable=True),
        # points are NULL only where the item is left out ('—' with the `excluded` policy)
        "points": pa.Column(pl.Float64, pa.Check.ge(0), nullable=True),
        "max_points": pa.Column(pl.Float64, pa.Check.gt(0)),
        "full_points": pa.Column(pl.Float64, pa.Check.gt(0)),
        "points_lost": pa.Column(pl.Float64, pa.Check.ge(0)),
        "full_marks_at": pa.Column(pl.Float64, nullable=True),
        "status": pa.Column(pl.String, pa.Check.isin(STATUSES)),
        "reason": pa.Column(pl.String),
    },
    checks=[
        FINITE,
        rule("points_within_the_rule", pl.col("points") <= pl.col("full_points") + TOLERANCE),
        rule("rule_within_the_item", pl.col("full_points") <= pl.col("max_points") + TOLERANCE),
        rule("scored_unless_excluded", pl.col("points").is_not_null() | (pl.col("status") == "excluded")),
        # no data is never taken for a value: nothing to show but 未报送
        rule("no_data_has_no_value", (pl.col("status") != "no_data") | pl.col("value").is_null()),
        unique("month", "rubric", "org_code", "item"),
    ],
    strict=True,
)


def org_scores(rubric: Rubric) -> pa.DataFrameSchema:
    categories = [f"{c.code}_points" for c in rubric.categories]
    parts = pl.sum_horizontal(*categories) - pl.col("deduction_points")
    checks = [
        rule(
            "total_is_the_sum_of_its_parts",
            (pl.col("total_points") - pl.max_horizontal(parts, 0)).abs() <= TOLERANCE,
        ),
        rule("total_within_the_maximum", pl.col("total_points") <= pl.col("max_points") + TOLERANCE),
        unique("month", "rubric", "org_code"),
        # a better total never ranks below a worse one within a group; the unranked (no data) do not count
        pa.Check(
            lambda data: data.lazyframe.select(
                (
                    pl.col("group_rank")
                    == pl.when(pl.col("is_ranked"))
                    .then(pl.col("total_points"))
                    .rank("min", descending=True)
                    .over("scoring_group")
                    .cast(pl.Int64)
                ).fill_null(True)
            ),
            name="rank_follows_the_total",
        ),
        rule("ranked_unless_no_data", pl.col("is_ranked") == pl.col("group_rank").is_not_null()),
    ]
    for c in rubric.categories:
        top = max(resolve(c.max, g) for g in rubric.groups)
        checks.append(
            rule(f"{c.code}_within_its_maximum", pl.col(f"{c.code}_points").is_between(0, top + TOLERANCE))
        )
    return pa.DataFrameSchema(
        name="scorecard.org_scores",
        columns={
            "org_code": pa.Column(pl.String),
            "org_name": pa.Column(pl.String),
            "total_points": pa.Column(pl.Float64, pa.Check.ge(0)),
            "group_rank": pa.Column(pl.Int64, pa.Check.ge(1), nullable=True),
            "is_ranked": pa.Column(pl.Boolean),
        },
        checks=[FINITE, *checks],
    )


def annex(rubric: Rubric, name: str, annex: Annex, field_name, max_points) -> pa.DataFrameSchema:
    """序号 runs 1..n in printed order, each organisation once, every score within [0, its maximum],
    rows sorted by the annex's score (the ranked ones, then those unranked for no data), no rate
    below zero."""
    sort = field_name(annex.sort_column)
    checks = [
        unique("month", "org_code"),
        pa.Check(
            lambda data: data.lazyframe.select(pl.col("rank") == pl.int_range(1, pl.len() + 1)),
            name="rank_runs_one_to_n",
        ),
        pa.Check(
            lambda data: data.lazyframe.select(
                (
                    pl.col(sort).fill_null(float("-inf")).diff().over("is_ranked").fill_null(0) <= TOLERANCE
                ).all()
            ),
            name=f"sorted_by_{sort}",
        ),
        pa.Check(
            lambda data: data.lazyframe.select(
                (pl.col("is_ranked").cast(pl.Int8).diff().fill_null(0) <= 0).all()
            ),
            name="unranked_after_ranked",
        ),
    ]
    columns = {
        "org_name": pa.Column(pl.String),
        "rank": pa.Column(pl.Int64),
        "is_ranked": pa.Column(pl.Boolean),
        "no_data_inputs": pa.Column(pl.String, nullable=True),
    }
    for column in annex.columns:
        if column.score:
            top = max_points(rubric, annex, column)
            columns[field_name(column)] = pa.Column(
                pl.Float64, pa.Check.in_range(0, top + TOLERANCE), nullable=False
            )
        elif column.input:
            columns[field_name(column)] = pa.Column(pl.Float64, pa.Check.ge(0), nullable=True)
    return pa.DataFrameSchema(name=f"scorecard.{name}", columns=columns, checks=[FINITE, *checks])


rectification_ledger = pa.DataFrameSchema(
    name="scorecard.rectification_ledger",
    columns={
        "month": pa.Column(pl.Date),
        "line": pa.Column(pl.Int64),
        "org_code": pa.Column(pl.String),
        "item": pa.Column(pl.String),
        # a row that loses 0.00 points as printed is no shortfall
        "points_lost": pa.Column(pl.Float64, pa.Check.ge(0.005)),
        "first_month": pa.Column(pl.Date),
        "status": pa.Column(pl.String, pa.Check.isin(["new", "open", "closed"])),
    },
    checks=[
        FINITE,
        unique("month", "rubric", "org_code", "item"),
        pa.Check(
            lambda data: data.lazyframe.select(pl.col("line") == pl.int_range(1, pl.len() + 1)),
            name="line_runs_one_to_n",
        ),
        rule("first_seen_no_later_than_the_month", pl.col("first_month") <= pl.col("month")),
        rule(
            "new_rows_first_seen_this_month",
            (pl.col("status") != "new") | (pl.col("first_month") == pl.col("month")),
        ),
    ],
)
