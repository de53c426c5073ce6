-- 运行效能 counts per implementing department, for the month and for the year to date: the month's
-- row of ind_case_flow__monthly, and the sum of the year's rows (see there why adding is right).
{{ config(materialized='partition') }}

with windows as (
    {{ indicator_windows() }}
),

monthly as (
    select * from {{ ref('ind_case_flow__monthly') }}
    where {{ in_year_to_date() }}
),

-- The implementation list (实施清单) at the month's end: matters a case can be applied for.
listed_matters as (
    select
        matter_code,
        dept_code
    from {{ ref('fct_matter_snapshots') }}
    where month = {{ partition_month() }} and is_on_application and status = 'active'
),

-- Every department with a case this year has both windows; a count with nothing in its window is 0,
-- a sum of days NULL.
in_window as (
    select
        windows.period_window,
        monthly.*,
        monthly.month >= windows.window_start and monthly.month < windows.window_end as is_in_window
    from monthly
    cross join windows
),

counted as (
    select
        dept_code,
        period_window,
        coalesce(sum(applied) filter (where is_in_window), 0) as applied,
        coalesce(sum(accepted) filter (where is_in_window), 0) as accepted,
        coalesce(sum(finished) filter (where is_in_window), 0) as finished,
        coalesce(sum(finished_late) filter (where is_in_window), 0) as finished_late,
        coalesce(sum(promised_finished) filter (where is_in_window), 0) as promised_finished,
        coalesce(sum(promised_finished_late) filter (where is_in_window), 0) as promised_finished_late,
        coalesce(sum(promised_finished_early) filter (where is_in_window), 0) as promised_finished_early,
        coalesce(sum(online_applied) filter (where is_in_window), 0) as online_applied,
        coalesce(sum(online_accepted) filter (where is_in_window), 0) as online_accepted,
        coalesce(sum(online_finished) filter (where is_in_window), 0) as online_finished,
        coalesce(sum(online_promised_finished) filter (where is_in_window), 0) as online_promised_finished,
        coalesce(sum(online_promised_finished_late) filter (where is_in_window), 0)
            as online_promised_finished_late,
        coalesce(sum(online_promised_finished_early) filter (where is_in_window), 0)
            as online_promised_finished_early,
        case
            when period_window = 'month'
                then sum(promise_days_saved) filter (where is_in_window)
            else sum(promise_days_saved_in_year) filter (where is_in_window)
        end as promise_days_saved,
        case
            when period_window = 'month'
                then sum(promise_legal_days) filter (where is_in_window)
            else sum(promise_legal_days_in_year) filter (where is_in_window)
        end as promise_legal_days,
        sum(handling_days_saved) filter (where is_in_window) as handling_days_saved,
        sum(handling_legal_days) filter (where is_in_window) as handling_legal_days,
        sum(online_handling_days_saved) filter (where is_in_window) as online_handling_days_saved,
        sum(online_handling_legal_days) filter (where is_in_window) as online_handling_legal_days,
        -- A state at the end of the partition month, the same for both windows.
        coalesce(sum(overdue_open) filter (where month = {{ partition_month() }}), 0) as overdue_open
    from in_window
    group by dept_code, period_window
),

applied_matters as (
    select
        dept_code,
        period_window,
        unnest(applied_matters) as matter_code
    from in_window
    where is_in_window
),

matters_with_cases as (
    select
        dept_code,
        period_window,
        count(distinct matter_code) as matters_with_cases
    from applied_matters
    where matter_code in (select listed_matters.matter_code from listed_matters)
    group by all
),

listed as (
    select
        dept_code,
        count(*) as listed_matters
    from listed_matters
    group by all
),

department_codes as (
    select dept_code from counted
    union
    select dept_code from listed
),

departments as (
    select
        department_codes.dept_code,
        windows.period_window
    from department_codes
    cross join windows
)

select
    {{ partition_month() }} as month,
    departments.dept_code as org_code,
    departments.period_window,
    counted.* exclude (dept_code, period_window),
    coalesce(matters_with_cases.matters_with_cases, 0) as matters_with_cases,
    coalesce(listed.listed_matters, 0) as listed_matters
from departments
left join counted using (dept_code, period_window)
left join matters_with_cases using (dept_code, period_window)
left join listed using (dept_code)
