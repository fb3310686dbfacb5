-- One row per campaign; its name is the name of its DjangoCRM department (an auth group).
select
    c.id as campaign_id,
    g.name as campaign_name,
    c.department_id,
    c.active,
    c.is_partner,
    c.action_fraction,
    c.llm_daily_calls,
    {{ utc('c.created_at') }} as created_at
from {{ source('crm', 'outreach_campaign') }} as c
join {{ source('crm', 'auth_group') }} as g on g.id = c.department_id
