-- 运行情况表: the monthly table of case flow per organisation, as 001 prints it (one row per city
-- department, county and county department). The counts and rates come from ind_indicator_values,
-- where each formula is written; this model only chooses, per published column, the window it
-- uses — read off the 2021-06 table:
--   * every count and rate is the month alone;
--   * 办件覆盖率 is the year to date: 市委宣传部 shows 50 % with no case in June;
--   * 承诺提速 weighs every case with an event in the month, 即办件 included (市发展和改革委员会
--     63.69 % with no promised case finished; 市水务局 90.55 % with nothing accepted);
--   * 办理提速 counts actual time in calendar days, lateness in working days (市生态环境局 −75.19 %
--     with no case late);
--   * 网上办理 is online promised cases finished / promised cases finished (市教育局 3 of 6 = 50.00 %),
--     not DOMAIN's 网上办理率 over all finished cases.
-- Those formulas are in ind_case_flow and ind_indicator_values, with the same notes.
-- A rate with nothing to measure stays NULL here; the printed table shows 0.00 (the export does that).
{{ config(materialized='partition') }}

with values_ as (
    select * from {{ ref('ind_indicator_values') }}
    where month = {{ partition_month() }}
),

month_values as (
    select
        org_code,
        org_level,
        indicator_code,
        value
    from values_
    where period_window = 'month'
),

monthly as (
    pivot month_values
    on indicator_code in (
        'applied_cases', 'accepted_cases', 'finished_cases', 'finished_late_cases',
        'promised_finished_cases', 'promised_finished_late_cases',
        'promise_speedup_rate', 'handling_speedup_rate', 'early_finish_rate',
        'online_applied_cases', 'online_accepted_cases', 'online_finished_cases',
        'online_promised_finished_cases', 'online_promised_finished_late_cases',
        'online_promised_share', 'online_handling_speedup_rate', 'online_early_finish_rate',
        'active_evaluations'
    )
    using first(value)
),

year_to_date as (
    select
        org_code,
        value as matter_coverage_rate
    from values_
    where period_window = 'ytd' and indicator_code = 'matter_coverage_rate'
)

select
    {{ partition_month() }} as month,
    m.org_code,
    m.org_level,
    m.applied_cases::bigint as applied_cases,
    m.accepted_cases::bigint as accepted_cases,
    m.finished_cases::bigint as finished_cases,
    m.finished_late_cases::bigint as finished_late_cases,
    m.promised_finished_cases::bigint as promised_finished_cases,
    m.promised_finished_late_cases::bigint as promised_finished_late_cases,
    m.promise_speedup_rate::double as promise_speedup_rate,
    m.handling_speedup_rate::double as handling_speedup_rate,
    m.early_finish_rate::double as early_finish_rate,
    m.online_applied_cases::bigint as online_applied_cases,
    m.online_accepted_cases::bigint as online_accepted_cases,
    m.online_finished_cases::bigint as online_finished_cases,
    m.online_promised_finished_cases::bigint as online_promised_finished_cases,
    m.online_promised_finished_late_cases::bigint as online_promised_finished_late_cases,
    m.online_promised_share::double as online_promised_share,
    m.online_handling_speedup_rate::double as online_handling_speedup_rate,
    m.online_early_finish_rate::double as online_early_finish_rate,
    m.active_evaluations::bigint as active_evaluations,
    y.matter_coverage_rate::double as matter_coverage_rate
from monthly as m
left join year_to_date as y using (org_code)
