-- One monthly partition at a time: the month is deleted, then appended again (idempotent reruns).
{{ config(materialized='partition') }}
select * from {{ ref('int_evaluations__rated') }}
where month = {{ partition_month() }}
