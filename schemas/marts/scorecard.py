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


def unique(*cols: str) -> pa.Check:
    return pa.Check(
        lambda data: data.lazyframe.select(pl.struct(*cols).is_unique()), name=f"unique_{'_'.join(cols)}"
    )


STATUSES = ["scored", "missing_full", "missing_mean", "missing_zero", "excluded", "given", "absent"]

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
        rule("points_within_the_rule", pl.col("points") <= pl.col("full_points") + TOLERANCE),
        rule("rule_within_the_item", pl.col("full_points") <= pl.col("max_points") + TOLERANCE),
        rule("scored_unless_excluded", pl.col("points").is_not_null() | (pl.col("status") == "excluded")),
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
        # a better total never ranks below a worse one within a group
        pa.Check(
            lambda data: data.lazyframe.select(
                (
                    pl.col("group_rank")
                    == pl.col("total_points")
                    .rank("min", descending=True)
                    .over("scoring_group")
                    .cast(pl.Int64)
                ).fill_null(True)
            ),
            name="rank_follows_the_total",
        ),
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
            "group_rank": pa.Column(pl.Int64, pa.Check.ge(1)),
        },
        checks=checks,
    )


def annex(rubric: Rubric, name: str, annex: Annex, field_name, max_points) -> pa.DataFrameSchema:
    """序号 runs 1..n in printed order, each organisation once, every score within [0, its maximum],
    rows sorted by the annex's score, no rate below zero."""
    sort = field_name(annex.sort_column)
    checks = [
        unique("month", "org_code"),
        pa.Check(
            lambda data: data.lazyframe.select(pl.col("rank") == pl.int_range(1, pl.len() + 1)),
            name="rank_runs_one_to_n",
        ),
        pa.Check(
            lambda data: data.lazyframe.select(
                (pl.col(sort).fill_null(float("-inf")).diff().fill_null(0) <= TOLERANCE).all()
            ),
            name=f"sorted_by_{sort}",
        ),
    ]
    columns = {"org_name": pa.Column(pl.String), "rank": pa.Column(pl.Int64)}
    for column in annex.columns:
        if column.score:
            top = max_points(rubric, annex, column)
            columns[field_name(column)] = pa.Column(
                pl.Float64, pa.Check.in_range(0, top + TOLERANCE), nullable=False
            )
        elif column.input:
            columns[field_name(column)] = pa.Column(pl.Float64, pa.Check.ge(0), nullable=True)
    return pa.DataFrameSchema(name=f"scorecard.{name}", columns=columns, checks=checks)
