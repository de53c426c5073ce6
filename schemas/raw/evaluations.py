"""好差评 evaluations: every evaluation made in the month."""

import polars as pl

from schemas.raw._contract import (
    Column,
    ExtractContract,
    ValidationContext,
    before_month_end,
    check,
    frame_schema,
    in_month,
    known,
    no_duplicates,
    one_of,
    required,
    well_formed,
)

SOURCES = {"主动评价": "active", "默认评价": "default"}
CHANNELS = {"评价器": "device", "网页": "web", "二维码": "qr_code", "短信": "sms", "移动端": "mobile"}
RATINGS = {"非常满意": "5", "满意": "4", "基本满意": "3", "不满意": "2", "非常不满意": "1"}

COLUMNS = (
    Column("eval_id", "评价编号"),
    Column("case_id", "办件编号", aliases=("办件流水号",), required=False),
    Column("dept_code", "实施机构编码"),
    Column("region_code", "行政区划代码"),
    Column("eval_time", "评价时间", kind="timestamp"),
    Column("eval_source", "评价类型", kind="code", codes=SOURCES, aliases=("评价来源",)),
    # The platform prints the rating as a word or as the number of stars; both read as 1-5.
    Column("rating", "评价等级", kind="int", codes=RATINGS, aliases=("评分",)),
    Column("eval_channel", "评价渠道", kind="code", codes=CHANNELS),
    Column("invalid_after_appeal", "申诉认定无效", kind="bool", required=False),
    Column("rectify_due", "整改期限", kind="timestamp", required=False),
    Column("rectified_at", "整改时间", kind="timestamp", required=False),
    Column("revisited", "已回访", kind="bool", required=False),
    Column("rectify_satisfied", "整改满意", kind="bool", required=False),
    Column("evaluator_phone", "评价人电话", pii="drop", required=False),
)


def schema(ctx: ValidationContext):
    return frame_schema(
        "evaluations",
        [
            well_formed(),
            required("eval_id", "dept_code", "eval_time", "eval_source", "rating"),
            no_duplicates(ctx, "eval_id"),
            known("dept_code", ctx.known_org_codes, "unknown_department"),
            one_of("eval_source", SOURCES.values()),
            one_of("eval_channel", CHANNELS.values()),
            check("rating_out_of_range", lambda: pl.col("rating").is_between(1, 5)),
            before_month_end(ctx, ["eval_time"]),
            check("not_in_month", lambda: in_month(ctx, "eval_time")),
        ],
    )


CONTRACT = ExtractContract(
    name="evaluations",
    label="好差评",
    file_stems=("evaluations", "好差评", "好差评数据", "评价数据"),
    columns=COLUMNS,
    schema=schema,
    month_of_row=lambda: pl.col("eval_time"),
    key=("eval_id",),
    description="好差评: one row per evaluation made in the month",
)
