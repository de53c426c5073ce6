-- Each day with the number of workdays up to and including it: "N working days after acceptance" is
-- the workday whose ordinal is the acceptance day's ordinal + N (weekends, holidays and 调休 make-up
-- days come from the chinese-calendar seed; a day the jurisdiction works or rests otherwise, from its
-- profile's ref_calendar_overrides).
{{ config(materialized='table') }}
with days as (
    select
        d.calendar_date,
        coalesce(o.is_workday, d.is_workday) as is_workday,
        case
            when o.is_workday is null then d.day_kind
            when o.is_workday then 'makeup_workday'
            else 'holiday'
        end as day_kind,
        case when o.is_workday is null then d.holiday_name else o.note end as holiday_name
    from {{ ref('ref_calendar_days') }} as d
    left join {{ ref('ref_calendar_overrides') }} as o using (calendar_date)
)

select
    calendar_date,
    is_workday,
    day_kind,
    holiday_name,
    sum(case when is_workday then 1 else 0 end) over (order by calendar_date rows unbounded preceding)
        as workday_ordinal
from days
