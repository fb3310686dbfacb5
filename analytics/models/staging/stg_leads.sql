-- DjangoCRM's Lead: one per person. Names and contact details stay in the CRM.
select
    id as lead_id,
    contact_id,
    company_id,
    country_id,
    disqualified,
    {{ utc('creation_date') }} as created_at
from {{ source('crm', 'crm_lead') }}
