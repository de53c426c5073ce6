"""事项清单 the matter catalogue (实施清单) as it stands at the month's end."""

import polars as pl

from schemas.raw._contract import (
    MAX_LIMIT_DAYS,
    Column,
    ExtractContract,
    ValidationContext,
    at_most,
    check,
    frame_schema,
    known,
    no_duplicates,
    non_negative,
    one_of,
    required,
    well_formed,
)

MATTER_TYPES = (
    "行政许可", "行政确认", "行政给付", "行政奖励", "行政裁决",
    "行政征收", "其他行政权力", "公共服务",
)  # fmt: skip
STATUSES = {"在用": "active", "废止": "abolished", "删除": "deleted"}
DEPTHS = {"信息发布": "1", "材料预审": "2", "材料核验": "3", "全程网办": "4"}

COLUMNS = (
    Column("matter_code", "事项编码", aliases=("实施编码",)),
    Column("matter_name", "事项名称"),
    Column("dept_code", "实施机构编码"),
    Column("region_code", "行政区划代码"),
    Column("matter_type", "事项类型"),
    Column("is_on_application", "依申请", kind="bool"),
    Column("is_claim_required", "需认领", kind="bool"),
    Column("is_claimed", "已认领", kind="bool"),
    Column("is_published", "已发布", kind="bool"),
    Column("status", "事项状态", kind="code", codes=STATUSES),
    Column("online_depth", "网办深度", kind="int", codes=DEPTHS),
    Column("is_instant", "即办件", kind="bool"),
    Column("legal_limit_days", "法定时限（工作日）", kind="int", aliases=("法定时限",)),
    Column("promised_limit_days", "承诺时限（工作日）", kind="int", aliases=("承诺时限",)),
    Column("max_visits", "到现场次数", kind="int"),
    Column("yields_certificate", "应产生电子证照", kind="bool", required=False),
)


def schema(ctx: ValidationContext):
    return frame_schema(
        "matters",
        [
            well_formed(),
            required("matter_code", "matter_name", "dept_code", "status"),
            no_duplicates(ctx, "matter_code"),
            known("dept_code", ctx.known_org_codes, "unknown_department"),
            one_of("matter_type", MATTER_TYPES),
            one_of("status", STATUSES.values()),
            check("online_depth_out_of_range", lambda: pl.col("online_depth").is_between(1, 4)),
            non_negative("legal_limit_days"),
            non_negative("promised_limit_days"),
            at_most("legal_limit_days", MAX_LIMIT_DAYS),
            at_most("promised_limit_days", MAX_LIMIT_DAYS),
            non_negative("max_visits"),
        ],
    )


CONTRACT = ExtractContract(
    name="matters",
    label="事项清单",
    file_stems=("matters", "事项清单", "实施清单"),
    columns=COLUMNS,
    schema=schema,
    key=("matter_code",),
    description="事项清单: the implementation catalogue as it stood at the end of the month",
)
