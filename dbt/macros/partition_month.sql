{#- The partition month as a DATE (first day), from the `month` var ('YYYY-MM'). Without the var, the
    latest month ingested, so a bare `dbt build` still works for an analyst. raw.cases is named here,
    not a source(): the month is a parameter of the model, not an input, and the layers read raw only
    through staging. -#}
{% macro partition_month() -%}
    {%- set month = var('month') -%}
    {%- if month is none -%}
        (select max(month) from {{ api.Relation.create(schema='raw', identifier='cases') }})
    {%- else -%}
        date '{{ month }}-01'
    {%- endif -%}
{%- endmacro %}

{#- The two windows every indicator is computed for: the month alone, and 1 January to the month's end. -#}
{% macro indicator_windows() -%}
    select 'month' as period_window, {{ partition_month() }}::timestamp as window_start,
           ({{ partition_month() }} + interval 1 month)::timestamp as window_end
    union all
    select 'ytd', date_trunc('year', {{ partition_month() }})::timestamp,
           ({{ partition_month() }} + interval 1 month)::timestamp
{%- endmacro %}

{#- A rate is NULL when its denominator is 0 (nothing to measure), never 0. -#}
{% macro safe_ratio(numerator, denominator) -%}
    case when {{ denominator }} is null then ({{ numerator }})::double
         when {{ denominator }} = 0 then null
         else ({{ numerator }})::double / ({{ denominator }})::double end
{%- endmacro %}

{#- The partitions the year to date reads: January of the partition's year up to the partition month. -#}
{% macro in_year_to_date(month_column='month') -%}
    {{ month_column }} between date_trunc('year', {{ partition_month() }}) and {{ partition_month() }}
{%- endmacro %}

{#- Each entity's latest monthly state this year. An entity with an event in a month is in that month's
    extract, and a later state only adds events, so this state knows every event of the year so far. -#}
{% macro latest_states_this_year(relation, key) -%}
    select * from {{ relation }}
    where {{ in_year_to_date() }}
    qualify row_number() over (partition by {{ key }} order by month desc) = 1
{%- endmacro %}
