"""Contract of the 运行情况表 (indicators.ops_case_flow) as it is exported: counts are whole and
non-negative, parts never exceed their whole, rates stay within their bounds, one row per organisation."""

import pandera.polars as pa
import polars as pl

# The published columns after 序号 and the name, and the mart column each one prints.
OPS_COLUMNS: tuple[tuple[str, str], ...] = (
    ("办件情况_申请", "applied_cases"),
    ("办件情况_受理", "accepted_cases"),
    ("办件情况_办结", "finished_cases"),
    ("办件情况_超时办结", "finished_late_cases"),
    ("承诺件办件情况_办结", "promised_finished_cases"),
    ("承诺件办件情况_超时办结", "promised_finished_late_cases"),
    ("承诺件办件效率_承诺提速_pct", "promise_speedup_rate"),
    ("承诺件办件效率_办理提速_pct", "handling_speedup_rate"),
    ("承诺件办件效率_提前办结_pct", "early_finish_rate"),
    ("线上办件情况_申请", "online_applied_cases"),
    ("线上办件情况_受理", "online_accepted_cases"),
    ("线上办件情况_办结", "online_finished_cases"),
    ("线上承诺件办件情况_办结", "online_promised_finished_cases"),
    ("线上承诺件办件情况_超时办结", "online_promised_finished_late_cases"),
    ("线上承诺办件效率_网上办理_pct", "online_promised_share"),
    ("线上承诺办件效率_办理提速_pct", "online_handling_speedup_rate"),
    ("线上承诺办件效率_提前办结_pct", "online_early_finish_rate"),
)
# The two tables differ in the name column and in the last two headers' wording.
LAYOUTS = {
    "ops_city": {
        "level": "city_dept",
        "title": "市级部门一网通办运行情况表",
        "name": "部门",
        "tail": (("办件主动评价数", "active_evaluations"), ("事项办件覆盖率_pct", "matter_coverage_rate")),
    },
    "ops_county": {
        "level": "county",
        "title": "县（市、区）一网通办运行情况表",
        "name": "地区",
        "tail": (
            ("办件主动评价_主动评价数", "active_evaluations"),
            ("事项办件情况_办件覆盖度_pct", "matter_coverage_rate"),
        ),
    },
}


def layout_of(header: list[str]) -> str:
    """Which published table a header row is: 'ops_city' or 'ops_county'; ValueError otherwise."""
    for name, layout in LAYOUTS.items():
        expected = ["序号", layout["name"], *(h for h, _ in OPS_COLUMNS), *(h for h, _ in layout["tail"])]
        if header == expected:
            return name
    raise ValueError(
        "not the column set of a published 运行情况表 (city: 序号, 部门, …; county: 序号, 地区, …)"
    )


COUNTS = [
    "applied_cases",
    "accepted_cases",
    "finished_cases",
    "finished_late_cases",
    "promised_finished_cases",
    "promised_finished_late_cases",
    "online_applied_cases",
    "online_accepted_cases",
    "online_finished_cases",
    "online_promised_finished_cases",
    "online_promised_finished_late_cases",
    "active_evaluations",
]
SHARES = [
    "promise_speedup_rate",
    "early_finish_rate",
    "online_promised_share",
    "online_early_finish_rate",
    "matter_coverage_rate",
]
# 办理提速 compares calendar days with the legal limit: below zero when a case took longer.
SPEEDUPS = ["handling_speedup_rate", "online_handling_speedup_rate"]

# (part, whole): a part of a count can never exceed it.
PARTS = [
    ("finished_late_cases", "finished_cases"),
    ("promised_finished_cases", "finished_cases"),
    ("promised_finished_late_cases", "promised_finished_cases"),
    ("promised_finished_late_cases", "finished_late_cases"),
    ("online_applied_cases", "applied_cases"),
    ("online_accepted_cases", "accepted_cases"),
    ("online_finished_cases", "finished_cases"),
    ("online_promised_finished_cases", "online_finished_cases"),
    ("online_promised_finished_cases", "promised_finished_cases"),
    ("online_promised_finished_late_cases", "online_promised_finished_cases"),
    ("online_promised_finished_late_cases", "promised_finished_late_cases"),
]


def _part_check(part: str, whole: str) -> pa.Check:
    return pa.Check(
        lambda data: data.lazyframe.select(pl.col(part) <= pl.col(whole)), name=f"{part}_within_{whole}"
    )


ops_case_flow = pa.DataFrameSchema(
    name="indicators.ops_case_flow",
    columns={
        "month": pa.Column(pl.Date),
        "org_code": pa.Column(pl.String, unique=True),
        "org_level": pa.Column(pl.String, pa.Check.isin(["city_dept", "county", "county_dept", "street"])),
        **{c: pa.Column(pl.Int64, pa.Check.ge(0)) for c in COUNTS},
        **{c: pa.Column(pl.Float64, pa.Check.in_range(0, 1), nullable=True) for c in SHARES},
        **{c: pa.Column(pl.Float64, pa.Check.le(1), nullable=True) for c in SPEEDUPS},
    },
    checks=[_part_check(part, whole) for part, whole in PARTS],
    strict=True,
)
