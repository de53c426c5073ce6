-- One monthly partition at a time: the month is deleted, then appended again (idempotent reruns).
{{ config(materialized='incremental', incremental_strategy='append', pre_hook="{{ replace_partition() }}", on_schema_change='fail') }}
select * from {{ ref('stg_platform__spot_checks') }}
where month = {{ partition_month() }}
