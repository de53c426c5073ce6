-- 工改抽查: every month's valid rows, as ingested (rename and cast only; no joins).
select
    month,
    source_file,
    source_row,
    check_id,
    case_id,
    region_code,
    checked_at,
    is_accurate
from {{ source('raw', 'spot_checks') }}
