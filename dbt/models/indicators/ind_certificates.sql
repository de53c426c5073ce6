-- 证照应用 counts per department. A finished, approved case of a matter that yields a certificate is
-- due one; it is produced in real time, back-filled later, or missing.
{{ config(materialized='partition') }}

with windows as (
    {{ indicator_windows() }}
),

year_months as (
    select * from {{ ref('fct_certificates') }}
    where {{ in_year_to_date() }}
),

origins as (
    select
        case_id,
        bool_or(is_realtime) as has_realtime,
        bool_or(is_backfilled) as has_backfilled
    from year_months
    where case_id is not null
    group by case_id
),

due as (
    select
        due.dept_code,
        windows.period_window,
        due.case_id
    from {{ ref('ind_certificates__due') }} as due
    inner join windows on due.finished_at >= windows.window_start and due.finished_at < windows.window_end
    where {{ in_year_to_date('due.month') }}
),

case_counts as (
    select
        due.dept_code,
        due.period_window,
        count(*) as certificates_due,
        count(*) filter (where origins.has_realtime) as produced_realtime,
        count(*) filter (where not coalesce(origins.has_realtime, false)) as not_realtime,
        count(*) filter (where not coalesce(origins.has_realtime, false) and origins.has_backfilled)
            as backfilled
    from due
    left join origins using (case_id)
    group by all
),

-- Certificates seen in the window's extracts (stock ones: imported or sealed in the window).
seen as (
    select
        year_months.dept_code,
        windows.period_window,
        count(*) filter (where year_months.is_stock) as stock_certificates,
        count(*) filter (where year_months.is_stock and year_months.is_sealed) as stock_sealed,
        count(*) filter (where not year_months.is_stock) as issued_certificates,
        count(*) filter (where not year_months.is_stock and year_months.is_invoked) as invoked_certificates
    from year_months
    inner join windows
        on year_months.month >= windows.window_start and year_months.month < windows.window_end
    group by all
)

select
    {{ partition_month() }} as month,
    coalesce(case_counts.dept_code, seen.dept_code) as org_code,
    coalesce(case_counts.period_window, seen.period_window) as period_window,
    coalesce(case_counts.certificates_due, 0) as certificates_due,
    coalesce(case_counts.produced_realtime, 0) as produced_realtime,
    coalesce(case_counts.not_realtime, 0) as not_realtime,
    coalesce(case_counts.backfilled, 0) as backfilled,
    coalesce(seen.stock_certificates, 0) as stock_certificates,
    coalesce(seen.stock_sealed, 0) as stock_sealed,
    coalesce(seen.issued_certificates, 0) as issued_certificates,
    coalesce(seen.invoked_certificates, 0) as invoked_certificates
from case_counts
full outer join seen using (dept_code, period_window)
