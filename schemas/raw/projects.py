"""工程建设项目 projects accepted in the month (工改系统)."""

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
    Column("project_code", "项目代码", aliases=("项目编码",)),
    Column("project_name", "项目名称", required=False),
    Column("region_code", "行政区划代码"),
    Column("accepted_at", "受理时间", kind="timestamp"),
)


def schema(ctx: ValidationContext):
    return frame_schema(
        "projects",
        [
            well_formed(),
            required("project_code", "region_code", "accepted_at"),
            no_duplicates(ctx, "project_code"),
            known("region_code", ctx.known_org_codes, "unknown_region"),
            before_month_end(ctx, ["accepted_at"]),
            check("not_in_month", lambda: in_month(ctx, "accepted_at")),
        ],
    )


CONTRACT = ExtractContract(
    name="projects",
    label="工改项目",
    file_stems=("projects", "工改项目", "工程建设项目"),
    columns=COLUMNS,
    schema=schema,
    month_of_row=lambda: pl.col("accepted_at"),
    key=("project_code",),
    description="工程建设项目: one row per project accepted in the month",
)
