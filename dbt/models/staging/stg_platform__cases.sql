-- 办件: every month's valid rows, as ingested (rename and cast only; no joins).
select
    month,
    source_file,
    source_row,
    case_id,
    matter_code,
    dept_code,
    region_code,
    case_kind,
    is_batch,
    channel,
    apply_time,
    accept_time,
    finish_time,
    result,
    legal_limit_days,
    promised_limit_days,
    yields_certificate,
    applicant_type,
    applicant_key,
    applicant_key_status
from {{ source('raw', 'cases') }}
