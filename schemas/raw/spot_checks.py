"""工改抽查 spot checks of project-approval cases made by the province in the month."""

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
    required,
    well_formed,
)

COLUMNS = (
    Column("check_id", "抽查编号"),
    Column("case_id", "办件编号", aliases=("办件流水号",)),
    Column("region_code", "行政区划代码"),
    Column("checked_at", "抽查时间", kind="timestamp"),
    Column("is_accurate", "数据真实准确", kind="bool"),
)


def schema(ctx: ValidationContext):
    return frame_schema(
        "spot_checks",
        [
            well_formed(),
            required("check_id", "case_id", "region_code", "checked_at", "is_accurate"),
            no_duplicates(ctx, "check_id"),
            known("region_code", ctx.known_org_codes, "unknown_region"),
            before_month_end(ctx, ["checked_at"]),
            check("not_in_month", lambda: in_month(ctx, "checked_at")),
        ],
    )


CONTRACT = ExtractContract(
    name="spot_checks",
    label="工改抽查",
    file_stems=("spot_checks", "工改抽查", "抽查结果"),
    columns=COLUMNS,
    schema=schema,
    month_of_row=lambda: pl.col("checked_at"),
    key=("check_id",),
    description="工改抽查: one row per spot check of a project-approval case",
)
