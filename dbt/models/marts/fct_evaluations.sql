-- A view over the ingested evaluations (raw.evaluations, kept by month), not a second copy: the
-- columns it adds compare values within the row, and writing millions of rows again each month cost
-- more than any query over the view. A month's rows change when its extract is ingested again.
{{ config(materialized='view') }}
select * from {{ ref('int_evaluations__rated') }}
