{#- The partition month as a DATE (first day), from the `month` var ('YYYY-MM'). -#}
{% macro partition_month() -%}
    {%- set month = var('month') -%}
    {%- if month is none -%}
        (select max(month) from {{ source('raw', 'cases') }})
    {%- else -%}
        date '{{ month }}-01'
    {%- endif -%}
{%- endmacro %}
