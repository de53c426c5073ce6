{#- A table kept by month: the run's month is deleted and its rows are inserted straight from the model's
    query, so a rerun never duplicates and other months stay untouched. dbt-duckdb's incremental
    materialization would first write the month into a temporary table and then copy it (every row
    written twice, a third of the dbt stage at 20 million cases). The first run, or --full-refresh,
    creates the table from the query. A query whose columns no longer match the table's fails the model
    (as on_schema_change='fail' would): a new column needs a --full-refresh, deliberately. -#}
{% materialization partition, adapter='duckdb' %}
    {%- set target_relation = this.incorporate(type='table') -%}
    {%- set existing_relation = load_cached_relation(this) -%}

    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}

    {%- if existing_relation is none or should_full_refresh() -%}
        {%- if existing_relation is not none -%}
            {%- do adapter.drop_relation(existing_relation) -%}
        {%- endif -%}
        {%- set build_sql = create_table_as(False, target_relation, compiled_code) -%}
    {%- else -%}
        {%- set table_columns = adapter.get_columns_in_relation(existing_relation) | map(attribute='name') | list -%}
        {%- set query_columns = get_column_schema_from_query(compiled_code) | map(attribute='name') | list -%}
        {%- if table_columns != query_columns -%}
            {%- do exceptions.raise_compiler_error(
                this ~ ": the query's columns " ~ query_columns ~ " are not the table's " ~ table_columns
                ~ "; rebuild it with --full-refresh") -%}
        {%- endif -%}
        {%- set build_sql -%}
            delete from {{ target_relation }} where month = {{ partition_month() }};
            insert into {{ target_relation }} ({{ compiled_code }})
        {%- endset -%}
    {%- endif -%}

    {%- call statement('main') -%}
        {{ build_sql }}
    {%- endcall -%}

    {%- do persist_docs(target_relation, model) -%}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {%- do adapter.commit() -%}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
