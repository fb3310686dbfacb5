-- One row per sequence step of a campaign (never the template or prompt texts).
select
    id as sequence_step_id,
    campaign_id,
    position,
    delay_days,
    kind
from {{ source('crm', 'outreach_sequencestep') }}
