"""其他考核数据 assessed inputs: what the province measures outside the case data, in long format.

One row per (period, organisation, indicator): new indicators need no new column. The province's
spreadsheet names the organisation as printed, so it is resolved through the alias map.
"""

import polars as pl

from schemas.raw._contract import (
    Column,
    ExtractContract,
    ValidationContext,
    check,
    frame_schema,
    known,
    no_duplicates,
    required,
    well_formed,
)

COLUMNS = (
    Column("period", "考核期间", aliases=("期间",)),
    Column("org_name", "单位名称", aliases=("部门", "地区")),
    Column("indicator_code", "指标代码"),
    Column("indicator_name", "指标名称", required=False),
    Column("value", "指标值", kind="float", aliases=("数值",)),
)


KEY = ("period", "org_name", "indicator_code")


def schema(ctx: ValidationContext):
    period = ctx.month.strftime("%Y-%m")
    return frame_schema(
        "assessed_inputs",
        [
            well_formed(),
            required("period", "org_name", "indicator_code", "value"),
            no_duplicates(ctx, *KEY, name="duplicate_indicator"),
            known("org_name", ctx.known_org_names, "unknown_department"),
            check(
                "indicator_code_malformed",
                lambda: pl.col("indicator_code").str.contains(r"^[a-z][a-z0-9_]*$"),
            ),
            check("not_in_month", lambda: pl.col("period") == period),
        ],
    )


CONTRACT = ExtractContract(
    name="assessed_inputs",
    label="其他考核数据",
    file_stems=("assessed_inputs", "其他考核数据", "考核数据"),
    columns=COLUMNS,
    schema=schema,
    month_of_row=lambda: pl.col("period").str.to_date("%Y-%m", strict=False),
    key=KEY,
    description="其他考核数据: assessed inputs per period, organisation and indicator",
)
