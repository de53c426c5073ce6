-- Each day with the number of workdays up to and including it: "N working days after acceptance" is
-- the workday whose ordinal is the acceptance day's ordinal + N (weekends, holidays and 调休 make-up
-- days all come from the chinese-calendar seed).
{{ config(materialized='table') }}
select
    calendar_date,
    is_workday,
    day_kind,
    holiday_name,
    sum(case when is_workday then 1 else 0 end) over (order by calendar_date rows unbounded preceding)
        as workday_ordinal
from {{ ref('ref_calendar_days') }}
