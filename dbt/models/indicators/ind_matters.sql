-- 事项梳理 counts per department from the catalogue at the month's end (a snapshot: the same for the
-- month and the year to date). Abolished and deleted matters are out of every count.
{{ config(materialized='partition') }}

with windows as (
    {{ indicator_windows() }}
),

active as (
    select * from {{ ref('fct_matter_snapshots') }}
    where month = {{ partition_month() }} and status = 'active'
),

weighted as (
    select
        active.*,
        active.is_on_application and active.matter_type = '行政许可' as is_licence,
        depths.weight as depth_weight
    from active
    left join {{ ref('ref_online_depths') }} as depths using (online_depth)
),

counted as (
    select
        dept_code,
        count(*) filter (where is_claim_required) as claim_required,
        count(*) filter (where is_claim_required and is_claimed) as claimed,
        count(*) filter (where is_claimed) as claimed_any,
        count(*) filter (where is_claimed and is_published) as published,
        count(*) filter (where is_on_application) as on_application,
        count(*) filter (where is_on_application and online_depth = 4) as full_online,
        count(*) filter (where is_on_application and is_instant) as instant,
        -- 004's 事项办理深度 weights (reference.ref_online_depths; a depth outside them weighs 0).
        -- Summed as exact decimals: a sum of doubles depends on the order of the rows, and a rerun
        -- must give the same value to the last bit.
        sum(coalesce(depth_weight, 0)::decimal(4, 2)) filter (where is_on_application) as depth_points,
        sum(max_visits) filter (where is_on_application) as visits,
        sum(legal_limit_days - promised_limit_days) filter (where is_on_application and legal_limit_days > 0)
            as limit_days_saved,
        sum(legal_limit_days) filter (where is_on_application and legal_limit_days > 0) as legal_limit_days,
        -- The four indicators of 003 (重庆江北) are over 行政许可 matters only.
        count(*) filter (where is_licence) as licence_matters,
        count(*) filter (where is_licence and is_instant) as licence_instant,
        count(*) filter (where is_licence and online_depth = 4) as licence_full_online,
        sum(max_visits) filter (where is_licence) as licence_visits,
        sum(legal_limit_days - promised_limit_days) filter (where is_licence and legal_limit_days > 0)
            as licence_limit_days_saved,
        sum(legal_limit_days) filter (where is_licence and legal_limit_days > 0) as licence_legal_limit_days
    from weighted
    group by dept_code
)

select
    {{ partition_month() }} as month,
    counted.dept_code as org_code,
    windows.period_window,
    counted.* exclude (counted.dept_code)
from counted
cross join windows
