{#- Use the folder's schema name as is (`staging`, `marts`) instead of dbt's `<target>_<custom>`:
    readers query `marts.campaign_funnel`, whatever the target is called. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
