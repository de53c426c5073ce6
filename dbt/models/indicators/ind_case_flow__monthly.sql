-- 运行效能 counts per department for one month, from that month's extract alone, so a month costs the
-- same whatever the history before it. The year to date adds the months (ind_case_flow):
-- every event (applied, accepted, finished) is in the extract of the month it happened in, so each is
-- counted once, in its month.
-- 承诺提速 weighs each case once per window. For the month: every case with an event in it. For the
-- year: the case counts in the month of its first event this year (the *_in_year columns), so adding
-- the months counts it once.
{{ config(materialized='partition') }}

with cases as (
    select * from {{ ref('fct_case_states') }}
    where month = {{ partition_month() }}
),

flagged as (
    select
        *,
        applied_at >= month and applied_at < month + interval 1 month as is_applied,
        coalesce(accepted_at >= month and accepted_at < month + interval 1 month, false) as is_accepted,
        coalesce(finished_at >= month and finished_at < month + interval 1 month, false) as is_finished,
        case_kind = 'promised' as is_promised,
        -- 实际办理时间 in calendar days: the only reading under which the 2021-06 运行情况表 shows a
        -- negative 办理提速 (市生态环境局 −75.19 %) beside no case finished late (lateness is judged in
        -- working days against the promise, see int_case_states__timed).
        date_diff('day', accepted_at::date, finished_at::date) as calendar_days_taken,
        -- The case's first event this year (events before 1 January are last year's).
        least(
            case when applied_at >= date_trunc('year', month) then applied_at end,
            case when accepted_at >= date_trunc('year', month) then accepted_at end,
            case when finished_at >= date_trunc('year', month) then finished_at end
        ) >= month as is_first_event_this_year
    from cases
)

select
    {{ partition_month() }} as month,
    dept_code,
    count(*) filter (where is_applied) as applied,
    count(*) filter (where is_accepted) as accepted,
    count(*) filter (where is_finished) as finished,
    count(*) filter (where is_finished and is_finished_late) as finished_late,
    count(*) filter (where is_finished and is_promised) as promised_finished,
    count(*) filter (where is_finished and is_promised and is_finished_late) as promised_finished_late,
    count(*) filter (where is_finished and is_promised and is_finished_on_time) as promised_finished_early,
    -- 承诺提速 over every case of the window (applied, accepted or finished in it), whatever its kind.
    -- Read off the 2021-06 table: 市发展和改革委员会 63.69 % with no promised case finished (so not
    -- promised cases only), 市水务局 90.55 % with nothing accepted (so not accepted cases only),
    -- 市公共资源交易服务中心 50.00 % with one case accepted and none applied or finished.
    sum(legal_limit_days - promised_limit_days) filter (where is_applied or is_accepted or is_finished)
        as promise_days_saved,
    sum(legal_limit_days) filter (where is_applied or is_accepted or is_finished) as promise_legal_days,
    sum(legal_limit_days - promised_limit_days) filter (where is_first_event_this_year)
        as promise_days_saved_in_year,
    sum(legal_limit_days) filter (where is_first_event_this_year) as promise_legal_days_in_year,
    sum(legal_limit_days - calendar_days_taken) filter (where is_finished and is_promised)
        as handling_days_saved,
    sum(legal_limit_days) filter (where is_finished and is_promised) as handling_legal_days,
    count(*) filter (where is_applied and is_online) as online_applied,
    count(*) filter (where is_accepted and is_online) as online_accepted,
    count(*) filter (where is_finished and is_online) as online_finished,
    count(*) filter (where is_finished and is_online and is_promised) as online_promised_finished,
    count(*) filter (where is_finished and is_online and is_promised and is_finished_late)
        as online_promised_finished_late,
    count(*) filter (where is_finished and is_online and is_promised and is_finished_on_time)
        as online_promised_finished_early,
    sum(legal_limit_days - calendar_days_taken) filter (where is_finished and is_online and is_promised)
        as online_handling_days_saved,
    sum(legal_limit_days) filter (where is_finished and is_online and is_promised)
        as online_handling_legal_days,
    -- Overdue and open is a state at the end of the month.
    count(*) filter (where is_overdue_open) as overdue_open,
    -- The matters applied for this month, for 办件覆盖率 (a set, so the year takes their union).
    list(distinct matter_code order by matter_code) filter (where is_applied) as applied_matters,
    -- The matters with a case applied for this year that is in this month's extract, for the
    -- departments' lists of matters without cases (a case applied for in March still open in June
    -- counts even when March was never loaded).
    list(distinct matter_code order by matter_code) filter (where applied_at >= date_trunc('year', month))
        as matters_applied_in_year
from flagged
group by dept_code
