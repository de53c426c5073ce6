"""工改办件 project-approval cases: main-line and auxiliary-module cases handled in the month."""

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
    not_after,
    one_of,
    required,
    well_formed,
)

LINES = {"主线": "main", "辅线": "auxiliary"}
# The 11 auxiliary modules of 工改系统 2.0; 辅助模块覆盖率 counts them.
MODULES = (
    "数字审图", "多测合一", "联合验收", "多规合一", "方案联审", "中介超市",
    "水电气信报装", "区域评估", "多评合一", "勘察设计", "消防设计审查",
)  # fmt: skip

COLUMNS = (
    Column("case_id", "办件编号", aliases=("办件流水号",)),
    Column("project_code", "项目代码", aliases=("项目编码",)),
    Column("region_code", "行政区划代码"),
    Column("line", "主辅线", kind="code", codes=LINES, aliases=("业务线",)),
    Column("module", "辅线模块", required=False),
    Column("accepted_at", "受理时间", kind="timestamp"),
    Column("finished_at", "办结时间", kind="timestamp", required=False),
)


def schema(ctx: ValidationContext):
    open_at_end = pl.col("finished_at").is_null()
    return frame_schema(
        "project_cases",
        [
            well_formed(),
            required("case_id", "project_code", "region_code", "line", "accepted_at"),
            no_duplicates(ctx, "case_id"),
            known("region_code", ctx.known_org_codes, "unknown_region"),
            one_of("line", LINES.values()),
            check(
                "invalid_module",
                lambda: (
                    (pl.col("line") != "auxiliary") | pl.col("module").is_in(list(MODULES)).fill_null(False)
                ),
            ),
            not_after("accepted_at", "finished_at", "finish_before_accept"),
            before_month_end(ctx, ["accepted_at", "finished_at"]),
            check(
                "not_in_month",
                lambda: (
                    in_month(ctx, "accepted_at") | in_month(ctx, "finished_at").fill_null(False) | open_at_end
                ),
            ),
        ],
    )


CONTRACT = ExtractContract(
    name="project_cases",
    label="工改办件",
    file_stems=("project_cases", "工改办件"),
    columns=COLUMNS,
    schema=schema,
    month_of_row=lambda: pl.max_horizontal("accepted_at", "finished_at"),
    key=("case_id",),
    description="工改办件: main-line and auxiliary-module cases accepted, finished or open in the month",
)
