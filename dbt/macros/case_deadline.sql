{#- The one definition of a case's deadline, shared by the monthly states (int_case_states__timed) and the
    daily monitoring (mon_case_deadlines).
    承诺件: the end of the N-th working day after the day of acceptance, `deadline_day` being that workday
    (joined by `workday_after`). 即办件: 24 hours after acceptance. -#}
{% macro case_deadline_at(case_kind, accepted_at, deadline_day) -%}
    case
        when {{ case_kind }} = 'instant' then {{ accepted_at }} + interval 24 hour
        when {{ case_kind }} = 'promised' then ({{ deadline_day }} + interval 1 day)::timestamp
    end
{%- endmacro %}

{#- The workday N working days after the acceptance day: `workdays` holds one row per workday with its
    ordinal (int_calendar__workday_ordinals where is_workday), `accepted` the acceptance day's row. -#}
{% macro workday_after(alias, accepted, limit_days) -%}
    left join workdays as {{ alias }}
        on {{ alias }}.workday_ordinal = {{ accepted }}.workday_ordinal + {{ limit_days }}
{%- endmacro %}

{#- 差评 = rating 1 or 2; one the appeal found invalid (申诉认定无效) does not count. -#}
{% macro is_counted_bad_rating(rating, is_invalid_after_appeal) -%}
    ({{ rating }} <= 2 and not coalesce({{ is_invalid_after_appeal }}, false))
{%- endmacro %}
