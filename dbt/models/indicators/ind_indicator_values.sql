-- Every indicator of DOMAIN.md for every organisation, per month, for the month and the year to date,
-- with its numerator and denominator. This is the one place each formula is written: the
-- other indicator models only count. A rate whose denominator is 0 is NULL; a count has no denominator.
-- Departments are rolled up to their county by adding numerators and denominators (ratio of sums).
{{ config(materialized='partition') }}

with case_flow as (
    select * from {{ ref('ind_case_flow') }}
    where month = {{ partition_month() }}
),

evaluations as (
    select * from {{ ref('ind_evaluations') }}
    where month = {{ partition_month() }}
),

certificates as (
    select * from {{ ref('ind_certificates') }}
    where month = {{ partition_month() }}
),

matters as (
    select * from {{ ref('ind_matters') }}
    where month = {{ partition_month() }}
),

projects as (
    select * from {{ ref('ind_projects') }}
    where month = {{ partition_month() }}
),

organisations as (select * from {{ ref('ref_organisations') }}),

-- 常住人口: a figure delivered with the month's assessed inputs (resident_population) replaces the
-- reference one, so an office can update it without a release (and a sample scales it with its volume).
populations as (
    select
        o.org_code,
        coalesce(a.value, o.population) as population
    from organisations as o
    left join {{ ref('fct_assessed_inputs') }} as a
        on
            o.org_code = a.org_code
            and a.indicator_code = 'resident_population'
            and a.month = {{ partition_month() }}
),

catalogue as (select * from {{ ref('ref_indicators') }}),

evaluations_and_finished as (
    select
        coalesce(e.org_code, c.org_code) as org_code,
        coalesce(e.period_window, c.period_window) as period_window,
        e.* exclude (org_code, period_window),
        coalesce(c.finished, 0) as finished
    from evaluations as e
    full outer join case_flow as c using (org_code, period_window)
),

department_rows as (
    select
        org_code,
        period_window,
        {{ indicator_rows([
            ['applied_cases', 'applied', none],
            ['accepted_cases', 'accepted', none],
            ['finished_cases', 'finished', none],
            ['finished_late_cases', 'finished_late', none],
            ['promised_finished_cases', 'promised_finished', none],
            ['promised_finished_late_cases', 'promised_finished_late', none],
            ['promise_speedup_rate', 'promise_days_saved', 'promise_legal_days'],
            ['handling_speedup_rate', 'handling_days_saved', 'handling_legal_days'],
            ['early_finish_rate', 'promised_finished_early', 'promised_finished'],
            ['online_applied_cases', 'online_applied', none],
            ['online_accepted_cases', 'online_accepted', none],
            ['online_finished_cases', 'online_finished', none],
            ['online_promised_finished_cases', 'online_promised_finished', none],
            ['online_promised_finished_late_cases', 'online_promised_finished_late', none],
            ['online_handling_rate', 'online_finished', 'finished'],
            ['online_promised_share', 'online_promised_finished', 'promised_finished'],
            ['online_handling_speedup_rate', 'online_handling_days_saved', 'online_handling_legal_days'],
            ['online_early_finish_rate', 'online_promised_finished_early', 'online_promised_finished'],
            ['matter_coverage_rate', 'matters_with_cases', 'listed_matters'],
            ['overdue_rate', 'overdue_open', 'accepted'],
            ['on_time_rate', 'finished - finished_late', 'finished'],
        ]) }}
    from case_flow
    union all
    select
        org_code,
        period_window,
        {{ indicator_rows([
            ['active_evaluations', 'active_evaluations', none],
            ['active_evaluation_rate', 'active_evaluations', 'finished'],
            ['good_active_evaluation_rate', 'good_active_evaluations', 'active_evaluations'],
            ['satisfaction_rate', 'good_evaluations', 'evaluations'],
            ['bad_evaluations', 'bad_evaluations', none],
            ['bad_rectified_on_time_rate', 'bad_rectified_on_time', 'bad_rectification_due'],
        ]) }}
    from evaluations_and_finished
    union all
    select
        org_code,
        period_window,
        {{ indicator_rows([
            ['certificate_production_rate', 'produced_realtime', 'certificates_due'],
            ['certificate_backfill_rate', 'backfilled', 'not_realtime'],
            ['stock_certificate_seal_rate', 'stock_sealed', 'stock_certificates'],
            ['certificate_invocation_rate', 'invoked_certificates', 'issued_certificates'],
        ]) }}
    from certificates
    union all
    select
        org_code,
        period_window,
        {{ indicator_rows([
            ['on_application_matters', 'on_application', none],
            ['matter_claim_rate', 'claimed', 'claim_required'],
            ['matter_publish_rate', 'published', 'claimed_any'],
            ['full_online_rate', 'full_online', 'on_application'],
            ['instant_matter_share', 'instant', 'on_application'],
            ['online_depth_score', 'depth_points', 'on_application'],
            ['average_site_visits', 'visits', 'on_application'],
            ['time_limit_compression_rate', 'limit_days_saved', 'legal_limit_days'],
            ['licence_matters', 'licence_matters', none],
            ['licence_time_limit_compression_rate', 'licence_limit_days_saved', 'licence_legal_limit_days'],
            ['licence_average_site_visits', 'licence_visits', 'licence_matters'],
            ['licence_instant_share', 'licence_instant', 'licence_matters'],
            ['licence_full_online_rate', 'licence_full_online', 'licence_matters'],
        ]) }}
    from matters
),

-- A county is the sum of its departments and 街镇 (a county with neither serves itself: its own rows
-- are department rows).
county_rows as (
    select
        o.region_code as org_code,
        d.period_window,
        d.indicator_code,
        sum(d.numerator) as numerator,
        sum(d.denominator) as denominator
    from department_rows as d
    inner join organisations as o on d.org_code = o.org_code and o.org_level in ('county_dept', 'street')
    group by all
),

region_rows as (
    select
        org_code,
        period_window,
        {{ indicator_rows([
            ['projects', 'projects', none],
            ['main_line_cases', 'main_line_cases', none],
            ['auxiliary_cases', 'auxiliary_cases', none],
            ['auxiliary_module_coverage_rate', 'auxiliary_modules_used', 'auxiliary_modules'],
            ['project_case_accuracy_rate', 'accurate', 'spot_checks'],
        ]) }}
    from projects
    union all
    -- 人均主动评价数: the county's active evaluations per resident.
    select
        c.org_code,
        c.period_window,
        'active_evaluations_per_capita' as indicator_code,
        c.numerator,
        p.population::decimal(38, 6) as denominator
    from county_rows as c
    inner join populations as p on c.org_code = p.org_code
    where c.indicator_code = 'active_evaluations'
),

computed as (
    select * from department_rows
    union all
    select * from county_rows
    union all
    select * from region_rows
),

windows as (select distinct period_window from case_flow),

-- Every organisation gets every indicator that applies to its level, even with nothing to count.
expected as (
    select
        o.org_code,
        o.org_level,
        w.period_window,
        c.indicator_code,
        c.unit
    from organisations as o
    cross join windows as w
    inner join catalogue as c on c.org_levels = 'all' or o.org_level = c.org_levels
),

measured as (
    select
        e.period_window,
        e.org_code,
        e.org_level,
        e.indicator_code,
        coalesce(c.numerator, 0) as numerator,
        case when e.unit = 'count' then null else coalesce(c.denominator, 0) end as denominator
    from expected as e
    left join computed as c using (org_code, period_window, indicator_code)
)

select
    {{ partition_month() }} as month,
    period_window,
    org_code,
    org_level,
    indicator_code,
    numerator,
    denominator,
    {{ safe_ratio('numerator', 'denominator') }} as value
from measured
