-- A view over the ingested cases (raw.cases, kept by month), not a second copy: the columns it adds
-- are lookups in the calendar, which the queries reading it pay (a fraction of a second a month),
-- where storing tens of millions of rows again cost every run more. A month's rows change when its
-- extract is ingested again.
{{ config(materialized='view') }}
select * from {{ ref('int_case_states__timed') }}
