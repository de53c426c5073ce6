-- The working-day calendar: weekends, public holidays and 调休 make-up days, with workday ordinals.
{{ config(materialized='table') }}
select * from {{ ref('int_calendar__workday_ordinals') }}
