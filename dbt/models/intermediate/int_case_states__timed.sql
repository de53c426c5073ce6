-- Every case as it stood at the end of each month, with its deadline and timeliness.
-- 承诺件: the deadline is the end of the N-th working day after the day of acceptance (N = 承诺时限).
-- 即办件: 24 hours after acceptance. Working days taken = workdays after the acceptance day up to and
-- including the finishing day, so a case accepted and finished on the same day took 0.
with cases as (
    select * from {{ ref('stg_platform__cases') }}
),

days as (
    select * from {{ ref('int_calendar__workday_ordinals') }}
),

-- Each ordinal names exactly one workday.
workdays as (
    select workday_ordinal, calendar_date from days where is_workday
),

timed as (
    select
        cases.*,
        finished.workday_ordinal - accepted.workday_ordinal as working_days_taken,
        case
            when cases.case_kind = 'instant' then cases.accept_time + interval 24 hour
            when cases.case_kind = 'promised' then (deadline_day.calendar_date + interval 1 day)::timestamp
        end as deadline_at
    from cases
    left join days as accepted on accepted.calendar_date = cases.accept_time::date
    left join days as finished on finished.calendar_date = cases.finish_time::date
    left join workdays as deadline_day
        on deadline_day.workday_ordinal = accepted.workday_ordinal + cases.promised_limit_days
)

select
    *,
    accept_time::date as accept_date,
    finish_time::date as finish_date,
    channel in ('online', 'mobile') as is_online,
    coalesce(finish_time >= deadline_at, false) as is_finished_late,
    coalesce(finish_time < deadline_at, false) as is_finished_on_time,
    -- Open at the month's end and already past its deadline (本月超期).
    coalesce(finish_time is null and accept_time is not null and deadline_at < month + interval 1 month, false)
        as is_overdue_open
from timed
