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
    select
        workday_ordinal,
        calendar_date
    from days
    where is_workday
),

timed as (
    select
        cases.*,
        finished.workday_ordinal - accepted.workday_ordinal as working_days_taken,
        {{ case_deadline_at('cases.case_kind', 'cases.accepted_at', 'deadline_day.calendar_date') }}
            as deadline_at
    from cases
    left join days as accepted on accepted.calendar_date = cases.accepted_at::date
    left join days as finished on finished.calendar_date = cases.finished_at::date
    {{ workday_after('deadline_day', 'accepted', 'cases.promised_limit_days') }}
)

select
    *,
    accepted_at::date as accepted_date,
    finished_at::date as finished_date,
    channel in ('online', 'mobile') as is_online,
    coalesce(finished_at >= deadline_at, false) as is_finished_late,
    coalesce(finished_at < deadline_at, false) as is_finished_on_time,
    -- Open at the month's end and already past its deadline (本月超期).
    coalesce(
        finished_at is null and accepted_at is not null and deadline_at < month + interval 1 month,
        false
    ) as is_overdue_open
from timed
