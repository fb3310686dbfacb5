-- What the acceptance model reads from each enriched lead's parsed profile (the JSON the enrichment
-- stores in the Lead's description): our degree to the person and a few content features. Names,
-- texts and identifiers are not selected.
with profiles as (
    select
        id as lead_id,
        description as profile
    from {{ source('crm', 'crm_lead') }}
    where left(description, 1) = chr(123) and json_valid(description)  -- chr(123): an opening brace
)

select
    lead_id,
    try_cast(json_extract_string(profile, '$.connection_degree') as integer) as connection_degree,
    json_extract_string(profile, '$.distance') as distance,
    {{ seniority("lower(coalesce(json_extract_string(profile, '$.headline'), '') || ' ' || coalesce(json_extract_string(profile, '$.positions[0].title'), ''))") }} as seniority,
    length(regexp_replace(coalesce(json_extract_string(profile, '$.summary'), ''), '\s+', '', 'g')) > 0 as has_summary,
    coalesce(json_array_length(profile, '$.positions'), 0) as position_count,
    coalesce(json_array_length(profile, '$.educations'), 0) as education_count,
    json_extract_string(profile, '$.industry') as industry,
    json_extract_string(profile, '$.country_code') as country_code
from profiles
