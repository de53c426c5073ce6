{#- Long rows from a wide relation, in a select list: one row (indicator_code, numerator, denominator) per
    entry of `items`, each entry [code, numerator expression, denominator expression or none for a count].
    Numerators and denominators are exact decimals, so that sums (county roll-ups, year to date) do not
    depend on the order of the rows and a rerun gives the same value to the last bit. -#}
{% macro indicator_rows(items) -%}
    unnest([
    {%- for code, numerator, denominator in items %}
        {'indicator_code': '{{ code }}', 'numerator': ({{ numerator }})::decimal(38, 6),
         'denominator': {{ '(' ~ denominator ~ ')::decimal(38, 6)' if denominator else 'null::decimal(38, 6)' }}}{{ ',' if not loop.last }}
    {%- endfor %}
    ], recursive := true)
{%- endmacro %}
