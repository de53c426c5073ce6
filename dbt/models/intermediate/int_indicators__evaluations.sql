-- 好差评 counts per department, for the month and the year to date (each evaluation is in the extract
-- of the month it was made in).
with windows as ({{ indicator_windows() }})

select
    evaluations.dept_code as org_code,
    windows.period_window,
    count(*) as evaluations,
    count(*) filter (where is_active) as active_evaluations,
    count(*) filter (where is_active and is_good) as good_active_evaluations,
    count(*) filter (where is_good) as good_evaluations,
    count(*) filter (where is_counted_bad) as bad_evaluations,
    count(*) filter (where is_rectification_judged) as bad_rectification_due,
    count(*) filter (where is_rectified_on_time) as bad_rectified_on_time
from {{ ref('fct_evaluations') }} as evaluations
inner join windows
    on evaluations.eval_time >= windows.window_start and evaluations.eval_time < windows.window_end
where {{ in_year_to_date('evaluations.month') }}
group by all
