-- A view over the ingested cases (raw.cases, kept by month), not a second copy: the columns it adds
-- are cheap lookups in the calendar, and writing tens of millions of rows again each month cost more
-- than any query over the view. A month's rows change when its extract is ingested again.
{{ config(materialized='view') }}
select * from {{ ref('int_case_states__timed') }}
