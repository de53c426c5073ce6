"""其他考核数据 assessed inputs: what the province measures outside the case data, in long format.

One row per (period, organisation, indicator): new indicators need no new column, only a line in
assessed_indicators.csv, the catalogue of what the province measures with the range each value must
lie in (a rate in [0, 1], a count from 0 to a ceiling no real count reaches). The province's
spreadsheet names the organisation as printed, so it is resolved through the alias map.
"""

from functools import cache
from pathlib import Path

import polars as pl

from schemas.raw._contract import (
    Column,
    ExtractContract,
    ValidationContext,
    check,
    finite,
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
CATALOGUE = Path(__file__).with_name("assessed_indicators.csv")


@cache
def indicator_ranges(path: Path = CATALOGUE) -> dict[str, tuple[float | None, float | None]]:
    """indicator_code -> (min, max) as the catalogue states them (empty: no bound)."""
    frame = pl.read_csv(path, schema_overrides={"min_value": pl.Float64, "max_value": pl.Float64})
    return {
        code: (lo, hi) for code, lo, hi in frame.select("indicator_code", "min_value", "max_value").rows()
    }


def within_range(ranges: dict[str, tuple[float | None, float | None]]) -> pl.Expr:
    """The value within its indicator's bounds (a value that is not finite has its own rule)."""
    codes = list(ranges)
    lo = pl.col("indicator_code").replace_strict(
        codes, [r[0] for r in ranges.values()], default=None, return_dtype=pl.Float64
    )
    hi = pl.col("indicator_code").replace_strict(
        codes, [r[1] for r in ranges.values()], default=None, return_dtype=pl.Float64
    )
    value = pl.col("value")
    return ~value.is_finite() | ((lo.is_null() | (value >= lo)) & (hi.is_null() | (value <= hi)))


def schema(ctx: ValidationContext):
    period = ctx.month.strftime("%Y-%m")
    ranges = ctx.indicator_ranges if ctx.indicator_ranges is not None else indicator_ranges()
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
            check("unknown_indicator", lambda: pl.col("indicator_code").is_in(list(ranges))),
            finite("value"),
            check("out_of_range_value", lambda: within_range(ranges)),
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
