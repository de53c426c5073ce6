-- 好差评: every month's valid rows, as ingested (rename and cast only; no joins): the raw schema keeps the
-- platform's column names, staging gives them the warehouse's (`<event>_at`, `is_`/`has_`).
select
    month,
    source_file,
    source_row,
    eval_id,
    case_id,
    dept_code,
    region_code,
    eval_time as evaluated_at,
    eval_source,
    rating,
    eval_channel,
    invalid_after_appeal as is_invalid_after_appeal,
    rectify_due as rectification_due_at,
    rectified_at,
    revisited as is_revisited,
    rectify_satisfied as is_rectification_satisfied
from {{ source('raw', 'evaluations') }}
