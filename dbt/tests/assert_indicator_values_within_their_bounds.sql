-- Every value within the bounds the indicator catalogue states (a rate in [0, 1] unless it may exceed
-- 100 % or go negative), and no count or numerator below zero where the catalogue says so.
select v.*
from {{ ref('ind_indicator_values') }} as v
inner join {{ ref('ref_indicators') }} as c using (indicator_code)
where
    (c.min_value is not null and v.value < c.min_value)
    or (c.max_value is not null and v.value > c.max_value)
