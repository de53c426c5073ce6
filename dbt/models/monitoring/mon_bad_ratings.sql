-- Every counted 差评 of each as-of extract (daily.evaluations): its rectification due date, whether it
-- was rectified and revisited (回访) by the as-of moment (00:00 of the as-of day), and whether it is
-- overdue then. Counted as the monthly indicators count it (macros/case_deadline.sql).
select
    as_of_date,
    eval_id,
    case_id,
    dept_code,
    region_code,
    eval_time as evaluated_at,
    rating,
    rectify_due as rectification_due_at,
    rectified_at,
    coalesce(revisited, false) as is_revisited,
    rectified_at is not null as is_rectified,
    rectified_at is null and rectify_due <= as_of_date::timestamp as is_overdue
from {{ source('daily', 'evaluations') }}
where {{ is_counted_bad_rating('rating', 'invalid_after_appeal') }}
