{#- One name per thing: a model in the staging folder lives in schema `staging`, not `main_staging`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
