-- One monthly partition at a time: the month is deleted, then appended again (idempotent reruns).
{{ config(materialized='partition') }}
select * from {{ ref('int_case_states__timed') }}
where month = {{ partition_month() }}
