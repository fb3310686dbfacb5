-- Stale invitations per campaign: invitations withdrawn by the withdraw lane (one deal may count twice
-- when it was re-invited after the block and withdrawn again), deals withdrawn, and invitations still
-- pending now.
with deals as (
    select campaign_id, state, withdrawals, withdrawn_at from {{ ref('stg_deal_states') }}
)

select
    c.campaign_id,
    c.campaign_name,
    coalesce(sum(d.withdrawals), 0) as invitations_withdrawn,
    count(d.campaign_id) filter (where d.withdrawn_at is not null) as deals_withdrawn,
    count(d.campaign_id) filter (where d.state = 'Pending') as pending_now
from {{ ref('stg_campaigns') }} as c
left join deals as d on d.campaign_id = c.campaign_id
group by c.campaign_id, c.campaign_name
order by c.campaign_id
