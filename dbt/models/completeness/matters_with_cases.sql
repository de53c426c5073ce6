-- The matters with a case applied for this year that is in the month's extract (a case applied for in
-- March and still open in June is in June's), kept per month so that the year's matters without cases
-- read a few rows a month, whatever the year's volume of cases.
{{ config(materialized='partition', schema='completeness') }}

select distinct
    {{ partition_month() }} as month,
    matter_code
from {{ ref('stg_platform__cases') }}
where
    month = {{ partition_month() }}
    and applied_at >= date_trunc('year', {{ partition_month() }})
    and matter_code is not null
