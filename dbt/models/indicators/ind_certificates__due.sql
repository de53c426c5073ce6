-- The cases due a certificate, in the month they were finished: approved cases of matters that yield
-- one. A case is finished once, and that month's extract holds it, so the year's due cases are the
-- union of the months' and a month costs the same whatever the history before it.
{{ config(materialized='partition') }}

select
    month,
    dept_code,
    case_id,
    finished_at
from {{ ref('fct_case_states') }}
where
    month = {{ partition_month() }}
    and finished_at >= month and finished_at < month + interval 1 month
    and has_certificate_output and result = 'approved'
