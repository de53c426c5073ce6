{#- What a data test reads. dbt hands every generic test its model through this macro; here a test of a
    monthly relation (one with a `month` column) reads the partition being built (the `month` var), or
    the run's months (the `months` var, first and last: the unpartitioned set, built once per run),
    unless the test sets its own `where`. Earlier months were tested when they were built, so a test's
    cost does not grow with the history in the warehouse. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- if not where and execute -%}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | list -%}
        {%- if 'month' in columns -%}
            {%- set months = var('months', none) -%}
            {%- if months -%}
                {%- set where = "month between date '" ~ months[0] ~ "-01' and date '" ~ months[-1] ~ "-01'" -%}
            {%- else -%}
                {%- set where = 'month = ' ~ partition_month() -%}
            {%- endif -%}
        {%- endif -%}
    {%- endif -%}
    {%- if where -%}
        (select * from {{ relation }} where {{ where }}) dbt_subquery
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}
