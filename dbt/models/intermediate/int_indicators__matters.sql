-- 事项梳理 counts per department from the catalogue at the month's end (a snapshot: the same for the
-- month and the year to date). Abolished and deleted matters are out of every count.
with windows as ({{ indicator_windows() }}),

active as (
    select * from {{ ref('fct_matter_snapshots') }}
    where month = {{ partition_month() }} and status = 'active'
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
        -- 004's 事项办理深度 weights: 信息发布 5 %, 材料预审 15 %, 材料核验 45 %, 全程网办 100 %.
        -- Summed as exact decimals: a sum of doubles depends on the order of the rows, and a rerun
        -- must give the same value to the last bit.
        sum((case online_depth when 1 then 0.05 when 2 then 0.15 when 3 then 0.45 when 4 then 1.0 else 0 end)::decimal(4, 2))
            filter (where is_on_application) as depth_points,
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
    from (select *, is_on_application and matter_type = '行政许可' as is_licence from active)
    group by dept_code
)

select counted.dept_code as org_code, windows.period_window, counted.* exclude (dept_code)
from counted
cross join windows
