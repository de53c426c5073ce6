-- 工改项目: every month's valid rows, as ingested (rename and cast only; no joins).
select
    month,
    source_file,
    source_row,
    project_code,
    project_name,
    region_code,
    accepted_at
from {{ source('raw', 'projects') }}
