-- Organisations with their scoring group, region, population and every other name the tables print.
{{ config(materialized='table') }}
with aliases as (
    select
        org_code,
        list(alias_name order by alias_name) as alias_names
    from {{ ref('ref_org_aliases') }}
    group by org_code
)

select
    o.org_code,
    o.org_name,
    o.org_level,
    o.region_code,
    o.city_group,
    o.population,
    coalesce(a.alias_names, []) as alias_names
from {{ ref('ref_organisations') }} as o
left join aliases as a using (org_code)
