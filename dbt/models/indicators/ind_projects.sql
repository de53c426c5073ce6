-- 工程审批 counts per county (region), for the month and the year to date.
{{ config(materialized='partition') }}

with windows as (
    {{ indicator_windows() }}
),

this_year as (
    {{ latest_states_this_year(ref('fct_project_cases'), 'case_id') }}
),

projects as (
    select
        p.region_code,
        w.period_window,
        count(*) as projects
    from {{ ref('fct_projects') }} as p
    inner join windows as w on p.accepted_at >= w.window_start and p.accepted_at < w.window_end
    where {{ in_year_to_date('p.month') }}
    group by all
),

cases as (
    select
        c.region_code,
        w.period_window,
        count(*) filter (where c.line = 'main') as main_line_cases,
        count(*) filter (where c.line = 'auxiliary') as auxiliary_cases,
        count(distinct c.module) filter (where c.line = 'auxiliary') as auxiliary_modules_used
    from this_year as c
    inner join windows as w on c.accepted_at >= w.window_start and c.accepted_at < w.window_end
    group by all
),

checks as (
    select
        s.region_code,
        w.period_window,
        count(*) as spot_checks,
        count(*) filter (where s.is_accurate) as accurate
    from {{ ref('fct_spot_checks') }} as s
    inner join windows as w on s.checked_at >= w.window_start and s.checked_at < w.window_end
    where {{ in_year_to_date('s.month') }}
    group by all
),

counties as (
    select
        o.org_code as region_code,
        w.period_window
    from {{ ref('ref_organisations') }} as o
    cross join windows as w
    where o.org_level = 'county'
)

select
    {{ partition_month() }} as month,
    counties.region_code as org_code,
    counties.period_window,
    coalesce(projects.projects, 0) as projects,
    coalesce(cases.main_line_cases, 0) as main_line_cases,
    coalesce(cases.auxiliary_cases, 0) as auxiliary_cases,
    coalesce(cases.auxiliary_modules_used, 0) as auxiliary_modules_used,
    -- The auxiliary modules of 工改系统 2.0 (reference.ref_project_modules).
    (select count(*) from {{ ref('ref_project_modules') }}) as auxiliary_modules,
    coalesce(checks.spot_checks, 0) as spot_checks,
    coalesce(checks.accurate, 0) as accurate
from counties
left join projects using (region_code, period_window)
left join cases using (region_code, period_window)
left join checks using (region_code, period_window)
