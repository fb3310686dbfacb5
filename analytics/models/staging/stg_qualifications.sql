-- A person's label for one campaign and who decided it: the LLM, the model (GP), a rule or the operator.
select
    id as qualification_id,
    campaign_id,
    lead_id,
    label,
    case label when 1 then 'fits' when 0 then 'does_not_fit' else 'needs_review' end as decision,
    source,
    source in ('model', 'rule') as is_automatic,
    llm_label,
    nullif(audit, '') as audit,
    prob,
    std,
    entropy,
    {{ utc('"at"') }} as at_utc
from {{ source('crm', 'outreach_qualification') }}
