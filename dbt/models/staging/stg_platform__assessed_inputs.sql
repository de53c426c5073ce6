-- 其他考核数据: every month's valid rows, as ingested (rename and cast only; no joins).
select
    month,
    source_file,
    source_row,
    period,
    org_name,
    indicator_code,
    indicator_name,
    value
from {{ source('raw', 'assessed_inputs') }}
