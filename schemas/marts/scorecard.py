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

# The Chinese description of each column, shown to analysts as its comment (defs/publish/comments.py).
MONTH = "数据月份（分区，月初日期）"
ITEM_COLUMNS = {
    "month": (pl.Date, MONTH),
    "rubric": (pl.String, "评分细则"),
    "scoring_group": (pl.String, "考核组别"),
    "org_code": (pl.String, "单位编码"),
    "category": (pl.String, "指标类别"),
    "item": (pl.String, "评分项"),
    "item_label": (pl.String, "评分项名称"),
}
VALUE = "指标值：计分所用的值（比率为小数）"
FULL_MARKS_AT = "得满分所需的值"
REASON = "得分说明"
STATUS = "计分情况：scored/missing_full/missing_mean/missing_zero/excluded/no_data（未报送）"
RANKED = "是否参加排名"
FIELD_TYPES = {"rank": pl.Int64, "org_name": pl.String}


def described(dtype, description: str, *checks: pa.Check, nullable: bool = False) -> pa.Column:
    return pa.Column(dtype, list(checks), nullable=nullable, description=description)


item_scores = pa.DataFrameSchema(
    name="scorecard.item_scores",
    description="评分明细：每个单位每个评分项的值、得分、满分要求与失分原因（年累计口径）",
    columns={
        **{name: described(dtype, text) for name, (dtype, text) in ITEM_COLUMNS.items()},
        "value": described(pl.Float64, VALUE, nullable=True),
        # points are NULL only where the item is left out ('—' with the `excluded` policy)
        "points": described(pl.Float64, "得分", pa.Check.ge(0), nullable=True),
        "max_points": described(pl.Float64, "满分", pa.Check.gt(0)),
        "full_points": described(pl.Float64, "规则可得最高分", pa.Check.gt(0)),
        "points_lost": described(pl.Float64, "失分", pa.Check.ge(0)),
        "full_marks_at": described(pl.Float64, FULL_MARKS_AT, nullable=True),
        "status": described(pl.String, STATUS, pa.Check.isin(STATUSES)),
        "reason": described(pl.String, REASON),
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
        description="单位得分：每个单位各类别小计、扣分、综合得分与组内排名（年累计口径）",
        columns={
            "month": described(pl.Date, MONTH),
            "rubric": described(pl.String, "评分细则"),
            "scoring_group": described(pl.String, "考核组别"),
            "org_code": described(pl.String, "单位编码"),
            "org_name": described(pl.String, "单位名称"),
            **{
                f"{c.code}_points": described(pl.Float64, f"{c.label}得分", nullable=True)
                for c in rubric.categories
            },
            "deduction_points": described(pl.Float64, "扣分项合计"),
            "total_points": described(pl.Float64, "综合得分", pa.Check.ge(0)),
            "max_points": described(pl.Float64, "满分"),
            "group_rank": described(
                pl.Int64, "组内排名（未报送数据而不参加排名的为空）", pa.Check.ge(1), nullable=True
            ),
            "is_ranked": described(pl.Boolean, RANKED),
            "no_data_items": described(pl.String, "未报送数据的评分项", nullable=True),
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
    # each column described by the header it is printed under
    columns = {"month": described(pl.Date, MONTH), "org_code": described(pl.String, "单位编码")}
    for column in annex.columns:
        if column.score:
            top = max_points(rubric, annex, column)
            columns[field_name(column)] = described(
                pl.Float64, column.header, pa.Check.in_range(0, top + TOLERANCE)
            )
        elif column.input:
            columns[field_name(column)] = described(pl.Float64, column.header, pa.Check.ge(0), nullable=True)
        else:
            columns[column.field] = described(FIELD_TYPES[column.field], column.header)
    columns["is_ranked"] = described(pl.Boolean, RANKED)
    columns["no_data_inputs"] = described(pl.String, "未报送数据的指标（附件中印“未报送”）", nullable=True)
    return pa.DataFrameSchema(
        name=f"scorecard.{name}",
        description=f"{annex.title}（按印发的列，英文列名，列注释为印刷的表头）",
        columns=columns,
        checks=[FINITE, *checks],
    )


rectification_ledger = pa.DataFrameSchema(
    name="scorecard.rectification_ledger",
    description="问题整改台账：每个失分的单位与评分项，新增、未整改或本月已销账",
    columns={
        "month": described(pl.Date, MONTH),
        "line": described(pl.Int64, "序号（台账的印刷顺序）"),
        **{name: described(dtype, text) for name, (dtype, text) in ITEM_COLUMNS.items() if name != "month"},
        "value": described(pl.Float64, VALUE, nullable=True),
        "full_marks_at": described(pl.Float64, FULL_MARKS_AT, nullable=True),
        # a row that loses 0.00 points as printed is no shortfall
        "points_lost": described(pl.Float64, "失分（已销账的为销账前的失分）", pa.Check.ge(0.005)),
        "item_status": described(pl.String, "计分情况（同 item_scores.status）"),
        "reason": described(pl.String, REASON),
        "first_month": described(pl.Date, "首次出现月份"),
        "rectify_by": described(pl.Date, "整改时限（按评分细则默认）", nullable=True),
        "status": described(
            pl.String,
            "台账状态：new 新增 / open 未整改 / closed 已销账",
            pa.Check.isin(["new", "open", "closed"]),
        ),
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
