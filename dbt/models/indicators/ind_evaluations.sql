-- 好差评 counts per department, for the month and the year to date: the month's own counts, and the
-- sum of the year's monthly contributions (see ind_evaluations__monthly).
{{ config(materialized='partition') }}

select
    {{ partition_month() }} as month,
    dept_code as org_code,
    period_window,
    sum(evaluations) as evaluations,
    sum(active_evaluations) as active_evaluations,
    sum(good_active_evaluations) as good_active_evaluations,
    sum(good_evaluations) as good_evaluations,
    sum(bad_evaluations) as bad_evaluations,
    sum(bad_rectification_due) as bad_rectification_due,
    sum(bad_rectified_on_time) as bad_rectified_on_time
from {{ ref('ind_evaluations__monthly') }}
where
    (period_window = 'month' and month = {{ partition_month() }})
    or (period_window = 'ytd' and {{ in_year_to_date() }})
group by all
