-- Every case still open in each as-of extract (daily.cases), with its promised and legal deadlines and
-- the working days left to them. An extract as of D is the platform's state at 00:00 of D (events up
-- to the end of D-1); working days left = the deadline day's workday ordinal - D's, so 0 means due by
-- the end of D, and a deadline at or before 00:00 of D is past. The deadlines are the monthly
-- states' own (macros/case_deadline.sql); the warning levels are the profile's thresholds, applied
-- by the daily monitoring (dagster_project/defs/monitoring/ledger.py).
with cases as (
    select * from {{ source('daily', 'cases') }}
    where accept_time is not null and finish_time is null
),

days as (
    select * from {{ ref('int_calendar__workday_ordinals') }}
),

workdays as (
    select
        workday_ordinal,
        calendar_date
    from days
    where is_workday
),

deadlines as (
    select
        cases.as_of_date,
        cases.case_id,
        cases.dept_code,
        cases.region_code,
        cases.matter_code,
        cases.case_kind,
        cases.accept_time as accepted_at,
        cases.promised_limit_days,
        cases.legal_limit_days,
        {{ case_deadline_at('cases.case_kind', 'cases.accept_time', 'promised_day.calendar_date') }}
            as deadline_at,
        {{ case_deadline_at('cases.case_kind', 'cases.accept_time', 'legal_day.calendar_date') }}
            as legal_deadline_at
    from cases
    left join days as accepted on accepted.calendar_date = cases.accept_time::date
    {{ workday_after('promised_day', 'accepted', 'cases.promised_limit_days') }}
    {{ workday_after('legal_day', 'accepted', 'cases.legal_limit_days') }}
)

select
    deadlines.*,
    -- The day a deadline falls in: the end of a working day is 00:00 of the next day.
    promised_on.workday_ordinal - as_of.workday_ordinal as working_days_left,
    legal_on.workday_ordinal - as_of.workday_ordinal as legal_working_days_left,
    date_diff('minute', deadlines.as_of_date::timestamp, deadlines.deadline_at) / 60.0 as hours_left,
    deadlines.deadline_at <= deadlines.as_of_date::timestamp as is_past_deadline,
    deadlines.legal_deadline_at <= deadlines.as_of_date::timestamp as is_past_legal_deadline
from deadlines
left join days as as_of on deadlines.as_of_date = as_of.calendar_date
left join days as promised_on
    on (deadlines.deadline_at - interval 1 microsecond)::date = promised_on.calendar_date
left join days as legal_on
    on (deadlines.legal_deadline_at - interval 1 microsecond)::date = legal_on.calendar_date
