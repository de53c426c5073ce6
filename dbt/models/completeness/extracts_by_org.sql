-- Every organisation × extract that names organisations, with the rows of the month loaded and
-- quarantined for it. An organisation code that arrived but is not in the reference data gets its own
-- row, as printed, so that nothing disappears.
{{ config(materialized='partition', schema='completeness') }}

-- Which extract names the organisation of a row, and in which column, is reference data
-- (ref_extracts, tested against the contracts). Every extract is read here because dbt must know a
-- model's tables when it parses, before any seed is loaded.
{%- set extracts = [
    'matters', 'cases', 'evaluations', 'certificates', 'projects', 'project_cases', 'spot_checks',
    'assessed_inputs',
] %}

with extracts as (
    select
        extract,
        extract_label,
        org_column
    from {{ ref('ref_extracts') }}
    where org_column is not null
),

rows_read as (
    {%- for extract in extracts %}
    select
        '{{ extract }}' as extract,
        true as is_loaded,
        columns('^(dept_code|region_code|org_name)$')
    from {{ source('raw', extract) }}
    where month = {{ partition_month() }}
    union all by name
    select
        '{{ extract }}' as extract,
        false as is_loaded,
        columns('^(dept_code|region_code|org_name)$')
    from {{ source('quarantine', extract) }}
    where month = {{ partition_month() }}
    {%- if not loop.last %}
    union all by name
    {%- endif %}
    {%- endfor %}
),

arrived as (
    select
        r.extract,
        r.is_loaded,
        case e.org_column
            when 'dept_code' then r.dept_code
            when 'region_code' then r.region_code
            -- assessed inputs print the organisation's name (or an alias); the rest carry its code
            when 'org_name' then coalesce(o.org_code, a.org_code, r.org_name)
        end as org_code
    from rows_read as r
    inner join extracts as e using (extract)
    left join {{ ref('ref_organisations') }} as o
        on e.org_column = 'org_name' and r.org_name = o.org_name
    left join {{ ref('ref_org_aliases') }} as a
        on e.org_column = 'org_name' and r.org_name = a.alias_name
),

grid as (
    select
        o.org_code,
        e.extract
    from {{ ref('ref_organisations') }} as o
    cross join extracts as e
    where o.org_level in ('city_dept', 'county', 'county_dept', 'street')
    union
    select distinct
        org_code,
        extract
    from arrived
    where org_code is not null
)

select
    {{ partition_month() }} as month,
    g.org_code,
    g.extract,
    e.extract_label,
    count(a.is_loaded) filter (where a.is_loaded) as rows_loaded,
    count(a.is_loaded) filter (where not a.is_loaded) as rows_quarantined,
    count(a.is_loaded) > 0 as has_arrived
from grid as g
inner join extracts as e using (extract)
left join arrived as a using (org_code, extract)
group by all
order by g.org_code, g.extract
