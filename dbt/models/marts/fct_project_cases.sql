-- One monthly partition at a time: the month is deleted, then appended again (idempotent reruns).
{{ config(materialized='partition') }}
select * from {{ ref('stg_platform__project_cases') }}
where month = {{ partition_month() }}
