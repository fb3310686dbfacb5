-- Every outward action (the audit trail caps are counted from). `detail` is left out: it can hold
-- message texts.
select
    id as action_id,
    account_id,
    campaign_id,
    lead_id,
    deal_id,
    kind,
    outcome,
    outcome = 'ok' as reached_linkedin,
    tokens,
    task_id,
    {{ utc('"at"') }} as at_utc
from {{ source('crm', 'outreach_actionlog') }}
