-- Our per-deal lane state; `state` is the indexed copy of the CRM stage written in the same transaction.
select
    id as deal_state_id,
    deal_id,
    campaign_id,
    lead_id,
    account_id,
    state,
    score,
    p_fit,
    p_accept,
    attempts,
    sequence_step,
    withdrawals,
    {{ utc('replied_at') }} as replied_at,
    {{ utc('withdrawn_at') }} as withdrawn_at,
    {{ utc('contacted_at') }} as contacted_at,
    {{ utc('created_at') }} as created_at
from {{ source('crm', 'outreach_dealstate') }}
