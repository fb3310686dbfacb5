{#- Seniority level 0 (no word) .. 7 (CxO) of lower-cased text: the same patterns, in the same order, as
    openoutreach/ml/acceptance.py SENIORITY_PATTERNS (tests/analytics checks they agree). -#}
{% macro seniority(text) -%}
    case
        when regexp_matches({{ text }}, '\b(vp|svp|evp|vice president)\b') then 6
        when regexp_matches({{ text }}, '\b(chief|ceo|cto|cfo|coo|cmo|cio|ciso|founder|owner|president)\b') then 7
        when regexp_matches({{ text }}, '\b(director|head of)\b') then 5
        when regexp_matches({{ text }}, '\bmanager\b') then 4
        when regexp_matches({{ text }}, '\b(lead|staff|principal)\b') then 3
        when regexp_matches({{ text }}, '\b(senior|sr)\b') then 2
        when regexp_matches({{ text }}, '\b(junior|jr|intern|trainee|assistant|graduate)\b') then 1
        else 0
    end
{%- endmacro %}
