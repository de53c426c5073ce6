-- 运行效能 counts per implementing department, for the month and for the year to date.
with windows as ({{ indicator_windows() }}),

cases as ({{ latest_states_this_year(ref('fct_case_states'), 'case_id') }}),

flagged as (
    select
        cases.*,
        windows.period_window,
        cases.apply_time >= windows.window_start and cases.apply_time < windows.window_end as is_applied,
        coalesce(cases.accept_time >= windows.window_start and cases.accept_time < windows.window_end, false)
            as is_accepted,
        coalesce(cases.finish_time >= windows.window_start and cases.finish_time < windows.window_end, false)
            as is_finished,
        cases.case_kind = 'promised' as is_promised,
        -- 实际办理时间 in calendar days: the only reading under which the 2021-06 运行情况表 shows a
        -- negative 办理提速 (市生态环境局 −75.19 %) beside no case finished late (lateness is judged in
        -- working days against the promise, see int_case_states__timed).
        date_diff('day', cases.accept_time::date, cases.finish_time::date) as calendar_days_taken,
        -- Overdue and open is a state at the end of the partition month, the same for both windows.
        cases.is_overdue_open and cases.month = {{ partition_month() }} as is_overdue_now
    from cases
    cross join windows
),

-- The implementation list (实施清单) at the month's end: matters a case can be applied for.
listed_matters as (
    select matter_code, dept_code
    from {{ ref('fct_matter_snapshots') }}
    where month = {{ partition_month() }} and is_on_application and status = 'active'
),

matters_with_cases as (
    select dept_code, period_window, count(distinct matter_code) as matters_with_cases
    from flagged
    where is_applied and matter_code in (select matter_code from listed_matters)
    group by all
),

counted as (
    select
        dept_code,
        period_window,
        count(*) filter (where is_applied) as applied,
        count(*) filter (where is_accepted) as accepted,
        count(*) filter (where is_finished) as finished,
        count(*) filter (where is_finished and is_finished_late) as finished_late,
        count(*) filter (where is_finished and is_promised) as promised_finished,
        count(*) filter (where is_finished and is_promised and is_finished_late) as promised_finished_late,
        count(*) filter (where is_finished and is_promised and is_finished_on_time) as promised_finished_early,
        -- 承诺提速 over every case of the window (applied, accepted or finished in it), whatever its
        -- kind. Read off the 2021-06 table: 市发展和改革委员会 63.69 % with no promised case finished (so
        -- not promised cases only), 市水务局 90.55 % with nothing accepted (so not accepted cases only),
        -- 市公共资源交易服务中心 50.00 % with one case accepted and none applied or finished.
        sum(legal_limit_days - promised_limit_days) filter (where is_applied or is_accepted or is_finished)
            as promise_days_saved,
        sum(legal_limit_days) filter (where is_applied or is_accepted or is_finished) as promise_legal_days,
        sum(legal_limit_days - calendar_days_taken) filter (where is_finished and is_promised) as handling_days_saved,
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
        sum(legal_limit_days) filter (where is_finished and is_online and is_promised) as online_handling_legal_days,
        count(*) filter (where is_overdue_now) as overdue_open
    from flagged
    group by all
),

listed as (
    select dept_code, count(*) as listed_matters from listed_matters group by all
),

departments as (
    select dept_code, period_window
    from (select dept_code from counted union select dept_code from listed)
    cross join (select period_window from windows)
)

select
    departments.dept_code as org_code,
    departments.period_window,
    counted.* exclude (dept_code, period_window),
    coalesce(matters_with_cases.matters_with_cases, 0) as matters_with_cases,
    coalesce(listed.listed_matters, 0) as listed_matters
from departments
left join counted using (dept_code, period_window)
left join matters_with_cases using (dept_code, period_window)
left join listed using (dept_code)
