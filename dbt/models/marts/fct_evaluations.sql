-- A view over the ingested evaluations (raw.evaluations, kept by month), not a second copy: the
-- columns it adds compare values within the row, which the queries reading it pay, where storing
-- millions of rows again cost every run more. A month's rows change when its extract is ingested again.
{{ config(materialized='view') }}
select * from {{ ref('int_evaluations__rated') }}
