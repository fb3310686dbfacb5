-- Conversion per sequence step: for each step of each campaign, the deals that were sent it and the
-- people who replied after it (their reply came while this was the last step sent: `sequence_step`
-- stops moving once a person replies). reply_rate = replied_after / sent.
with steps as (
    select * from {{ ref('stg_sequence_steps') }}
),

deals as (
    select campaign_id, sequence_step, replied_at from {{ ref('stg_deal_states') }}
)

select
    s.campaign_id,
    s.position as step,
    s.delay_days,
    s.kind,
    count(d.campaign_id) filter (where d.sequence_step >= s.position) as sent,
    count(d.campaign_id) filter (where d.sequence_step = s.position and d.replied_at is not null) as replied_after,
    case
        when count(d.campaign_id) filter (where d.sequence_step >= s.position) > 0
            then round(
                count(d.campaign_id) filter (where d.sequence_step = s.position and d.replied_at is not null)
                / count(d.campaign_id) filter (where d.sequence_step >= s.position),
                3
            )
    end as reply_rate
from steps as s
left join deals as d on d.campaign_id = s.campaign_id
group by s.campaign_id, s.position, s.delay_days, s.kind
order by s.campaign_id, s.position
