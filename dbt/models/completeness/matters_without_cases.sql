-- The matters of the implementation list at the month's end with no case applied for this year: each
-- department is asked why.
{{ config(materialized='partition', schema='completeness') }}

with listed as (
    select
        dept_code,
        matter_code,
        matter_name
    from {{ ref('fct_matter_snapshots') }}
    where month = {{ partition_month() }} and is_on_application and status = 'active'
),

used as (
    select distinct matter_code
    from {{ ref('matters_with_cases') }}
    where {{ in_year_to_date() }}
)

select
    {{ partition_month() }} as month,
    l.dept_code,
    l.matter_code,
    l.matter_name,
    0::bigint as cases_this_year
from listed as l
anti join used using (matter_code)
order by l.dept_code, l.matter_code
