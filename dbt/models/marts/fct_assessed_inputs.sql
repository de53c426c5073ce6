-- 其他考核数据: the province's measurements per period and organisation, resolved to organisation codes
-- through printed names and aliases (long format: a new indicator needs no new column).
{{ config(materialized='partition') }}
with names as (
    select
        org_name as printed_name,
        org_code
    from {{ ref('ref_organisations') }}
    union all
    select
        alias_name,
        org_code
    from {{ ref('ref_org_aliases') }}
)

select
    a.month,
    names.org_code,
    a.org_name as printed_name,
    a.indicator_code,
    a.indicator_name,
    a.value
from {{ ref('stg_platform__assessed_inputs') }} as a
inner join names on a.org_name = names.printed_name
where a.month = {{ partition_month() }}
