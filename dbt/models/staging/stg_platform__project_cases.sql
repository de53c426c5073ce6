-- 工改办件: every month's valid rows, as ingested (rename and cast only; no joins).
select
    month,
    source_file,
    source_row,
    case_id,
    project_code,
    region_code,
    line,
    module,
    accepted_at,
    finished_at
from {{ source('raw', 'project_cases') }}
