-- 办件: every month's valid rows, as ingested (rename and cast only; no joins): the raw schema keeps the
-- platform's column names, staging gives them the warehouse's (`<event>_at`, `is_`/`has_`).
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
    apply_time as applied_at,
    accept_time as accepted_at,
    finish_time as finished_at,
    result,
    legal_limit_days,
    promised_limit_days,
    yields_certificate as has_certificate_output,
    applicant_type,
    applicant_key,
    applicant_key_status
from {{ source('raw', 'cases') }}
