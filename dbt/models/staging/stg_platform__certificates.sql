-- 电子证照: every month's valid rows, as ingested (rename and cast only; no joins).
select
    month,
    source_file,
    source_row,
    cert_id,
    case_id,
    cert_type_code,
    dept_code,
    region_code,
    issued_at,
    origin,
    sealed,
    sealed_at,
    invoked,
    holder_key,
    holder_key_status
from {{ source('raw', 'certificates') }}
