-- DjangoCRM's Deal (one per person per campaign) with the name of its stage: the stage IS the state.
select
    d.id as deal_id,
    d.lead_id,
    d.department_id,
    d.stage_id,
    s.name as stage_name,
    d.active,
    d.closing_reason_id,
    {{ utc('d.creation_date') }} as created_at
from {{ source('crm', 'crm_deal') }} as d
left join {{ source('crm', 'crm_stage') }} as s on s.id = d.stage_id
