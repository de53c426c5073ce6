-- 事项清单: every month's valid rows, as ingested (rename and cast only; no joins): the raw schema keeps the
-- platform's column names, staging gives them the warehouse's (`<event>_at`, `is_`/`has_`).
select
    month,
    source_file,
    source_row,
    matter_code,
    matter_name,
    dept_code,
    region_code,
    matter_type,
    is_on_application,
    is_claim_required,
    is_claimed,
    is_published,
    status,
    online_depth,
    is_instant,
    legal_limit_days,
    promised_limit_days,
    max_visits,
    yields_certificate as has_certificate_output
from {{ source('raw', 'matters') }}
