-- 电子证照: every month's valid rows, as ingested (rename and cast only; no joins): the raw schema keeps the
-- platform's column names, staging gives them the warehouse's (`<event>_at`, `is_`/`has_`).
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
    sealed as is_sealed,
    sealed_at,
    invoked as is_invoked,
    holder_key,
    holder_key_status
from {{ source('raw', 'certificates') }}
