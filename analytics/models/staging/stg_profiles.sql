-- One row per person ever seen (one canonical profile URL per Lead): the workspace pool every
-- campaign draws from.
select
    id as profile_id,
    lead_id,
    public_identifier,
    discovered_by_id as discovered_by_account_id,
    {{ utc('discovered_at') }} as discovered_at,
    {{ utc('enriched_at') }} as enriched_at,
    enriched_at is not null as is_enriched,
    unavailable_reason,
    coalesce(unavailable_reason, '') = '' as is_available
from {{ source('crm', 'outreach_linkedinprofile') }}
