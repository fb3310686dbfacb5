{#- A CRM timestamp as a naive UTC TIMESTAMP. Django (USE_TZ) stores UTC: SQLite columns come through
    the scanner as naive TIMESTAMPs already in UTC; PostgreSQL's are TIMESTAMPTZ. -#}
{% macro utc(column) -%}
    {%- if var('crm_type') == 'postgres' -%}
        timezone('UTC', {{ column }})
    {%- else -%}
        cast({{ column }} as timestamp)
    {%- endif -%}
{%- endmacro %}
