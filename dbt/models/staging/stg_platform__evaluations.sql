-- 好差评: every month's valid rows, as ingested (rename and cast only; no joins).
select
    month,
    source_file,
    source_row,
    eval_id,
    case_id,
    dept_code,
    region_code,
    eval_time,
    eval_source,
    rating,
    eval_channel,
    invalid_after_appeal,
    rectify_due,
    rectified_at,
    revisited,
    rectify_satisfied
from {{ source('raw', 'evaluations') }}
