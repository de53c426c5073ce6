{#- What a data test reads. dbt hands every generic test its model through this macro; here a test of a
    monthly relation (one with a `month` column) reads the partition being built, unless the test sets
    its own `where`. Earlier months were tested when they were built, so a test's cost does not grow
    with the history in the warehouse. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if not where and execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- if 'month' in columns -%}
            {%- set where = 'month = ' ~ partition_month() -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
