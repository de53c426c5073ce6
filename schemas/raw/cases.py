"""办件 cases: every case applied, accepted or finished in the month, or still open at its end."""

import polars as pl

from schemas.raw._contract import (
    MAX_LIMIT_DAYS,
    Column,
    ExtractContract,
    ValidationContext,
    at_most,
    before_month_end,
    check,
    frame_schema,
    in_month,
    known,
    no_duplicates,
    non_negative,
    not_after,
    one_of,
    required,
    well_formed,
)

CASE_KINDS = {"即办件": "instant", "承诺件": "promised"}
CHANNELS = {
    "网上": "online",
    "网上办理": "online",
    "移动端": "mobile",
    "窗口": "window",
    "自助终端": "self_service",
}
RESULTS = {
    "准予": "approved",
    "办结": "approved",
    "不予受理": "rejected",
    "不予许可": "rejected",
    "退回": "returned",
}
APPLICANT_TYPES = {"自然人": "person", "个人": "person", "法人": "legal_entity", "企业": "legal_entity"}

COLUMNS = (
    Column("case_id", "办件编号", aliases=("办件流水号", "申报号")),
    Column("matter_code", "事项编码"),
    Column("dept_code", "实施机构编码"),
    Column("region_code", "行政区划代码"),
    Column("case_kind", "办件类型", kind="code", codes=CASE_KINDS),
    Column("is_batch", "是否批量件", kind="bool", required=False),
    Column("channel", "申请渠道", kind="code", codes=CHANNELS),
    Column("apply_time", "申请时间", kind="timestamp"),
    Column("accept_time", "受理时间", kind="timestamp"),
    Column("finish_time", "办结时间", kind="timestamp"),
    Column("result", "办理结果", kind="code", codes=RESULTS, required=False),
    Column("legal_limit_days", "法定时限（工作日）", kind="int", aliases=("法定时限", "法定时限(工作日)")),
    Column("promised_limit_days", "承诺时限（工作日）", kind="int", aliases=("承诺时限", "承诺时限(工作日)")),
    Column("yields_certificate", "应产生电子证照", kind="bool", required=False),
    Column("applicant_type", "申请人类型", kind="code", codes=APPLICANT_TYPES, required=False),
    Column("applicant_name", "申请人姓名", pii="drop", required=False),
    Column("applicant_id_number", "证件号码", pii="hash_id", required=False, aliases=("身份证号码",)),
    Column("applicant_phone", "联系电话", pii="drop", required=False, aliases=("手机号码",)),
)

TIMES = ("apply_time", "accept_time", "finish_time")


def belongs_to_month(ctx: ValidationContext) -> pl.Expr:
    """The extract's definition: an event in the month, or accepted and still open at its end."""
    open_at_end = pl.col("accept_time").is_not_null() & pl.col("finish_time").is_null()
    return pl.any_horizontal([in_month(ctx, c).fill_null(False) for c in TIMES]) | open_at_end


def schema(ctx: ValidationContext):
    promised = pl.col("case_kind") == "promised"
    return frame_schema(
        "cases",
        [
            well_formed(),
            required("case_id", "matter_code", "dept_code", "case_kind", "apply_time"),
            no_duplicates(ctx, "case_id"),
            known("dept_code", ctx.known_org_codes, "unknown_department"),
            known("matter_code", ctx.known_matter_codes or (), "unknown_matter"),
            one_of("case_kind", CASE_KINDS.values()),
            one_of("channel", CHANNELS.values()),
            not_after("apply_time", "accept_time", "accept_before_apply"),
            not_after("accept_time", "finish_time", "finish_before_accept"),
            check(
                "finish_without_accept",
                lambda: pl.col("finish_time").is_null() | pl.col("accept_time").is_not_null(),
            ),
            check(
                "missing_time_limit",
                lambda: (
                    ~promised
                    | (pl.col("legal_limit_days").is_not_null() & pl.col("promised_limit_days").is_not_null())
                ),
            ),
            non_negative("legal_limit_days"),
            non_negative("promised_limit_days"),
            at_most("legal_limit_days", MAX_LIMIT_DAYS),
            at_most("promised_limit_days", MAX_LIMIT_DAYS),
            before_month_end(ctx, TIMES),
            check("not_in_month", lambda: belongs_to_month(ctx)),
        ],
    )


CONTRACT = ExtractContract(
    name="cases",
    label="办件",
    file_stems=("cases", "办件", "办件数据", "办件信息"),
    columns=COLUMNS,
    schema=schema,
    month_of_row=lambda: pl.max_horizontal([pl.col(c) for c in TIMES]),
    key=("case_id",),
    needs_matter_catalogue=True,
    description="办件: one row per case as it stood at the end of the month",
)
