-- Evaluations with what the indicators ask of them: active or default, good or bad, and whether a bad
-- rating was rectified by its due date. 差评 = rating 1 or 2; 好评 = 3 to 5 (基本满意 and above).
-- A bad rating the appeal found invalid (申诉认定无效) does not count as a bad rating; one whose
-- rectification is not yet due at the month's end and not yet done is not judged yet.
select
    *,
    eval_source = 'active' as is_active,
    rating >= 3 as is_good,
    {{ is_counted_bad_rating('rating', 'is_invalid_after_appeal') }} as is_counted_bad,
    (
        {{ is_counted_bad_rating('rating', 'is_invalid_after_appeal') }}
        and (rectified_at is not null or rectification_due_at < month + interval 1 month)
    ) as is_rectification_judged,
    (
        {{ is_counted_bad_rating('rating', 'is_invalid_after_appeal') }}
        and rectified_at is not null and rectified_at <= rectification_due_at
    ) as is_rectified_on_time
from {{ ref('stg_platform__evaluations') }}
