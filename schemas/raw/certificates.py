"""电子证照 certificates: every certificate issued or sealed in the month."""

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

ORIGINS = {"实时生成": "realtime", "补录": "backfilled", "存量": "stock"}

COLUMNS = (
    Column("cert_id", "证照编号", aliases=("证照标识",)),
    Column("case_id", "办件编号", aliases=("办件流水号",), required=False),
    Column("cert_type_code", "证照类型代码"),
    Column("dept_code", "实施机构编码", aliases=("发证机构编码",)),
    Column("region_code", "行政区划代码"),
    Column("issued_at", "发证时间", kind="timestamp"),
    Column("origin", "证照来源", kind="code", codes=ORIGINS),
    Column("sealed", "已加盖电子印章", kind="bool"),
    Column("sealed_at", "签章时间", kind="timestamp", required=False),
    Column("invoked", "被调用", kind="bool", required=False),
    Column("holder_name", "持证主体", pii="drop", required=False),
    Column("holder_id_number", "持证主体代码", pii="hash_id", required=False),
)


def schema(ctx: ValidationContext):
    return frame_schema(
        "certificates",
        [
            well_formed(),
            required("cert_id", "cert_type_code", "dept_code", "issued_at", "origin"),
            no_duplicates(ctx, "cert_id"),
            known("dept_code", ctx.known_org_codes, "unknown_department"),
            one_of("origin", ORIGINS.values()),
            check(
                "case_missing_for_realtime",
                lambda: (pl.col("origin") != "realtime") | pl.col("case_id").is_not_null(),
            ),
            not_after("issued_at", "sealed_at", "sealed_before_issued"),
            before_month_end(ctx, ["issued_at", "sealed_at"]),
            check(
                "not_in_month",
                lambda: in_month(ctx, "issued_at") | in_month(ctx, "sealed_at").fill_null(False),
            ),
        ],
    )


CONTRACT = ExtractContract(
    name="certificates",
    label="电子证照",
    file_stems=("certificates", "电子证照", "证照数据"),
    columns=COLUMNS,
    schema=schema,
    month_of_row=lambda: pl.max_horizontal("issued_at", "sealed_at"),
    key=("cert_id",),
    description="电子证照: one row per certificate issued or sealed in the month",
)
