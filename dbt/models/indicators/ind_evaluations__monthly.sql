-- 好差评 counts per department from one month's extract, for each window the month contributes to:
-- the month itself, and the year to date (evaluations made since 1 January). Each evaluation is in the
-- extract of the month it was made in, so the year to date is the sum of the months' contributions
-- (ind_evaluations) and a month costs the same whatever the history before it.
{{ config(materialized='partition') }}

with windows as (
    {{ indicator_windows() }}
)

select
    {{ partition_month() }} as month,
    evaluations.dept_code,
    windows.period_window,
    count(*) as evaluations,
    count(*) filter (where evaluations.is_active) as active_evaluations,
    count(*) filter (where evaluations.is_active and evaluations.is_good) as good_active_evaluations,
    count(*) filter (where evaluations.is_good) as good_evaluations,
    count(*) filter (where evaluations.is_counted_bad) as bad_evaluations,
    count(*) filter (where evaluations.is_rectification_judged) as bad_rectification_due,
    count(*) filter (where evaluations.is_rectified_on_time) as bad_rectified_on_time
from {{ ref('fct_evaluations') }} as evaluations
inner join windows
    on evaluations.evaluated_at >= windows.window_start and evaluations.evaluated_at < windows.window_end
where evaluations.month = {{ partition_month() }}
group by all
